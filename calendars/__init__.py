"""Working days on England's calendar. Knows nothing about inspections."""

from calendars.england import england_calendar
from calendars.periods import AUGUST, CHRISTMAS_NEW_YEAR, SeasonalPeriod
from calendars.working_days import (
    LONDON,
    NonWorkingDayError,
    OutsideCalendarError,
    WorkingDayCalendar,
    at_london_time,
)

__all__ = [
    "AUGUST",
    "CHRISTMAS_NEW_YEAR",
    "LONDON",
    "NonWorkingDayError",
    "OutsideCalendarError",
    "SeasonalPeriod",
    "WorkingDayCalendar",
    "at_london_time",
    "england_calendar",
]
