"""Importing past activities, so that past years can be audited: all rows or none, a bad row named by
its line. Each activity is planned by the edition in force at the time; the fieldwork end given wins
over the template's; a milestone whose column is absent or empty is recorded as unknown; a column named
by one of the edition's judgement areas (`overall_effectiveness`, or the post-reform four) records
that judgement, so that the programme and the LA's page read it as they read an outcome.

An activity is known by its LA, type and first day on site. A row for one already stored is skipped
when it agrees with it and refused when it does not, so the same file can be imported twice and a
correction is never silently lost."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time

import pendulum
from sqlmodel import Session, select

from calendars import LONDON, WorkingDayCalendar
from models.records import Activity, Judgement, LocalAuthority, Milestone
from models.states import ActivityStatus, MilestoneStatus
from models.templates import GRADES, edition_named, types_with
from models.timeline import plan, require_working_day, template_in_force
from services.store import audit
from services.store.reference_data import CsvImportError, Repeats, csv_rows

COLUMNS = ("la_code", "activity_type", "onsite_start", "fieldwork_end")


@dataclass(frozen=True)
class _Parsed:
    la_id: int
    activity_type: str
    onsite: date
    end: date
    actuals: dict[str, datetime]
    day_only: frozenset[str]
    judgements: dict[str, str]


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
    if row["activity_type"] not in types_with("history"):
        raise ValueError(
            f"activity_type {row['activity_type']!r} is not one of {', '.join(types_with('history'))}"
        )
    try:
        onsite, end = date.fromisoformat(row["onsite_start"]), date.fromisoformat(row["fieldwork_end"])
    except ValueError:
        raise ValueError("onsite_start and fieldwork_end must be dates, YYYY-MM-DD") from None
    require_working_day(calendar, onsite)
    if end < onsite:
        raise ValueError(f"fieldwork_end {end} is before onsite_start {onsite}")
    template = template_in_force(row["activity_type"], onsite, calendar=calendar)
    keys = {r.key for r in template.milestones}
    areas = {area for area, _ in edition_named(template.edition).judgements}
    actuals, day_only, judgements = {}, set(), {}
    for column, value in row.items():
        if column in COLUMNS or not value:
            continue
        if column in areas:
            judgements[column] = _grade(value, column)
            continue
        if column not in keys:
            raise ValueError(
                f"{column} is not a milestone or judgement of a {row['activity_type']} on site {onsite}"
            )
        actuals[column], by_day = _moment(value, column)
        if by_day:
            day_only.add(column)
    return _Parsed(
        las[row["la_code"]], row["activity_type"], onsite, end, actuals, frozenset(day_only), judgements
    )


def _grade(value: str, column: str) -> str:
    """A grade as Ofsted's reports write it ("requires improvement") or as the store keeps it."""
    grade = value.strip().lower().replace(" ", "_")
    if grade not in GRADES:
        raise ValueError(f"{column} {value!r} is not one of {', '.join(g.replace('_', ' ') for g in GRADES)}")
    return grade


PUBLISHED = {"ons_code": "la_code", "fieldwork_start": "onsite_start", "published": "publication"}


def from_published_judgements(text: str, source: str) -> str:
    """Ofsted's published inspections as the reference data keeps them (models/reference_data/
    latest-ilacs-judgements.csv, post-reform-judgements.csv: ONS code, `standard` or `short`, fieldwork
    days, the publication day when given, a column per judgement) as history rows, line for line, so
    that a published inspection is imported with its judgements and a bad row keeps its line number."""
    rows = csv_rows(text, ("ons_code", "inspection_type", "fieldwork_start", "fieldwork_end"), source)
    names = next(csv.reader(io.StringIO(text)))
    columns = [PUBLISHED.get(c, c) for c in names if c not in ("ofsted_urn", "name", "inspection_type")]
    out = io.StringIO()
    writer = csv.DictWriter(out, ["activity_type", *columns], lineterminator="\n")
    writer.writeheader()
    for _, row in rows:
        kind = {"activity_type": f"{row.pop('inspection_type')}-inspection"}
        writer.writerow(
            kind | {PUBLISHED.get(c, c): v for c, v in row.items() if c not in ("ofsted_urn", "name")}
        )
    return out.getvalue()


@dataclass(frozen=True)
class Imported:
    ids: list[int]  # the activities added
    skipped: list[int]  # the stored activities that rows of the file repeat


def _agrees(session: Session, stored: Activity, item: _Parsed, said: str) -> None:
    """A row repeating a stored activity must say what the store says: its fieldwork end, and each
    actual it gives. An actual it leaves empty says nothing, so one recorded since is no conflict."""
    if stored.fieldwork_end != item.end:
        raise ValueError(f"{said}; its fieldwork ends {stored.fieldwork_end}, this row says {item.end}")
    judged = {
        j.area: j.grade for j in session.exec(select(Judgement).where(Judgement.activity_id == stored.id))
    }
    for area, grade in item.judgements.items():
        if judged.get(area) != grade:
            was = judged.get(area, "not recorded").replace("_", " ")
            raise ValueError(f"{said}; its {area} is {was}, this row says {grade.replace('_', ' ')}")
    recorded = {m.key: m for m in session.exec(select(Milestone).where(Milestone.activity_id == stored.id))}
    for key, moment in item.actuals.items():
        row = recorded.get(key)
        if row is None or row.actual != moment:
            was = (
                _shown(row.actual, by_day=row.actual_precision == "day")
                if row and row.actual
                else "not recorded"
            )
            raise ValueError(
                f"{said}; its {key} is {was}, this row says {_shown(moment, by_day=key in item.day_only)}"
            )


def _shown(moment: datetime, *, by_day: bool) -> str:
    london = moment.astimezone(LONDON)
    return london.date().isoformat() if by_day else london.isoformat(timespec="minutes")


def _stored(session: Session, item: _Parsed, code: str, at_la: list[Activity]) -> Activity | None:
    """The stored activity this row repeats, if any; a row contradicting it, or whose fieldwork
    overlaps another activity's at the LA, is refused."""
    for other in at_la:
        if (other.activity_type, other.onsite) == (item.activity_type, item.onsite):
            _agrees(
                session,
                other,
                item,
                f"the {item.activity_type} at {code} on site {item.onsite} is "
                f"already stored as activity {other.id}",
            )
            return other
    for other in at_la:
        if other.onsite <= item.end and item.onsite <= other.fieldwork_end:
            raise ValueError(
                f"clashes with activity {other.id} ({other.activity_type}, on site {other.onsite} "
                f"to {other.fieldwork_end}) at the same local authority"
            )
    return None


def _overlaps(item: _Parsed, earlier: list[tuple[int, _Parsed]]) -> None:
    for line, other in earlier:
        if other.onsite <= item.end and item.onsite <= other.end:
            raise ValueError(
                f"fieldwork {item.onsite} to {item.end} overlaps line {line}'s {other.activity_type} "
                f"({other.onsite} to {other.end}) at the same local authority"
            )


def _check_rows(session: Session, text: str, source: str, calendar: WorkingDayCalendar):
    """Every row checked: the new activities with their timelines, and the stored ones rows repeat."""
    las = {la.ons_code: la.id for la in session.exec(select(LocalAuthority))}
    stored, new = defaultdict(list), defaultdict(list)
    for activity in session.exec(select(Activity).where(Activity.status != ActivityStatus.CANCELLED)):
        stored[activity.la_id].append(activity)
    repeats, planned, skipped = Repeats(source), [], []
    for line, row in csv_rows(text, COLUMNS, source):
        try:
            item = _parse(row, las, calendar)
            repeats.check(
                line,
                row,
                (item.la_id, item.activity_type, item.onsite),
                f"the {item.activity_type} at {row['la_code']} on site {item.onsite}",
            )
            if found := _stored(session, item, row["la_code"], stored[item.la_id]):
                skipped.append(found.id)
                continue
            _overlaps(item, new[item.la_id])
            template = template_in_force(item.activity_type, item.onsite, calendar=calendar)
            timeline = plan(template, item.onsite, calendar=calendar, actuals=item.actuals, end=item.end)
        except CsvImportError:  # a repeated row: its message names both lines
            raise
        except (ValueError, KeyError) as exc:
            raise CsvImportError(f"{source}: line {line}: {exc}") from None
        planned.append((item, timeline))
        new[item.la_id].append((line, item))
    return planned, skipped


def import_history(
    session: Session, text: str, *, source: str, actor: str, now: datetime, calendar: WorkingDayCalendar
) -> Imported:
    """Validate every row, then store the new ones; nothing is written if every row is already stored."""
    planned, skipped = _check_rows(session, text, source, calendar)
    if not planned:
        return Imported([], skipped)
    ids = []
    for item, timeline in planned:
        activity = Activity(
            activity_type=item.activity_type,
            la_id=item.la_id,
            onsite=item.onsite,
            fieldwork_end=item.end,
            status=ActivityStatus.HISTORIC,
            lead_inspector="(imported)",
            flags=[],
            edition=timeline.edition,
            calendar_version=timeline.calendar_version,
            created_at=now,
        )
        session.add(activity)
        session.flush()
        for area, grade in item.judgements.items():
            session.add(Judgement(activity_id=activity.id, area=area, grade=grade))
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
                    status=MilestoneStatus.DONE if dated.actual else MilestoneStatus.UNKNOWN,
                    provisional=dated.provisional,
                    calendar_version=dated.calendar_version,
                    rule=dated.not_applicable_rule,
                    actual_precision="day" if dated.key in item.day_only else "time",
                    recorded_by=actor,
                )
            )
        ids.append(activity.id)
    audit.append(
        session,
        at=now,
        actor=actor,
        action="import_history",
        subject=source,
        after={"activities": ids, "rows": len(ids), "skipped": skipped},
    )
    return Imported(ids, skipped)
