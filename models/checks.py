"""Warnings for unusual but legal activity dates: the user is told, and the timeline still proceeds."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from calendars import WorkingDayCalendar
from models.templates import WEEKDAYS, ActivityTemplate
from models.timeline import fieldwork_end, target_days


def period_conflicts(
    template: ActivityTemplate, days: Mapping[str, date], flags: frozenset[str] = frozenset()
) -> list[str]:
    """The seasons [003 ¶14] the activity begins or takes place in, as sentences: for each season the
    template avoids, the first day from its `first` milestone's target day (`days`) to its `last` one's
    inside it, named by the milestone that falls on it."""
    conflicts = []
    for season in template.avoid_periods:
        if flags & season.unless:
            continue
        first, last = days[season.first], days[season.last]
        span = (first + timedelta(days=n) for n in range((last - first).days + 1))
        inside = next((day for day in span if season.period.contains(day)), None)
        if inside:
            on_it = [template.rule(key).title for key, day in days.items() if day == inside]
            what = (
                on_it[0]
                if on_it
                else f"{template.rule(season.first).title} to {template.rule(season.last).title}"
            )
            period = season.period.name
            conflicts.append(f"{inside.isoformat()} ({what}) falls in the {period} period: {season.rule}")
    return conflicts


def onsite_warnings(
    template: ActivityTemplate,
    onsite: date,
    calendar: WorkingDayCalendar,
    flags: frozenset[str] = frozenset(),
) -> list[str]:
    """Why `onsite` is unusual for this template: an unexpected weekday, a holiday inside fieldwork,
    or a season the programme avoids [003 ¶14]."""
    warnings = []
    if template.weekdays and onsite.weekday() not in template.weekdays:
        usual = " or ".join(WEEKDAYS[w] for w in template.weekdays)
        actual = WEEKDAYS[onsite.weekday()]
        warnings.append(f"{template.title} usually starts on a {usual}; {onsite.isoformat()} is a {actual}")
    end = fieldwork_end(template, onsite, calendar)
    for day, name in calendar.holidays_between(onsite, end):
        warnings.append(
            f"fieldwork {onsite.isoformat()} to {end.isoformat()} spans {name} ({day.isoformat()})"
        )
    days = target_days(template, onsite, calendar=calendar, flags=flags, end=end)
    return warnings + period_conflicts(template, days, flags)
