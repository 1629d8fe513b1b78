"""Working days on England's calendar. Knows nothing about inspections."""

from calendars.england import england_calendar
from calendars.periods import SeasonalPeriod
from calendars.working_days import (
    LONDON,
    NonWorkingDayError,
    OutsideCalendarError,
    WorkingDayCalendar,
    at_london_time,
)

__all__ = [
    "LONDON",
    "NonWorkingDayError",
    "OutsideCalendarError",
    "SeasonalPeriod",
    "WorkingDayCalendar",
    "at_london_time",
    "england_calendar",
]
