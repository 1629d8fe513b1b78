"""What `make run` shows: the demonstration activities, then today's reminders landing in the sink."""

from __future__ import annotations

import pendulum
from sqlmodel import select

from calendars import LONDON
from interfaces.render import milestones_table
from models.records import LocalAuthority, Milestone
from services.mail import emails
from services.reports import queries
from services.settings import calendar_in_force, get_settings
from services.store import open_store
from services.store.database import transaction
from services.tracking import lifecycle
from services.tracking.unit_of_work import UnitOfWork


def show_demonstration(engine, now) -> None:
    """Register (once) and print one activity of each type, as the store holds it."""
    from flows.demo import demonstration

    for template, activity_id in demonstration(engine, now):
        with transaction(engine) as session:
            found, la, stored = queries.show(session, activity_id)
        print(
            f"\n#{found.id} {template.title} at {la.name} ({la.ofsted_region}), lead {found.lead_inspector}"
        )
        print(f"on site {found.onsite:%A %d %B %Y} to {found.fieldwork_end:%A %d %B %Y}")
        print(milestones_table(stored))


def run_demo(sink, now=None) -> None:
    """The demonstration, then today's mail: its monitoring visit's data request, made today when the
    visit still stands where the demonstration put it (a rerun after staff moved it sends nothing
    with the old dates: the request is made on the day its milestone says, by whoever runs then)."""
    from flows.demo import DEMO_ACTOR, registered_by_demo
    from flows.reminders import daily_sweep, send_outbox

    engine = open_store()
    now = now or pendulum.now(LONDON)
    calendar = calendar_in_force()
    show_demonstration(engine, now)
    today = now.date()
    if not calendar.is_working_day(today):
        print(f"\nToday ({today:%A %d %B %Y}) is not a working day: the sweep sends nothing on it.")
        return
    with transaction(engine) as session:
        visit = registered_by_demo(session)["monitoring-visit"]
        la = session.get(LocalAuthority, visit.la_id)
    print(
        f"\nToday, {emails.govuk_day(today)}: monitoring visit #{visit.id} at {la.name}, "
        f"on site {emails.govuk_day(visit.onsite)}."
    )
    daily_sweep(as_of=now)
    with UnitOfWork(engine, calendar=calendar) as uow:
        request = uow.session.exec(
            select(Milestone).where(Milestone.activity_id == visit.id, Milestone.key == "data_request")
        ).one()
        due_today = request.forecast and request.forecast.astimezone(LONDON).date() == today
        if request.actual is None and due_today:  # made at 09:30 (or now, if that is earlier)
            lifecycle.record_actual(
                uow,
                activity_id=visit.id,
                key="data_request",
                at=min(now, request.forecast),
                by=DEMO_ACTOR,
                note="",
                now=now,
            )
    send_outbox(as_of=now)
    print(f"Mail in the local sink ({sink.directory}):")
    for name, to, subject in sink.messages():
        print(f"  {name}  to {to}\n         {subject}")
    show_compliance(engine, now)
    show_programme(engine, now)


def show_programme(engine, now, region: str = "London", lines: int = 12) -> None:
    """The next three years for one region, from Ofsted's published judgements."""
    from models.programme import load_rules, plan_programme
    from services.reports import programme

    start = now.date()
    with transaction(engine) as session:
        states = programme.starting_states(session, region=region, deteriorating=frozenset())
        plan = plan_programme(
            states,
            start=start,
            end=start.replace(year=start.year + 3),
            rules=load_rules(),
            calendar=calendar_in_force(),
            bookings=programme.bookings(session, start),
        )
    counts = f"{len(plan.planned)} activities, {len(plan.unplaced)} not placed"
    print(f"\nThe programme {region} faces ({counts}); the first {lines}:")
    for item in plan.planned[:lines]:
        print(f"  {item.onsite}  {item.activity_type:<20} {item.name}")
        print(f"              {item.reasons[-1]}")
    print("  (ilacs programme plan --from DATE --years 3 gives them all, with the reasons)")


def show_compliance(engine, now) -> None:
    """The compliance report over the demonstration's first three months."""
    from interfaces.compliance_report import to_table
    from services.reports.compliance import build_report

    start = now.date().replace(day=1)
    end = (pendulum.instance(now).add(months=3)).date()
    with transaction(engine) as session:
        report = build_report(session, start=start, end=end, as_of=now, calendar=calendar_in_force())
    print()
    print(to_table(report))


def demo_account() -> None:
    """A business support account for the demonstration, made once; its password kept in ILACS_HOME
    (readable by its owner only)."""
    import secrets

    from services.access.accounts import add_user

    path = get_settings().home / "demo-password"
    engine = open_store()
    with UnitOfWork(engine) as uow:
        from models.records import User

        if uow.session.exec(select(User).where(User.username == "support")).first() is None:
            password = secrets.token_urlsafe(12)
            add_user(
                uow.session,
                username="support",
                name="Demo Support (fictional)",
                role="business_support",
                password=password,
                now=pendulum.now(LONDON),
            )
            path.write_text(password)
            path.chmod(0o600)
