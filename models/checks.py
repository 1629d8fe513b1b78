"""Warnings for unusual but legal activity dates: the user is told, and the timeline still proceeds."""

from __future__ import annotations

from datetime import date, timedelta

from calendars import WorkingDayCalendar
from models.templates import WEEKDAYS, ActivityTemplate
from models.timeline import Timeline, london_day, plan


def period_conflicts(
    template: ActivityTemplate, timeline: Timeline, flags: frozenset[str] = frozenset()
) -> list[str]:
    """The seasons [003 ¶14] the activity begins or takes place in, as sentences: for each season the
    template avoids, the first day from its `first` milestone's target to its `last` one's inside it."""
    conflicts = []
    for season in template.avoid_periods:
        if flags & season.unless:
            continue
        dated = {london_day(m.target): m.title for m in reversed(timeline.milestones) if m.target}
        first, last = london_day(timeline[season.first].target), london_day(timeline[season.last].target)
        days = (first + timedelta(days=n) for n in range((last - first).days + 1))
        inside = next((day for day in days if season.period.contains(day)), None)
        if inside:
            what = dated.get(inside) or f"{timeline[season.first].title} to {timeline[season.last].title}"
            conflicts.append(
                f"{inside.isoformat()} ({what}) falls in the {season.period.name} period: {season.rule}"
            )
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
    timeline = plan(template, onsite, calendar=calendar, flags=flags)
    end = timeline.fieldwork_end
    for day, name in calendar.holidays_between(onsite, end):
        warnings.append(
            f"fieldwork {onsite.isoformat()} to {end.isoformat()} spans {name} ({day.isoformat()})"
        )
    return warnings + period_conflicts(template, timeline, flags)
