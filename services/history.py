"""Importing past activities, so that past years can be audited: all rows or none, a bad row named by
its line. Each activity is planned by the edition in force at the time; the fieldwork end given wins
over the template's; a milestone whose column is absent or empty is recorded as unknown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

import pendulum
from sqlmodel import Session, select

from calendars import LONDON, WorkingDayCalendar
from models.records import Activity, LocalAuthority, Milestone
from models.timeline import DONE, plan, require_working_day, template_in_force
from services import audit
from services.reference_data import CsvImportError, csv_rows

COLUMNS = ("la_code", "activity_type", "onsite_start", "fieldwork_end")
TYPES = ("standard-inspection", "short-inspection", "focused-visit", "monitoring-visit")
UNKNOWN = "unknown"


@dataclass(frozen=True)
class _Parsed:
    la_id: int
    activity_type: str
    onsite: date
    end: date
    actuals: dict[str, datetime]
    day_only: frozenset[str]


def _moment(text: str, column: str) -> tuple[datetime, bool]:
    """An actual: a date (judged by day, kept at midnight London) or a date-time (London if no offset)."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(0, 0), tzinfo=LONDON), True
        return pendulum.parse(text, tz=LONDON), False
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        raise ValueError(f"{column} {text!r} is not a date or date-time") from None


def _parse(row: dict[str, str], las: dict[str, int], calendar: WorkingDayCalendar) -> _Parsed:
    if row["la_code"] not in las:
        raise ValueError(f"no local authority with ONS code {row['la_code']!r}")
    if row["activity_type"] not in TYPES:
        raise ValueError(f"activity_type {row['activity_type']!r} is not one of {', '.join(TYPES)}")
    try:
        onsite, end = date.fromisoformat(row["onsite_start"]), date.fromisoformat(row["fieldwork_end"])
    except ValueError:
        raise ValueError("onsite_start and fieldwork_end must be dates, YYYY-MM-DD") from None
    require_working_day(calendar, onsite)
    if end < onsite:
        raise ValueError(f"fieldwork_end {end} is before onsite_start {onsite}")
    template = template_in_force(row["activity_type"], onsite, calendar=calendar)
    keys = {r.key for r in template.milestones}
    actuals, day_only = {}, set()
    for column, value in row.items():
        if column in COLUMNS or not value:
            continue
        if column not in keys:
            raise ValueError(f"{column} is not a milestone of a {row['activity_type']}")
        actuals[column], by_day = _moment(value, column)
        if by_day:
            day_only.add(column)
    return _Parsed(las[row["la_code"]], row["activity_type"], onsite, end, actuals, frozenset(day_only))


def import_history(
    session: Session, text: str, *, source: str, actor: str, now: datetime, calendar: WorkingDayCalendar
) -> list[int]:
    """Validate every row, then store them all; returns the new activities' ids."""
    las = {la.ons_code: la.id for la in session.exec(select(LocalAuthority))}
    planned = []
    for line, row in csv_rows(text, COLUMNS, source):
        try:
            item = _parse(row, las, calendar)
            template = template_in_force(item.activity_type, item.onsite, calendar=calendar)
            planned.append(
                (item, plan(template, item.onsite, calendar=calendar, actuals=item.actuals, end=item.end))
            )
        except (ValueError, KeyError) as exc:
            raise CsvImportError(f"{source}: line {line}: {exc}") from None
    ids = []
    for item, timeline in planned:
        activity = Activity(
            activity_type=item.activity_type, la_id=item.la_id, onsite=item.onsite, fieldwork_end=item.end,
            status="historic", lead_inspector="(imported)", flags=[], edition=timeline.edition,
            calendar_version=timeline.calendar_version, created_at=now,
        )  # fmt: skip
        session.add(activity)
        session.flush()
        for position, dated in enumerate(timeline.milestones):
            session.add(
                Milestone(
                    activity_id=activity.id,
                    position=position,
                    key=dated.key,
                    title=dated.title,
                    owner=dated.owner,
                    source=dated.source,
                    target=dated.target,
                    forecast=dated.forecast,
                    actual=dated.actual,
                    status=DONE if dated.actual else UNKNOWN,
                    provisional=dated.provisional,
                    calendar_version=dated.calendar_version,
                    rule=dated.not_applicable_rule,
                    actual_precision="day" if dated.key in item.day_only else "time",
                    recorded_by=actor,
                )  # fmt: skip
            )
        ids.append(activity.id)
    audit.append(
        session, at=now, actor=actor, action="import_history", subject=source,
        after={"activities": ids, "rows": len(ids)},
    )  # fmt: skip
    return ids
