"""The sweep and the sender in batches: a sweep killed between batches keeps what it committed and,
run again, queues only the rest; a sender killed in the middle of a batch, on one held SMTP
connection, re-sends at most the one message SMTP had accepted. Winter and summer mornings, SQLite
and PostgreSQL, a real SMTP server (STARTTLS and login)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import event
from sqlmodel import select

from calendars import LONDON, england_calendar
from models.records import OutboxMessage
from models.reminders import shipped_policy
from models.states import OutboxStatus
from services.mail.delivery import deliver_due
from services.mail.sweep import sweep_in_batches
from services.store.database import transaction
from services.store.reference_data import import_staff
from services.tracking import lifecycle
from tests.helpers import sweep_dies_on_the_second_batch

pytestmark = pytest.mark.slow  # a real SMTP server

CALENDAR = england_calendar()
POLICY = shipped_policy()
STAFF = """name,role,email,ofsted_region
Ann Lead,lead_inspector,ann.lead@example.org,London
Ben Lead,lead_inspector,ben.lead@example.org,London
Cal Lead,lead_inspector,cal.lead@example.org,London
"""
# Each activity registered on a Thursday and on site 7 working days later: on that Thursday its
# notification, confirmation email and set-up call are each 2 working days away, so the lead
# inspector gets 3 reminders (spec section 6: the Ofsted ladder's step 2 working days before).
MORNINGS = {"winter": date(2025, 1, 2), "summer": date(2025, 6, 5)}


@pytest.fixture(params=sorted(MORNINGS))
def three_inspections(request, store):
    """Three standard inspections at three LAs, each with its own lead inspector; the Thursday."""
    registered = MORNINGS[request.param]
    with transaction(store) as session:
        import_staff(session, STAFF, source="staff.csv")
    for la, lead in (("E09000002", "Ann Lead"), ("E09000003", "Ben Lead"), ("E09000004", "Cal Lead")):
        with transaction(store) as session:
            lifecycle.schedule(
                session,
                activity_type="standard-inspection",
                la_code=la,
                onsite=CALENDAR.add_working_days(registered, 7),
                lead=lead,
                actor="Bea Support",
                now=datetime.combine(registered, time(6), tzinfo=LONDON),
                calendar=CALENDAR,
            )
    return datetime.combine(registered, time(7), tzinfo=LONDON)


def queued_keys(store) -> set[str]:
    with transaction(store) as session:
        return set(session.exec(select(OutboxMessage.idempotency_key)))


def test_a_sweep_killed_between_batches_keeps_what_it_committed_and_resumes(
    store, three_inspections, monkeypatch
):
    morning = three_inspections
    batches, revive = sweep_dies_on_the_second_batch(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        sweep_in_batches(store, as_of=morning, calendar=CALENDAR, policy=POLICY, batch=1)
    kept = queued_keys(store)
    assert {k.split(":")[0] for k in kept} == {"1"} and len(kept) == 3  # the first batch, committed

    revive()
    resumed = sweep_in_batches(store, as_of=morning, calendar=CALENDAR, policy=POLICY, batch=1)
    assert sorted({k.split(":")[0] for k in resumed.queued}) == ["2", "3"] and len(resumed.queued) == 6
    assert len(queued_keys(store)) == 9
    again = sweep_in_batches(store, as_of=morning + timedelta(minutes=5), calendar=CALENDAR, policy=POLICY)
    assert again.queued == [] and again.cancelled == []


def test_a_sender_killed_mid_batch_on_one_connection_resends_at_most_one(
    store, three_inspections, smtp_server, smtp_transport
):
    morning = three_inspections
    sweep_in_batches(store, as_of=morning, calendar=CALENDAR, policy=POLICY)

    class DiesAfterFourthAcceptance:
        """The SMTP transport, holding its connection, killed just after SMTP accepts a fourth message."""

        accepted = 0

        def __enter__(self):
            smtp_transport.__enter__()
            return self

        def __exit__(self, *exc_info):
            smtp_transport.__exit__(*exc_info)

        def send(self, message):
            smtp_transport.send(message)
            self.accepted += 1
            if self.accepted == 4:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        deliver_due(
            store, now=morning + timedelta(hours=1), transport=DiesAfterFourthAcceptance(), policy=POLICY
        )
    before_kill = smtp_server.mailbox.take()
    report = deliver_due(
        store, now=morning + timedelta(hours=1, minutes=5), transport=smtp_transport, policy=POLICY
    )
    after_restart = smtp_server.mailbox.take()

    assert len(before_kill) == 4 and len(after_restart) == 6 and len(report.sent) == 6
    ids = [r.message["Message-ID"] for r in before_kill + after_restart]
    assert len(set(ids)) == 9  # nine emails, one of them twice (the fourth), with the same Message-ID
    assert ids[3] == ids[4]
    with transaction(store) as session:
        statuses = set(session.exec(select(OutboxMessage.status)))
    assert statuses == {OutboxStatus.SENT}
    assert (
        deliver_due(store, now=morning + timedelta(hours=2), transport=smtp_transport, policy=POLICY).sent
        == []
    )


def test_each_reminder_is_rendered_once_when_sent_and_kept_in_its_row(
    store, three_inspections, smtp_server, smtp_transport
):
    morning = three_inspections
    sweep_in_batches(store, as_of=morning, calendar=CALENDAR, policy=POLICY)
    with transaction(store) as session:
        assert {(r.body_text, r.ics) for r in session.exec(select(OutboxMessage))} == {("", None)}
    with smtp_transport:
        deliver_due(store, now=morning + timedelta(hours=1), transport=smtp_transport, policy=POLICY)
    received = {r.message["Message-ID"]: r.message for r in smtp_server.mailbox.take()}
    with transaction(store) as session:
        rows = session.exec(select(OutboxMessage)).all()
    assert len(rows) == len(received) == 9
    for row in rows:
        assert "working days" in row.body_text and "BEGIN:VCALENDAR" in row.ics
    message = next(iter(received.values()))
    text = message.get_body(("plain",)).get_content()
    assert "is due in 2 working days" in text and str(message["Subject"]).startswith("Reminder: ")
    ics = next(p for p in message.iter_attachments() if p.get_content_type() == "text/calendar")
    assert "TZID=Europe/London" in ics.get_content()


def test_a_batch_is_rendered_from_a_few_queries_not_a_query_per_message(
    store, three_inspections, smtp_server, smtp_transport
):
    """Nine reminders about three activities: the audit log (each attachment's SEQUENCE), the
    milestones, the activities and their LAs are each read once for the batch, not once a message."""
    morning = three_inspections
    sweep_in_batches(store, as_of=morning, calendar=CALENDAR, policy=POLICY)
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(store, "before_cursor_execute", seen)
    try:
        with smtp_transport:
            report = deliver_due(
                store, now=morning + timedelta(hours=1), transport=smtp_transport, policy=POLICY
            )
    finally:
        event.remove(store, "before_cursor_execute", seen)
    assert len(report.sent) == len(smtp_server.mailbox.take()) == 9

    def reads(table: str) -> int:
        return sum(1 for s in statements if s.startswith("SELECT") and f"FROM {table} " in f"{s} ")

    assert reads("audit_entry") == 1
    assert reads("activity") == 1
    assert reads("local_authority") <= 2  # the templates' LAs and the recipients' directory
    assert reads("milestone") <= 2  # the reminders' milestones and the gate's notifications
    assert sum(1 for s in statements if s.startswith("UPDATE outbox_message")) == 9 + 9  # sending, sent
