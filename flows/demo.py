"""The demonstration `make run` shows for now: one timeline of each activity type, run by its flow."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from calendars import england_calendar
from flows.activity_timeline import flow_for
from models.checks import onsite_warnings
from models.templates import ActivityTemplate, activity_types
from models.timeline import Timeline, template_in_force

LEAD_WORKING_DAYS = 15  # far enough ahead that every pre-fieldwork milestone is still to come


def first_usual_day(template: ActivityTemplate, after: date) -> date:
    """The first working day, LEAD_WORKING_DAYS or more after `after`, that draws no warning: the usual
    weekday, no bank holiday inside fieldwork, outside the periods the type avoids."""
    calendar = england_calendar()
    day = calendar.add_working_days(after, LEAD_WORKING_DAYS)
    while onsite_warnings(template, day, calendar):
        day = calendar.next_working_day(day)
    return day


def demonstration(as_of: date) -> Iterator[tuple[ActivityTemplate, Timeline]]:
    """Run each activity type's flow for its next usual start after `as_of`."""
    calendar = england_calendar()
    for activity_type in activity_types():
        probe = template_in_force(activity_type, calendar.roll_forward(as_of), calendar=calendar)
        onsite = first_usual_day(probe, as_of)
        template = template_in_force(activity_type, onsite, calendar=calendar)
        yield template, flow_for(activity_type)(activity_type=activity_type, onsite=onsite)
