"""Warnings for unusual but legal activity dates: the user is told, and the timeline still proceeds."""

from __future__ import annotations

from datetime import date

from calendars import AUGUST, CHRISTMAS_NEW_YEAR, SeasonalPeriod, WorkingDayCalendar
from models.templates import WEEKDAYS, ActivityTemplate
from models.timeline import fieldwork_end

PERIODS: dict[str, SeasonalPeriod] = {"christmas_new_year": CHRISTMAS_NEW_YEAR, "august": AUGUST}
# Flags that lift a period's rule: a focused visit may run in August by agreement or on concerns [003 ¶14].
PERIOD_EXEMPTIONS: dict[str, frozenset[str]] = {"august": frozenset({"by_agreement", "concerns"})}


def period_conflicts(
    template: ActivityTemplate, onsite: date, flags: frozenset[str] = frozenset()
) -> list[str]:
    """The programme's calendar rules [003 ¶14] that `onsite` breaks, as sentences."""
    conflicts = []
    for name in template.avoid_periods:
        period = PERIODS[name]
        if period.contains(onsite) and not flags & PERIOD_EXEMPTIONS.get(name, frozenset()):
            what = template.title.lower()
            conflicts.append(f"{onsite.isoformat()} falls in the {period.name} period, when no {what} begins")
    return conflicts


def onsite_warnings(
    template: ActivityTemplate,
    onsite: date,
    calendar: WorkingDayCalendar,
    flags: frozenset[str] = frozenset(),
) -> list[str]:
    """Why `onsite` is unusual for this template: an unexpected weekday, a holiday inside fieldwork,
    or a period the programme avoids [003 ¶14]."""
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
    return warnings + period_conflicts(template, onsite, flags)
