"""The set-based sweep queues exactly what the per-activity sweep it replaced queued, day by day over a
replayed month (one in winter, one in British Summer Time), on SQLite and PostgreSQL; and so does the
repeat sweep each evening, after the day's records, which sweeps again only the activities changed.

The old pass is kept here, and only here, as the oracle: for each activity, its letters then its
reminders, one query and one `queue` call per message. Each morning both passes run on the same
store, the old one in a transaction rolled back; the rows and the reports must be the same. Staff
record most milestones on their target days (some late, some never), so that steps fall due, go
overdue, are sent, are cancelled by a change, and letters are written."""

from __future__ import annotations

from contextlib import suppress
from datetime import date, datetime, time, timedelta

import pytest
from sqlmodel import Session, select

from calendars import LONDON, england_calendar
from models.records import Activity, Contact, LocalAuthority, Milestone, OutboxMessage
from models.reminders import latest_due_step, send_moment, shipped_policy
from models.reminders import outside_quiet_hours as quiet_hours_rule
from models.states import ActivityStatus, MilestoneStatus, OutboxStatus
from models.templates import edition_named
from services.mail import emails, gate
from services.mail.context import milestones_by_key
from services.mail.delivery import deliver_due
from services.mail.letters import NO_DCS, render_letter
from services.mail.outbox import SENT_OR_SENDING, QueueReport, idempotency_key
from services.mail.recipients import resolve, resolve_all
from services.mail.reminders import NOT_REMINDERS
from services.mail.sweep import sweep_in_batches
from services.mail.transports import DirectoryTransport
from services.store.database import transaction
from services.store.reference_data import import_contacts, import_staff
from services.tracking import lifecycle
from services.tracking.lifecycle import TrackingError
from services.tracking.unit_of_work import UnitOfWork

pytestmark = pytest.mark.slow  # a month replayed twice a day on two backends

CALENDAR = england_calendar()
POLICY = shipped_policy()
CONTACTS = """la_code,role,name,email,valid_from,valid_to
E09000002,dcs,Dee Director,dcs@barking.example.org,2024-01-01,
E09000002,link_person,Lin Link,link@barking.example.org,2024-01-01,2025-06-11
E09000002,link_person,Lee Newlink,newlink@barking.example.org,2025-06-12,
E09000003,most_senior_manager,Sue Senior,sue@barnet.example.org,2024-01-01,
E09000003,link_person,Bo Link,link@barnet.example.org,2024-01-01,
E08000025,link_person,Bim Link,link@birmingham.example.org,2024-01-01,
E06000001,dcs,Hal Director,dcs@hartlepool.example.org,2024-01-01,2025-01-15
E06000001,chief_executive,Cat Chief,ceo@hartlepool.example.org,2024-01-01,
"""
STAFF = """name,role,email,ofsted_region
Ann Lead,lead_inspector,ann.lead@example.org,London
Ben Lead,lead_inspector,ben.lead@example.org,West Midlands
Sam Senior,senior_hmi,shmi@example.org,London
Sal Senior,senior_hmi,shmi.wm@example.org,West Midlands
Nat Senior,senior_hmi,shmi.national@example.org,
Rita Regional,regional_director,rd@example.org,London
Bea Support,business_support,support@example.org,London
Quinn Quality,qa_manager,qa@example.org,
"""
ACTIVITIES = [  # type, LA, lead, working days after the first day to be on site
    ("standard-inspection", "E09000002", "Ann Lead", 7),
    ("focused-visit", "E09000003", "Ann Lead", 4),
    ("short-inspection", "E08000025", "Ben Lead", 9),
    ("monitoring-visit", "E06000001", "Ben Lead", 3),
    ("annual-engagement", "E09000005", "Ann Lead", 12),
]
SKIPPED = {"case_information", "draft_report"}  # never recorded: their ladders run to the end


def oracle_admit(session, activity, person) -> gate.Verdict:
    """The gate with its facts looked up per email, as they were."""
    key = gate.notification_key(activity)
    row = session.exec(
        select(Milestone).where(Milestone.activity_id == activity.id, Milestone.key == key)
    ).first()
    emails = set(session.exec(select(Contact.email).where(Contact.la_id == activity.la_id)))
    return gate.verdict(activity, person, POLICY, notified=bool(row and row.actual), la_emails=emails)


def oracle_queue(session, activity, key, stage, person, cc, subject, not_before, now, report, *, body=""):
    """The per-message `queue` as it was: a gate check, a look-up by key, a row written."""
    ikey = idempotency_key(activity.id, key, stage, person.email)
    verdict = oracle_admit(session, activity, person)
    if not verdict.admitted:
        report.dropped.append(f"{ikey} ({verdict.reason})")
        return
    row = session.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == ikey)).first()
    if row is not None and row.status in SENT_OR_SENDING:
        return
    admitted = [
        p.email for p in cc if p.email != person.email and oracle_admit(session, activity, p).admitted
    ]
    row = row or OutboxMessage(
        idempotency_key=ikey,
        activity_id=activity.id,
        milestone_key=key,
        stage=stage,
        recipient_email=person.email,
        recipient_name="",
        recipient_role="",
        subject="",
        body_text="",
        body_html="",
        created_at=now,
        not_before=not_before,
    )
    changed = row.id is None or row.status != OutboxStatus.QUEUED or row.not_before != not_before
    changed = changed or row.subject != subject
    row.recipient_name, row.recipient_role, row.cc = person.name, person.role, admitted
    row.recipient_la_facing, row.subject, row.body_text = person.la_facing, subject, body
    row.embargoed, row.not_before, row.status = False, not_before, OutboxStatus.QUEUED
    session.add(row)
    session.flush()
    if changed:
        report.queued.append(ikey)


def oracle_sweep(session, as_of: datetime) -> QueueReport:
    """The sweep as it was: every planned activity in turn, letters then reminders."""
    report = QueueReport()
    planned = select(Activity).where(Activity.status == ActivityStatus.PLANNED).order_by(Activity.id)
    for activity in session.exec(planned).all():
        rows = milestones_by_key(session, activity.id)
        oracle_letters(session, activity, rows, as_of, report)
        oracle_reminders(session, activity, rows, as_of, report)
    return report


def oracle_letters(session, activity, rows, as_of, report) -> None:
    for key, letter in POLICY.letters.items():
        row = rows.get(key)
        if row is None or row.actual is None:
            continue
        on = row.actual.astimezone(LONDON).date()
        dcs = resolve(session, activity, "dcs", on=on)
        if dcs is None:
            report.dropped.append(f"{activity.id}:{key}:letter ({NO_DCS})")
            continue
        rendered, _ = render_letter(session, activity, rows, letter.template, dcs)
        cc = resolve_all(session, activity, letter.cc, on=on)
        not_before = outside_quiet_hours(row.actual)
        oracle_queue(
            session,
            activity,
            key,
            "letter",
            dcs,
            cc,
            rendered.subject,
            not_before,
            as_of,
            report,
            body=rendered.text,
        )


def oracle_reminders(session, activity, rows, as_of, report) -> None:
    current: set[str] = set()
    on = as_of.astimezone(LONDON).date()
    for row in rows.values():
        if row.status != MilestoneStatus.PLANNED or row.actual or not row.forecast:
            continue
        policy = POLICY.for_edition(edition_named(activity.edition))
        step = latest_due_step(policy.steps_for(row.key, row.owner), row.forecast, as_of, CALENDAR)
        if step is None:
            continue
        day = CALENDAR.add_working_days(row.forecast.astimezone(LONDON).date(), step.offset)
        la = session.get(LocalAuthority, activity.la_id).name
        for person in resolve_all(session, activity, step.to, on=on, milestone_owner=row.owner):
            current.add(idempotency_key(activity.id, row.key, step.stage, person.email))
            cc = resolve_all(session, activity, step.cc, on=on, milestone_owner=row.owner)
            subject = old_subject(row, step, person, la)
            moment = send_moment(day, policy, CALENDAR)
            oracle_queue(session, activity, row.key, step.stage, person, cc, subject, moment, as_of, report)
    stale = select(OutboxMessage).where(
        OutboxMessage.activity_id == activity.id,
        OutboxMessage.status == OutboxStatus.QUEUED,
        OutboxMessage.stage.not_in(NOT_REMINDERS),
    )
    for row in session.exec(stale).all():
        if row.idempotency_key not in current:
            row.status = OutboxStatus.CANCELLED
            report.cancelled.append(row.idempotency_key)
    session.flush()


def old_subject(row: Milestone, step, person, la: str) -> str:
    title = row.title
    if step.courtesy:
        return f"Optional: {title} before {emails.govuk_when(row.forecast)} – {la}"
    if step.stage == "due":
        return f"Due today: {title} – {la}"
    if step.offset < 0:
        return f"Reminder: {title} due {emails.govuk_when(row.forecast)} – {la}"
    if person.la_facing:
        return f"Overdue: {title} – {la}"
    return f"Overdue by {step.offset} working days: {title} – {la}"


def outside_quiet_hours(moment: datetime) -> datetime:
    return quiet_hours_rule(moment, POLICY, CALENDAR)


def snapshot(session) -> list[tuple]:
    rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.idempotency_key)).all()
    return [
        (
            r.idempotency_key,
            r.status,
            r.not_before,
            r.subject,
            r.recipient_name,
            r.recipient_role,
            r.recipient_la_facing,
            sorted(r.cc),
            r.body_text if r.stage == "letter" else "",
        )
        for r in rows
    ]


def as_sets(report: QueueReport) -> tuple[list, list, list]:
    return sorted(report.queued), sorted(report.dropped), sorted(report.cancelled)


@pytest.mark.parametrize("first", [date(2025, 1, 2), date(2025, 6, 2)], ids=["winter", "summer"])
def test_the_set_based_sweep_queues_what_the_per_activity_sweep_queued(store, tmp_path, first):
    with transaction(store) as session:
        import_contacts(session, CONTACTS, source="contacts.csv")
        import_staff(session, STAFF, source="staff.csv")
    registered = datetime.combine(first, time(6), tzinfo=LONDON)
    for kind, la, lead, ahead in ACTIVITIES:
        with transaction(store) as session:
            lifecycle.schedule(
                session,
                activity_type=kind,
                la_code=la,
                onsite=CALENDAR.add_working_days(first, ahead),
                lead=lead,
                actor="Bea Support",
                now=registered,
                calendar=CALENDAR,
            )
    transport = DirectoryTransport(tmp_path / "mail")
    compared = queued = 0
    today = first
    while today <= first + timedelta(days=31):
        morning = datetime.combine(today, time(7), tzinfo=LONDON)
        expected_report, expected_rows = oracle_pass(store, morning)
        got_report = as_sets(
            sweep_in_batches(store, as_of=morning, calendar=CALENDAR, policy=POLICY, batch=2)
        )
        with transaction(store) as session:
            got_rows = snapshot(session)
        assert got_report == expected_report, today
        assert got_rows == expected_rows, today
        compared, queued = compared + 1, queued + len(got_report[0])
        deliver_due(store, now=morning + timedelta(hours=1), transport=transport, policy=POLICY)
        with transaction(store) as session:
            due_today = session.exec(
                select(Milestone).where(Milestone.actual.is_(None), Milestone.target.is_not(None))
            ).all()
            due_today = [
                (m.activity_id, m.key, m.target)
                for m in due_today
                if m.target.astimezone(LONDON).date() == today and m.key not in SKIPPED
            ]
        for activity_id, key, target in due_today:
            with suppress(TrackingError), UnitOfWork(store, calendar=CALENDAR, policy=POLICY) as uow:
                lifecycle.record_actual(  # one the rules refuse (before its notification) is not made
                    uow, activity_id=activity_id, key=key, at=target, by="Ann Lead", note="", now=target
                )
        evening = datetime.combine(today, time(18), tzinfo=LONDON)
        expected_report, expected_rows = oracle_pass(store, evening)
        got = as_sets(sweep_in_batches(store, as_of=evening, calendar=CALENDAR, policy=POLICY, batch=2))
        with transaction(store) as session:
            assert snapshot(session) == expected_rows, (today, "evening")
        assert (got[0], got[2]) == (expected_report[0], expected_report[2]), (today, "evening")
        assert set(got[1]) <= set(expected_report[1]), (today, "evening")  # only the activities changed
        today = CALENDAR.next_working_day(today)
    assert compared >= 20 and queued >= 30  # the month did exercise the sweep


def oracle_pass(store, as_of: datetime) -> tuple[tuple, list]:
    """The oracle over the whole store, rolled back: its report and the rows after it."""
    oracle = Session(store, expire_on_commit=False)
    try:
        return as_sets(oracle_sweep(oracle, as_of)), snapshot(oracle)
    finally:
        oracle.rollback()
        oracle.close()
