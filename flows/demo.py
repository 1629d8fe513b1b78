"""What `make run` shows for now: one activity of each type, registered in the store through the
schedule flow (dates computed by the activity's own flow of milestone tasks), then read back.

Idempotent: each demonstration activity is found again by what cannot move, its type and the fact
that the demonstration registered it (the actor of its `schedule` audit entry), never by its dates or
its LA, which staff may change. So a rerun, on the same day or any later one, after a deferral or
not, finds what it registered instead of adding more.

Each activity goes to a London LA whose published judgement puts it on a pathway that has such an
activity [003 ¶13-23, ¶128]: a monitoring visit only where the LA was judged inadequate, a short
inspection only where it was judged good or outstanding, and so on; one activity per LA, none within
the programme's spacing of the LA's last inspection.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from flows.schedule_activity import schedule_activity
from models.checks import onsite_warnings
from models.programme import LocalAuthorityState, demands, load_rules, pathway
from models.records import Activity, AuditEntry, LocalAuthority, StaffMember
from models.templates import ActivityTemplate, activity_types, template_for_edition
from models.timeline import template_in_force
from services.reports.programme import starting_states
from services.settings import calendar_in_force
from services.store.database import transaction
from services.store.reference_data import load_fictional_demo_people
from services.tracking.unit_of_work import UnitOfWork

LEAD_WORKING_DAYS = 15  # far enough ahead that every pre-fieldwork milestone is still to come
DATA_REQUEST_LEAD = 11  # a monitoring visit's data request is made 11 working days before it [003 ¶130]
DEMO_REGION = "London"
DEMO_ACTOR = "make run (demonstration)"


def first_usual_day(template: ActivityTemplate, after: date) -> date:
    """The first working day, LEAD_WORKING_DAYS or more after `after`, that draws no warning: the usual
    weekday, no bank holiday inside fieldwork, outside the periods the type avoids."""
    calendar = calendar_in_force()
    day = calendar.add_working_days(after, LEAD_WORKING_DAYS)
    while onsite_warnings(template, day, calendar):
        day = calendar.next_working_day(day)
    return day


def demo_onsite(activity_type: str, today: date) -> date:
    """The demonstration's first day on site: the monitoring visit is placed so that its data request is
    made today (when today is a working day), so that `make run` shows today's mail; every other
    activity on its first usual day after the lead time."""
    calendar = calendar_in_force()
    if activity_type == "monitoring-visit" and calendar.is_working_day(today):
        return calendar.add_working_days(today, DATA_REQUEST_LEAD)
    probe = template_in_force(activity_type, calendar.roll_forward(today), calendar=calendar)
    return first_usual_day(probe, today)


def registered_by_demo(session: Session) -> dict[str, Activity]:
    """The activities the demonstration registered, by type (the first of each, should there be more)."""
    query = (
        select(Activity)
        .join(AuditEntry, AuditEntry.activity_id == Activity.id)
        .where(AuditEntry.action == "schedule", AuditEntry.actor == DEMO_ACTOR)
        .order_by(Activity.id)
    )
    found: dict[str, Activity] = {}
    for activity in session.exec(query):
        found.setdefault(activity.activity_type, activity)
    return found


def cast(
    states: list[LocalAuthorityState], onsites: dict[str, date], taken: set[str], today: date
) -> dict[str, LocalAuthorityState]:
    """An LA for each activity type in `onsites`: one whose pathway holds that activity (the programme's
    `pathway_activities`, which registration warns by), not in `taken`,
    its last inspection at least the programme's spacing before; of those, the one whose pathway asks
    for that activity nearest the date (then by ONS code). The scarcest types are cast first."""
    rules, calendar = load_rules(), calendar_in_force()
    ideal: dict[tuple[str, str], date] = {}
    for state in states:
        wanted, _ = demands(state, rules, calendar, today, today + timedelta(days=400))
        for demand in wanted:
            ideal.setdefault((state.code, demand.activity_type), demand.ideal)
    spacing = timedelta(weeks=rules.min_spacing_weeks)

    def candidates(kind: str) -> list[LocalAuthorityState]:
        return [
            s
            for s in states
            if kind in rules.pathway_activities[f"pathway-{pathway(s)}"]
            and s.code not in taken
            and onsites[kind] - s.last_end >= spacing
        ]

    chosen = {}
    for kind in sorted(onsites, key=lambda k: len(candidates(k))):
        options = candidates(kind)
        if not options:
            raise RuntimeError(f"no {DEMO_REGION} LA is on a pathway with a {kind.replace('-', ' ')}")

        def distance(s: LocalAuthorityState, kind: str = kind) -> tuple:
            wanted = ideal.get((s.code, kind))
            return (wanted is None, abs((wanted - onsites[kind]).days) if wanted else 0, s.code)

        chosen[kind] = min(options, key=distance)
        taken.add(chosen[kind].code)
    return chosen


def _leads(session: Session) -> list[str]:
    query = select(StaffMember.name).where(
        StaffMember.ofsted_region == DEMO_REGION, StaffMember.role == "lead_inspector"
    )
    return sorted(session.exec(query).all())


def demonstration(engine: Engine, now: datetime) -> Iterator[tuple[ActivityTemplate, int]]:
    """Register (once) and yield one activity of each type, each at a London LA on its pathway."""
    with UnitOfWork(engine) as uow:
        load_fictional_demo_people(uow.session)
    calendar = calendar_in_force()
    today = now.date()
    with transaction(engine) as session:
        existing = registered_by_demo(session)
        leads = _leads(session)
        states = starting_states(session, region=DEMO_REGION, deteriorating=frozenset())
        taken = {session.get(LocalAuthority, a.la_id).ons_code for a in existing.values()}
    missing = {kind: demo_onsite(kind, today) for kind in activity_types() if kind not in existing}
    chosen = cast(states, missing, taken, today) if missing else {}
    for number, activity_type in enumerate(activity_types()):
        if activity_type in existing:
            found = existing[activity_type]
            yield template_for_edition(activity_type, found.edition), found.id
            continue
        onsite = missing[activity_type]
        activity_id = schedule_activity(
            activity_type=activity_type,
            la_code=chosen[activity_type].code,
            onsite=onsite,
            lead=leads[number % len(leads)],
            flags=[],
            override="",
            actor=DEMO_ACTOR,
            now=now,
        )
        yield template_in_force(activity_type, onsite, calendar=calendar), activity_id
