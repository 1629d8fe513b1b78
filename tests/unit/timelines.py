"""Shared helpers for the timeline rule tests."""

from __future__ import annotations

from datetime import date

from calendars import england_calendar
from models.timeline import Timeline, plan, template_in_force
from tests.helpers import when


def timeline(activity_type: str, onsite: date, **kwargs) -> Timeline:
    calendar = england_calendar()
    template = template_in_force(activity_type, onsite, calendar=calendar)
    return plan(template, onsite, calendar=calendar, **kwargs)


def targets(tl: Timeline) -> dict[str, str]:
    return {m.key: when(m.target) for m in tl.milestones if m.target}


def forecasts(tl: Timeline) -> dict[str, str]:
    return {m.key: when(m.forecast) for m in tl.milestones if m.forecast}
