"""The programme's inputs from the reference data and the store, and accepting a plan into the store."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import Row
from sqlmodel import Session, select

from calendars import WorkingDayCalendar
from models.programme import JTAI, ONSITE_WEEKDAY, Booking, LocalAuthorityState, Programme
from models.records import Activity, Judgement, LocalAuthority, Milestone
from models.states import ActivityStatus, MilestoneStatus
from models.templates import edition_in_force, edition_named
from models.timeline import london_day
from services.store.reference_data import shipped
from services.tracking import lifecycle

GRADES = {
    "outstanding": "outstanding",
    "good": "good",
    "requires improvement": "requires_improvement",
    "inadequate": "inadequate",
}


def starting_states(
    session: Session,
    *,
    region: str | None,
    deteriorating: frozenset[str],
    jtai: frozenset[str] = frozenset(),
    la_code: str | None = None,
) -> list[LocalAuthorityState]:
    """Each current LA's latest graded inspection: the shipped reference data (Ofsted's published
    reports, with an overall grade to March 2026 and four judgements since), overridden by any later
    inspection recorded in the store once it has the judgements its edition's pathway rules name.
    `la_code` reads one LA only (a registration's warnings), without the rest of the store's outcomes."""
    las = _current_las(session, la_code)
    states: dict[str, LocalAuthorityState] = {}

    def later(la: Row | LocalAuthority | None, end: date) -> bool:
        return la is not None and (la.ons_code not in states or states[la.ons_code].last_end < end)

    def state(la: Row | LocalAuthority, kind: str, end: date, grades: dict[str, str], **more) -> None:
        overall = grades.get("overall_effectiveness")
        states[la.ons_code] = LocalAuthorityState(
            code=la.ons_code,
            name=la.name,
            region=la.ofsted_region,
            last_type=kind,
            last_end=end,
            grade=overall or _summary(grades),
            deteriorating=la.ons_code in deteriorating,
            judgements=() if overall else tuple(grades.items()),
            **more,
        )

    for row in csv.DictReader(io.StringIO(shipped("latest-ilacs-judgements.csv"))):
        la, end = las.get(row["ons_code"]), date.fromisoformat(row["fieldwork_end"])
        if later(la, end):
            grades = {"overall_effectiveness": GRADES[row["overall_effectiveness"]]}
            state(la, f"{row['inspection_type']}-inspection", end, grades)
    for row in csv.DictReader(io.StringIO(shipped("post-reform-judgements.csv"))):
        la, end = las.get(row["ons_code"]), date.fromisoformat(row["fieldwork_end"])
        if later(la, end):
            areas = [
                area for area, _ in edition_in_force(end).judgements
            ]  # the CSV's columns are their names
            state(
                la, f"{row['inspection_type']}-inspection", end, {area: GRADES[row[area]] for area in areas}
            )
    recorded = session.exec(
        select(Activity, Judgement, LocalAuthority)
        .join(Judgement, Judgement.activity_id == Activity.id)
        .join(LocalAuthority, Activity.la_id == LocalAuthority.id)
        .where(Activity.status != ActivityStatus.CANCELLED, LocalAuthority.ons_code.in_(list(las)))
        .order_by(Activity.fieldwork_end, Activity.id)
    )
    outcomes: dict[int, tuple[Activity, LocalAuthority, dict[str, str]]] = {}
    for activity, judgement, la in recorded:
        outcomes.setdefault(activity.id, (activity, la, {}))[2][judgement.area] = judgement.grade
    for activity, la, grades in outcomes.values():
        decided = edition_named(activity.edition).pathway_areas <= set(grades)
        if decided and later(la, activity.fieldwork_end):
            rebased = _after_inadequate_days(session, activity.id)
            state(
                la,
                activity.activity_type,
                activity.fieldwork_end,
                grades,
                action_plan_due=rebased.get("action_plan_due"),
                first_visit_by=rebased.get("first_monitoring_visit_by"),
            )
    return [replace(s, jtai=s.code in jtai) for s in states.values() if region is None or s.region == region]


def _current_las(session: Session, la_code: str | None) -> dict[str, Row]:
    """The current LAs by ONS code (only `la_code`'s, when given): the three columns the plan reads, not
    ORM objects, which cost more than the plan itself for thousands of LAs."""
    columns = (LocalAuthority.ons_code, LocalAuthority.name, LocalAuthority.ofsted_region)
    current = select(*columns).where(LocalAuthority.status == "current")
    if la_code is not None:
        current = current.where(LocalAuthority.ons_code == la_code)
    return {la.ons_code: la for la in session.exec(current)}


def _summary(grades: dict[str, str]) -> str:
    """Judgements without an overall grade, as the plan's reasons name them."""
    return "no overall grade: " + ", ".join(f"{a} {g}" for a, g in grades.items()).replace("_", " ")


def _after_inadequate_days(session: Session, activity_id: int) -> dict[str, date]:
    """The action plan deadline (its actual once submitted, else its re-based target) and the first
    monitoring visit's deadline, as the store holds them for an inspection judged inadequate."""
    rows = session.exec(
        select(Milestone).where(
            Milestone.activity_id == activity_id,
            Milestone.key.in_(("action_plan_due", "first_monitoring_visit_by")),
            Milestone.status != MilestoneStatus.WITHDRAWN,
        )
    )
    return {row.key: london_day(row.actual or row.target) for row in rows if row.actual or row.target}


def bookings(session: Session, start: date) -> list[Booking]:
    """Activities in the store on site from `start` on: they take capacity, and are not planned again."""
    planned_kinds = list(ONSITE_WEEKDAY)  # annual engagement and the APV take no inspection team's week
    rows = session.exec(
        select(LocalAuthority.ons_code, LocalAuthority.ofsted_region, Activity.activity_type, Activity.onsite)
        .join(LocalAuthority, Activity.la_id == LocalAuthority.id)
        .where(
            Activity.status == ActivityStatus.PLANNED,
            Activity.onsite >= start,
            Activity.activity_type.in_(planned_kinds),
        )
    )
    return [Booking(*row) for row in rows]


def plan(
    session: Session,
    *,
    region: str | None,
    start: date,
    end: date,
    calendar: WorkingDayCalendar,
    deteriorating: frozenset[str] = frozenset(),
    jtai: frozenset[str] = frozenset(),
    send_inspections: dict[str, list[tuple[date, date]]] | None = None,
    **rule_overrides,
) -> Programme:
    """The programme from `start` to `end` for one region (None: all), from the LAs' latest judgements,
    around what the store already holds: what the command line and the dashboard both plan."""
    from models.programme import load_rules, plan_programme

    states = starting_states(session, region=region, deteriorating=deteriorating, jtai=jtai)
    return plan_programme(
        states,
        start=start,
        end=end,
        rules=load_rules(**rule_overrides),
        calendar=calendar,
        bookings=bookings(session, start),
        send_inspections=send_inspections or {},
    )


def accept(
    session: Session, programme: Programme, *, actor: str, now: datetime, calendar: WorkingDayCalendar
) -> list[int]:
    """Register every planned activity (one transaction: all or none)."""
    ids = []
    for item in programme.planned:
        if item.activity_type == JTAI:  # arranged with the other inspectorates, not an ILACS timeline
            continue
        activity = lifecycle.schedule(
            session,
            activity_type=item.activity_type,
            la_code=item.code,
            onsite=item.onsite,
            lead="(to be allocated)",
            actor=actor,
            now=now,
            calendar=calendar,
            flags=frozenset(item.flags),
        )
        ids.append(activity.id)
    return ids
