"""Cancelling an activity: audited, queued mail stopped, one cancellation email to those already told
(never to an LA not yet notified), left out of compliance with its reason, and re-planned by the
programme. Dates worked out by hand from the timelines (`ilacs timeline ...`) and the reminder policy:
reminders leave at 08:00 on working days; mail recorded after 18:00 waits for the next working day."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import parseaddr

import pytest
from sqlmodel import select

from calendars import LONDON, england_calendar
from models.records import Activity, AuditEntry, OutboxMessage
from models.reminders import shipped_policy
from models.states import ActivityStatus, OutboxStatus
from services.mail.delivery import deliver_due
from services.mail.sweep import sweep
from services.reports.compliance import build_report
from services.store.database import transaction
from services.store.reference_data import import_contacts, import_staff
from services.tracking import cancellation, lifecycle
from services.tracking.lifecycle import TrackingError
from services.tracking.unit_of_work import UnitOfWork
from tests.helpers import day
from tests.integration.test_store_commands import run

pytestmark = pytest.mark.slow  # timelines walked through the outbox on SQLite and PostgreSQL

CALENDAR, POLICY = england_calendar(), shipped_policy()
DCS, LEAD, SUPPORT = "dcs@barking.example.org", "ann.lead@example.org", "support@example.org"
CONTACTS = f"""la_code,role,name,email,valid_from
E09000002,dcs,Dee Director,{DCS},2024-01-01
E09000002,link_person,Lin Link,link@barking.example.org,2024-01-01
"""
STAFF = f"""name,role,email,ofsted_region
Ann Lead,lead_inspector,{LEAD},London
Sam Senior,senior_hmi,shmi@example.org,London
Bea Support,business_support,{SUPPORT},London
"""
REASON = "the LA's SEND inspection overlaps"


class Recorder:
    """A transport that keeps what it is given."""

    def __init__(self) -> None:
        self.sent = []

    def send(self, message) -> None:
        self.sent.append(message)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def register(store, activity_type: str, onsite) -> int:
    with transaction(store) as session:
        import_contacts(session, CONTACTS, source="contacts.csv")
        import_staff(session, STAFF, source="staff.csv")
    with transaction(store) as session:
        return lifecycle.schedule(
            session,
            activity_type=activity_type,
            la_code="E09000002",
            onsite=onsite,
            lead="Ann Lead",
            actor="Bea Support",
            now=at("2025-01-02T06:00"),
            calendar=CALENDAR,
        ).id


def sweep_and_send(store, moment: datetime, transport: Recorder) -> None:
    with transaction(store) as session:
        sweep(session, as_of=moment, calendar=CALENDAR, policy=POLICY)
    deliver_due(store, now=moment, transport=transport, policy=POLICY)


def cancel(store, activity_id: int, moment: datetime) -> list[str]:
    with UnitOfWork(store, calendar=CALENDAR, policy=POLICY) as uow:
        return cancellation.cancel(uow, activity_id=activity_id, reason=REASON, by="Bea Support", now=moment)


def outbox(store) -> list[OutboxMessage]:
    with transaction(store) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_winter_cancelled_after_notification_tells_each_person_already_told_once(store):
    """Standard inspection on site Monday 13 January 2025 (GMT); notified Monday 6 January 09:30."""
    activity = register(store, "standard-inspection", day("Monday 2025-01-13"))
    transport = Recorder()
    with UnitOfWork(store, calendar=CALENDAR, policy=POLICY) as uow:
        lifecycle.record_actual(
            uow,
            activity_id=activity,
            key="notification",
            at=at("2025-01-06T09:30"),
            by="Ann",
            note="",
            now=at("2025-01-06T09:31"),
        )
    for moment in ("2025-01-06T10:00", "2025-01-07T08:00"):
        sweep_and_send(store, at(moment), transport)
    told = {parseaddr(m["To"])[1] for m in transport.sent}
    assert told == {DCS, LEAD, SUPPORT}
    with transaction(store) as session:  # Wednesday 8 January's reminders are queued, not yet sent
        sweep(session, as_of=at("2025-01-08T07:00"), calendar=CALENDAR, policy=POLICY)
    waiting = {m.idempotency_key for m in outbox(store) if m.status == OutboxStatus.QUEUED}
    assert waiting  # management information is due on Wednesday 8 January

    stopped = cancel(store, activity, at("2025-01-08T07:30"))  # Wednesday, before 08:00 GMT

    assert set(stopped) == waiting
    notices = [m for m in outbox(store) if m.stage == "cancellation"]
    assert {m.recipient_email for m in notices} == told and len(notices) == 3
    # before the working day's 08:00 send time: it waits for 08:00 GMT, which is 08:00 UTC
    assert {m.not_before for m in notices} == {datetime(2025, 1, 8, 8, 0, tzinfo=UTC)}
    by_email = {m.recipient_email: m for m in notices}
    assert REASON not in by_email[DCS].body_text and "Ann Lead, will contact you" in by_email[DCS].body_text
    assert f"Reason: {REASON}." in by_email[LEAD].body_text
    assert "Monday 13 January 2025 to Friday 24 January 2025, has been cancelled" in by_email[DCS].body_text

    transport.sent.clear()
    sweep_and_send(store, at("2025-01-08T08:00"), transport)  # the backstop sweep queues nothing for it
    assert (
        sorted(str(m["Subject"]) for m in transport.sent)
        == ["Cancelled: standard inspection of Barking and Dagenham"] * 3
    )
    with transaction(store) as session:
        found = session.get(Activity, activity)
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "cancel")).one()
    assert (found.status, found.cancelled_reason, found.cancelled_by) == (
        ActivityStatus.CANCELLED,
        REASON,
        "Bea Support",
    )
    assert found.cancelled_at == datetime(2025, 1, 8, 7, 30, tzinfo=UTC)
    assert (entry.actor, entry.reason, entry.activity_id) == ("Bea Support", REASON, activity)


def test_summer_cancelled_before_notification_tells_the_la_nothing(store):
    """Focused visit on site Tuesday 10 June 2025 (BST): the notification (Tuesday 3 June 09:30) is not
    recorded when it is cancelled at 12:15 that day, so only the lead inspector, already reminded,
    is told, at once (12:15 BST is 11:15 UTC, inside working hours)."""
    activity = register(store, "focused-visit", day("Tuesday 2025-06-10"))
    transport = Recorder()
    sweep_and_send(store, at("2025-06-02T08:00"), transport)  # Monday: reminders two working days ahead
    with transaction(store) as session:
        sweep(session, as_of=at("2025-06-03T07:00"), calendar=CALENDAR, policy=POLICY)
    assert {parseaddr(m["To"])[1] for m in transport.sent} == {LEAD}

    stopped = cancel(store, activity, at("2025-06-03T12:15"))

    assert stopped and all(
        m.status != OutboxStatus.QUEUED for m in outbox(store) if m.stage != "cancellation"
    )
    notices = [m for m in outbox(store) if m.stage == "cancellation"]
    assert [(m.recipient_email, m.not_before) for m in notices] == [
        (LEAD, datetime(2025, 6, 3, 11, 15, tzinfo=UTC))
    ]
    assert DCS not in {m.recipient_email for m in outbox(store)}


def test_a_cancelled_activity_cannot_change_and_is_not_cancelled_twice(store):
    activity = register(store, "standard-inspection", day("Monday 2025-06-09"))
    cancel(store, activity, at("2025-05-30T10:00"))
    before = len(outbox(store))
    with pytest.raises(TrackingError, match="is cancelled, so it cannot be cancelled"):
        cancel(store, activity, at("2025-05-30T10:05"))
    with pytest.raises(TrackingError, match="was cancelled"), UnitOfWork(store) as uow:
        lifecycle.defer(
            uow,
            activity_id=activity,
            to=day("Monday 2025-06-16"),
            reason="weather",
            by="Bea",
            now=at("2025-05-30T10:06"),
        )
    with pytest.raises(TrackingError, match="was cancelled"), UnitOfWork(store) as uow:
        lifecycle.record_actual(
            uow,
            activity_id=activity,
            key="notification",
            at=at("2025-05-30T10:00"),
            by="Bea",
            note="",
            now=at("2025-05-30T10:06"),
        )
    with transaction(store) as session:
        assert session.get(Activity, activity).status == ActivityStatus.CANCELLED
        assert len(session.exec(select(AuditEntry).where(AuditEntry.action == "cancel")).all()) == 1
    assert len(outbox(store)) == before


def test_compliance_leaves_it_out_and_says_why(store):
    """Its milestones fall in June 2025 (BST) but are not judged: the report names it with its reason."""
    activity = register(store, "standard-inspection", day("Monday 2025-06-09"))
    cancel(store, activity, at("2025-05-30T10:00"))
    with transaction(store) as session:
        report = build_report(
            session,
            start=day("Sunday 2025-06-01"),
            end=day("Monday 2025-06-30"),
            as_of=at("2025-07-01T09:00"),
            calendar=CALENDAR,
        )
    assert report.by_owner() == []  # nothing judged
    what = f"#{activity} standard-inspection at Barking and Dagenham: cancelled by Bea Support"
    assert report.rules() == {what: f"left out of this report: {REASON}"}


def test_the_command_cancels_refuses_bad_input_and_the_programme_plans_the_la_again(store, capsys):
    """Barking and Dagenham's next standard inspection, planned around Tuesday 21 July 2026 (three years
    after its last ended), is registered for Monday 20 July 2026 and so not planned again; once it is
    cancelled the programme plans it again."""
    plan = "programme plan --from 2026-01-05 --years 2 --region London --json"
    status, _, _ = run(
        capsys,
        "schedule standard-inspection --la E09000002 --onsite 2026-07-20 --lead Ann --as-of 2026-01-05",
    )
    assert status == 0

    def barking() -> list[tuple[str, str]]:
        _, out, _ = run(capsys, plan)
        return [
            (p["activity_type"], p["onsite"]) for p in json.loads(out)["planned"] if p["la"] == "E09000002"
        ]

    assert barking() == []
    for bad, message in (
        ("cancel 1 --reason ' ' --by Bea", "blank"),
        ("cancel 1 --by Bea", "--reason"),
        ("cancel 2 --reason why --by Bea", "no activity 2"),
    ):
        status, out, err = run(capsys, bad)
        assert (status, out) == (2, "") and message in err and len(err.splitlines()) == 1
    status, out, _ = run(capsys, f'cancel 1 --reason "{REASON}" --by Bea --as-of 2026-01-06T10:00')
    assert (status, out) == (0, "activity 1 cancelled; 0 queued emails cancelled\n")
    status, _, err = run(capsys, "cancel 1 --reason again --by Bea")
    assert status == 2 and "activity 1 is cancelled" in err
    assert barking() == [("standard-inspection", "2026-07-20")]
