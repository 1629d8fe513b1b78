"""Reminders, letters and the outbox against a real SMTP server (STARTTLS and login) on loopback,
and the store on SQLite and PostgreSQL.

The expected emails below are worked out by hand from spec section 6 and the policy file: the
Ofsted ladder sends a reminder 2 working days before and one at 08:00 on the day, to the owner;
the LA's returns get a reminder at 08:00 on the day, to the DCS with the link person copied;
recording a notification, a draft, a final report or publication sends the DCS a letter.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlmodel import select

import models.templates
import models.timeline
from calendars import LONDON, england_calendar
from models.records import Activity, Contact, OutboxMessage
from models.reminders import shipped_policy
from models.templates import EDITIONS_DIR, load_editions
from services.mail.delivery import ESCALATE_AFTER, deliver_due
from services.mail.outbox import Known, QueueReport
from services.mail.recipients import resolve
from services.mail.reminders import queue_reminders, render_queued
from services.mail.sweep import sweep as sweep_the_store
from services.mail.transports import SmtpTransport
from services.store.database import transaction
from services.store.reference_data import import_contacts, import_national_contacts, import_staff
from services.tracking import lifecycle
from services.tracking.unit_of_work import UnitOfWork
from tests.helpers import day

pytestmark = pytest.mark.slow  # timelines walked day by day against a real SMTP server

BARKING = "E09000002"
DCS = "dcs@barking.example.org"
LINK = "link@barking.example.org"
LEAD = "ann.lead@example.org"
CONTACTS = f"""la_code,role,name,email,valid_from
{BARKING},dcs,Dee Director,{DCS},2024-01-01
{BARKING},link_person,Lin Link,{LINK},2024-01-01
E09000003,dcs,Other Director,dcs@barnet.example.org,2024-01-01
"""
STAFF = f"""name,role,email,ofsted_region
Ann Lead,lead_inspector,{LEAD},London
Sam Senior,senior_hmi,shmi@example.org,London
Rita Regional,regional_director,rd@example.org,London
Bea Support,business_support,support@example.org,London
Quinn Quality,qa_manager,qa@example.org,
"""
CALENDAR = england_calendar()
POLICY = shipped_policy()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


@pytest.fixture
def inspection(store):
    """A standard inspection at Barking and Dagenham, on site Monday 13 January 2025, registered on
    Thursday 2 January; its people on record."""
    with transaction(store) as session:
        import_contacts(session, CONTACTS, source="contacts.csv")
        import_staff(session, STAFF, source="staff.csv")
    with transaction(store) as session:
        return lifecycle.schedule(
            session,
            activity_type="standard-inspection",
            la_code=BARKING,
            onsite=day("Monday 2025-01-13"),
            lead="Ann Lead",
            actor="Bea Support",
            now=at("2025-01-02T06:00"),
            calendar=CALENDAR,
        ).id


def sweep(store, moment: datetime) -> QueueReport:
    with transaction(store) as session:
        return sweep_the_store(session, as_of=moment, calendar=CALENDAR, policy=POLICY)


def send(store, transport, moment: datetime):
    return deliver_due(store, now=moment, transport=transport, policy=POLICY)


def record(store, activity_id: int, key: str, moment: datetime) -> None:
    with UnitOfWork(store, calendar=CALENDAR, policy=POLICY) as uow:
        lifecycle.record_actual(
            uow, activity_id=activity_id, key=key, at=moment, by="Ann Lead", note="", now=moment
        )


def summary(received) -> list[tuple[str, str]]:
    """(recipient, subject up to the colon) for each email, sorted."""
    return sorted(
        (r.message["To"].addresses[0].addr_spec, str(r.message["Subject"]).strip().split(":")[0])
        for r in received
    )


EXPECTED_BY_DAY = {
    "Thursday 2025-01-02": [(LEAD, "Reminder")] * 3,  # notification, confirmation email, set-up call
    "Monday 2025-01-06": [(DCS, "Confirmation")] + [(LEAD, "Due today")] * 3,
    "Tuesday 2025-01-07": [(DCS, "Due today")] * 2,  # child-level data, audits
    "Wednesday 2025-01-08": [(DCS, "Due today"), (LEAD, "Reminder")],  # management information; analyst call
    "Thursday 2025-01-09": [(DCS, "Due today")],  # case information
    "Friday 2025-01-10": [(LEAD, "Due today")],  # analyst call
    "Wednesday 2025-02-05": [(LEAD, "Reminder")],  # draft report
    "Friday 2025-02-07": [(DCS, "Draft for factual accuracy"), (LEAD, "Due today")],
    "Wednesday 2025-02-12": [(DCS, "Due today")],  # factual accuracy comments
    "Monday 2025-02-17": [(LEAD, "Reminder")] * 2,  # final report, children's summary
    "Wednesday 2025-02-19": [(DCS, "EMBARGOED"), (LEAD, "Due today"), (LEAD, "Due today")],
    "Thursday 2025-02-20": [(LEAD, "Reminder")],  # publication
    "Monday 2025-02-24": [(DCS, "Published"), (LEAD, "Due today")],
}


def test_a_standard_inspection_walked_day_by_day_sends_exactly_the_expected_emails(
    store, inspection, smtp_server, smtp_transport
):
    with transaction(store) as session:
        planned = sorted(
            (m.target, m.key, m.owner) for m in lifecycle.milestones(session, inspection) if m.target
        )
    got: dict[str, list] = {}
    today = day("Thursday 2025-01-02")
    while today <= day("Tuesday 2025-02-25"):
        morning = datetime.combine(today, time(7, 0), tzinfo=LONDON)
        sweep(store, morning)
        sweep(store, morning + timedelta(minutes=5))  # run twice: nothing new
        send(store, smtp_transport, morning + timedelta(hours=1))
        for target, key, owner in planned:
            local = target.astimezone(LONDON)
            if local.date() == today and key != "action_plan_due":
                record(store, inspection, key, local - timedelta(hours=1) if owner == "LA" else local)
        send(store, smtp_transport, datetime.combine(today, time(18, 30), tzinfo=LONDON))
        received = smtp_server.mailbox.take()
        if received:
            got[f"{today:%A} {today.isoformat()}"] = summary(received)
            assert all(r.message["To"].addresses[0].addr_spec != DCS for r in received) or today >= day(
                "Monday 2025-01-06"
            ), "nothing reaches the LA before the notification call is recorded"
        today = CALENDAR.next_working_day(today)
    assert got == {d: sorted(v) for d, v in EXPECTED_BY_DAY.items()}


def test_letters_to_the_dcs_copy_the_link_person_and_carry_the_dates(
    store, inspection, smtp_server, smtp_transport
):
    record(store, inspection, "notification", at("2025-01-06T09:30"))
    send(store, smtp_transport, at("2025-01-06T09:35"))
    (confirmation,) = [r for r in smtp_server.mailbox.take() if DCS in r.envelope_to]
    assert sorted(confirmation.envelope_to) == [DCS, LINK]
    text = confirmation.message.get_body(("plain",)).get_content()
    assert "Child-level data lists 1-11 (Excel): Tuesday 7 January 2025 at 5pm" in text
    assert "Information about the audited cases named: Thursday 9 January 2025 at 5pm" in text
    html = confirmation.message.get_body(("html",)).get_content()
    assert "<table" in html and "Tuesday 7 January 2025 at 5pm" in html
    ics = next(p for p in confirmation.message.iter_attachments() if p.get_content_type() == "text/calendar")
    assert "DTSTART;TZID=Europe/London:20250107T170000" in ics.get_content()


def test_nothing_reaches_the_la_before_the_notification_is_recorded(
    store, inspection, smtp_server, smtp_transport
):
    sweep(store, at("2025-01-07T07:00"))  # the data returns are due, but nobody has told the LA
    send(store, smtp_transport, at("2025-01-07T08:00"))
    assert [r for r in smtp_server.mailbox.take() if DCS in r.envelope_to or LINK in r.envelope_to] == []
    with transaction(store) as session:
        queued_for_la = session.exec(select(OutboxMessage).where(OutboxMessage.recipient_email == DCS)).all()
    assert queued_for_la == []


def test_a_sender_killed_after_smtp_accepts_a_message_resends_only_that_one(
    store, inspection, smtp_server, smtp_transport
):
    sweep(store, at("2025-01-02T07:00"))  # three reminders for the lead inspector

    class DiesAfterFirstAcceptance:
        def send(self, message):
            smtp_transport.send(message)
            raise KeyboardInterrupt  # the process is killed before it can mark the message sent

    with pytest.raises(KeyboardInterrupt):
        send(store, DiesAfterFirstAcceptance(), at("2025-01-02T08:00"))
    first = smtp_server.mailbox.take()
    report = send(store, smtp_transport, at("2025-01-02T08:05"))
    after_restart = smtp_server.mailbox.take()
    assert len(first) == 1 and len(after_restart) == 3 and len(report.sent) == 3
    message_ids = [r.message["Message-ID"] for r in first + after_restart]
    assert len(set(message_ids)) == 3  # the one message sent twice carries the same Message-ID
    assert send(store, smtp_transport, at("2025-01-02T09:00")).sent == []


def test_smtp_down_for_a_day_queues_retries_escalates_then_delivers(
    store, inspection, smtp_server, smtp_transport
):
    sweep(store, at("2025-01-02T07:00"))
    down = SmtpTransport(
        host="127.0.0.1", port=smtp_server.port + 1, starttls=False, timeout=2
    )  # nobody there
    moment = at("2025-01-02T08:00")
    for _ in range(ESCALATE_AFTER + 2):  # the sender tries each time a message's backoff has passed
        send(store, down, moment)
        moment += timedelta(hours=5)
    with transaction(store) as session:
        rows = session.exec(select(OutboxMessage)).all()
    reminders = [r for r in rows if r.stage != "delivery_failing"]
    assert {r.status for r in reminders} == {"queued"} and min(
        r.attempts for r in reminders
    ) >= ESCALATE_AFTER
    assert {r.recipient_email for r in rows if r.stage == "delivery_failing"} == {"support@example.org"}
    report = send(store, smtp_transport, at("2025-01-03T09:00"))  # the server is back the next day
    delivered = summary(smtp_server.mailbox.take())
    assert len(report.sent) == 6 and delivered.count((LEAD, "Reminder")) == 3
    assert delivered.count(("support@example.org", "Email not delivered after 3 attempts")) == 3


def test_a_contact_name_with_cr_lf_cannot_inject_headers(store, inspection, smtp_server, smtp_transport):
    with transaction(store) as session:
        evil = (
            "la_code,role,name,email,valid_from\n"
            + f'{BARKING},dcs,"Eve\r\nBcc: spy@evil.example",{DCS},2024-06-01\n'
        )
        import_contacts(session, evil, source="evil.csv")
    record(store, inspection, "notification", at("2025-01-06T09:30"))
    send(store, smtp_transport, at("2025-01-06T09:35"))
    (letter,) = [r for r in smtp_server.mailbox.take() if DCS in r.envelope_to]
    assert sorted(letter.envelope_to) == [DCS, LINK]
    assert letter.message["Bcc"] is None
    assert "\n" not in str(letter.message["To"]) and "Eve Bcc: spy@evil.example" in str(letter.message["To"])


def test_a_deferral_mid_timeline_sends_one_dates_changed_email_and_no_stale_reminders(
    store, inspection, smtp_server, smtp_transport
):
    record(store, inspection, "notification", at("2025-01-06T09:30"))
    sweep(store, at("2025-01-07T07:00"))  # child-level data and audits due today: queued for 08:00
    with UnitOfWork(store, calendar=CALENDAR, policy=POLICY) as uow:
        lifecycle.defer(
            uow,
            activity_id=inspection,
            to=day("Monday 2025-01-20"),
            reason="weather",
            by="Bea Support",
            now=at("2025-01-07T07:30"),
        )
    send(store, smtp_transport, at("2025-01-07T08:00"))
    received = smtp_server.mailbox.take()
    subjects = summary(received)
    assert subjects.count((DCS, "Dates changed")) == 1 and subjects.count((LEAD, "Dates changed")) == 1
    assert (DCS, "Due today") not in subjects  # the reminders for the old dates were cancelled
    text = next(r for r in received if "Dates changed" in r.message["Subject"] and DCS in r.envelope_to)
    body = text.message.get_body(("plain",)).get_content()
    assert (
        "Child-level data lists 1-11 (Excel): was Tuesday 7 January 2025 at 5pm, now Tuesday 14 January 2025"
        in body
    )
    sweep(store, at("2025-01-14T07:00"))
    send(store, smtp_transport, at("2025-01-14T08:00"))
    assert summary(smtp_server.mailbox.take()).count((DCS, "Due today")) == 2  # on the new day, once


def test_a_reminder_step_once_sent_is_never_sent_again(store, inspection, smtp_server, smtp_transport):
    sweep(store, at("2025-01-02T07:00"))
    send(store, smtp_transport, at("2025-01-02T08:00"))
    assert len(smtp_server.mailbox.take()) == 3
    with transaction(store) as session:  # even if something asks for the same step again
        report = QueueReport()
        activity = session.get(Activity, inspection)
        queue_reminders(
            session, activity, as_of=at("2025-01-02T12:00"), calendar=CALENDAR, policy=POLICY, report=report
        )
    assert report.queued == []
    assert send(store, smtp_transport, at("2025-01-02T13:00")).sent == []


def test_the_sweep_does_nothing_on_a_bank_holiday(store, inspection):
    assert sweep(store, at("2025-04-21T07:00")).queued == []  # Easter Monday
    assert sweep(store, at("2025-01-04T07:00")).queued == []  # a Saturday


def test_email_preview_shows_a_stage_without_queueing(store, inspection, capsys):
    from interfaces.cli import main

    assert (
        main(["email", "preview", str(inspection), "final_report_sent", "letter", "--as-of", "2025-02-19"])
        == 0
    )
    out = capsys.readouterr().out
    assert (
        "Subject: EMBARGOED: Final report" in out
        and "UNDER EMBARGO UNTIL MONDAY 24 FEBRUARY 2025 AT 9:30AM" in out
    )
    with transaction(store) as session:
        assert session.exec(select(OutboxMessage)).all() == []


def test_business_support_gets_a_digest_of_today_the_next_five_days_and_what_is_overdue(
    store, inspection, smtp_server, smtp_transport
):
    from services.mail.digest import queue_digests

    with transaction(store) as session:
        queue_digests(session, as_of=at("2025-01-08T07:30"), calendar=CALENDAR, policy=POLICY)
    send(store, smtp_transport, at("2025-01-08T07:31"))
    (digest,) = smtp_server.mailbox.take()
    assert digest.envelope_to == ["support@example.org"]
    text = digest.message.get_body(("plain",)).get_content()
    assert "Due today: 1" in text  # management information, 5pm
    # case information and the off-site evaluation (Thursday), the analyst call and the team call (Friday),
    # fieldwork (Monday 13) and the schools HMI (Tuesday 14): up to the end of Wednesday 15 January
    assert "Due in the next 5 working days: 6" in text
    # nothing recorded: the notification, confirmation email, set-up call (Monday) and Tuesday's returns
    assert "Overdue: 5" in text
    assert (
        "Wednesday 8 January 2025 at 5pm: Barking and Dagenham, Information used to manage services" in text
    )
    assert "Audit log: audit chain verifies over 1 entry; it holds the checkpoint of " in text
    with transaction(store) as session:  # once a day, whatever runs it again
        assert (
            queue_digests(session, as_of=at("2025-01-08T09:00"), calendar=CALENDAR, policy=POLICY).queued
            == []
        )


def test_without_a_dcs_on_record_the_most_senior_manager_then_the_chief_executive_is_written_to(
    store, inspection, smtp_server, smtp_transport
):
    from services.mail.recipients import resolve

    with transaction(store) as session:
        import_contacts(
            session,
            "la_code,role,name,email,valid_from,valid_to\n"
            f"{BARKING},chief_executive,Cee Chief,ceo@barking.example.org,2024-01-01,\n"
            f"{BARKING},most_senior_manager,Mo Senior,msm@barking.example.org,2024-01-01,\n",
            source="more.csv",
        )
    with transaction(store) as session:
        activity = session.get(Activity, inspection)
        assert resolve(session, activity, "dcs", on=day("Monday 2025-01-06")).email == DCS
    with transaction(store) as session:  # the DCS's record ends before the notification
        for contact in session.exec(select(Contact).where(Contact.email == DCS)):
            contact.valid_to = day("Friday 2025-01-03")
            session.add(contact)
    record(store, inspection, "notification", at("2025-01-06T09:30"))
    send(store, smtp_transport, at("2025-01-06T09:35"))
    letters = [r for r in smtp_server.mailbox.take() if "Confirmation" in str(r.message["Subject"])]
    assert [r.message["To"].addresses[0].addr_spec for r in letters] == ["msm@barking.example.org"]


def test_each_officer_gets_their_own_assigned_items_in_their_digest(
    store, inspection, smtp_server, smtp_transport
):
    """Ann Lead has the notification call (Monday 6 January, 9:30am, not recorded: overdue); Bea Support
    has the whole inspection. On Wednesday 8 January Bea's digest counts the inspection's 5 overdue, 1 due
    today and 6 due in the next 5 working days as hers; Ann gets a digest of her one item; nobody else
    has anything assigned, so nobody else is written to."""
    from services.access import accounts
    from services.mail.digest import queue_digests
    from services.tracking import assignments

    with transaction(store) as session:
        for username, name, role in (
            ("ann", "Ann Lead", "inspector"),
            ("bea", "Bea Support", "business_support"),
        ):
            accounts.add_user(
                session,
                username=username,
                name=name,
                role=role,
                password="x" * 12,
                now=at("2025-01-02T06:00"),
            )
    for username, key in (("ann", "notification"), ("bea", "")):
        with UnitOfWork(store, calendar=CALENDAR, policy=POLICY) as uow:
            assignments.assign(
                uow,
                activity_id=inspection,
                milestone_key=key,
                username=username,
                by="Bea",
                now=at("2025-01-02T06:00"),
            )
    with transaction(store) as session:
        queue_digests(session, as_of=at("2025-01-08T07:30"), calendar=CALENDAR, policy=POLICY)
    send(store, smtp_transport, at("2025-01-08T07:31"))
    received = {r.envelope_to[0]: r.message for r in smtp_server.mailbox.take()}
    assert sorted(received) == [LEAD, "support@example.org"]
    ann = received[LEAD].get_body(("plain",)).get_content()
    assert str(received[LEAD]["Subject"]) == "Your work, Wednesday 8 January 2025"
    assert "Assigned to you, overdue or due in the next 5 working days: 1" in ann
    assert "Monday 6 January 2025 at 9:30am: Barking and Dagenham, Notification call to the DCS" in ann
    assert "Due today:" not in ann  # the regional summary is business support's
    bea = received["support@example.org"].get_body(("plain",)).get_content()
    assert "Assigned to you, overdue or due in the next 5 working days: 12" in bea and "Overdue: 5" in bea


@pytest.mark.parametrize(
    ("meeting", "courtesy_day"),
    [
        # Winter: meeting Tuesday 28 January 2025; self-evaluation D - 10 Tuesday 14 January; the
        # courtesy reminder 5 working days before it, Tuesday 7 January, 08:00 GMT.
        ("Tuesday 2025-01-28", "2025-01-07T08:00:00+00:00"),
        # Summer: meeting Tuesday 17 June 2025; self-evaluation Tuesday 3 June; 5 working days before
        # (26 May is a bank holiday, not reached): Tuesday 27 May, 08:00 BST.
        ("Tuesday 2025-06-17", "2025-05-27T08:00:00+01:00"),
    ],
)
def test_the_voluntary_self_evaluation_gets_one_courtesy_reminder_and_no_chaser(store, meeting, courtesy_day):
    """003 ¶27: "This part of the framework is voluntary"; ¶34: "no set time". Swept every morning for
    a month, the self-evaluation never shared: one reminder, before the day, worded as optional."""
    with transaction(store) as session:
        import_contacts(session, CONTACTS, source="contacts.csv")
        import_staff(session, STAFF, source="staff.csv")
        activity_id = lifecycle.schedule(
            session,
            activity_type="annual-engagement",
            la_code=BARKING,
            onsite=day(meeting),
            lead="Ann Lead",
            actor="Bea Support",
            now=datetime.fromisoformat(courtesy_day) - timedelta(days=7),
            calendar=CALENDAR,
        ).id
    today = datetime.fromisoformat(courtesy_day).date() - timedelta(days=3)
    for _ in range(35):
        sweep(store, datetime.combine(today, time(7, 0), tzinfo=LONDON))
        today += timedelta(days=1)
    with transaction(store) as session:
        sent = session.exec(
            select(OutboxMessage).where(
                OutboxMessage.activity_id == activity_id,
                OutboxMessage.milestone_key == "self_evaluation_shared",
            )
        ).all()
        assert [(m.stage, m.recipient_email, m.cc, m.not_before.isoformat()) for m in sent] == [
            ("before-5", DCS, [LINK], datetime.fromisoformat(courtesy_day).astimezone(UTC).isoformat())
        ]
        assert sent[0].subject.startswith("Optional: Self-evaluation shared")
        body = render_queued(session, sent[0], POLICY).text  # reminders are rendered when sent
        assert "voluntary" in body and "due" not in body.split("\n")[0]


LATER_ACTION_PLAN = """
edition = "2020-04"
effective_from = 2020-04-01
extends = "2018-12"

[templates.standard-inspection.milestones.action_plan_due]
offset = 60
"""


def test_the_final_report_letter_states_the_action_plan_period_of_its_edition(store, tmp_path, monkeypatch):
    """An edition with 60 working days for the action plan: the letter says 60, not the 70 of 003 ¶227.
    Final report Wednesday 19 February 2025; 60 working days is 12 weeks (Wednesday 14 May) plus Good
    Friday, Easter Monday and 5 May: Monday 19 May 2025."""
    shutil.copy(EDITIONS_DIR / "2018-12.toml", tmp_path)
    (tmp_path / "2020-04.toml").write_text(LATER_ACTION_PLAN)
    editions = load_editions(tmp_path)
    monkeypatch.setattr(models.templates, "shipped_editions", lambda: editions)
    monkeypatch.setattr(models.timeline, "shipped_editions", lambda: editions)
    with transaction(store) as session:
        import_contacts(session, CONTACTS, source="contacts.csv")
        activity_id = lifecycle.schedule(
            session,
            activity_type="standard-inspection",
            la_code=BARKING,
            onsite=day("Monday 2025-01-13"),
            lead="Ann Lead",
            actor="Bea Support",
            now=at("2025-01-02T06:00"),
            calendar=CALENDAR,
        ).id
    record(store, activity_id, "notification", at("2025-01-06T09:30"))
    record(store, activity_id, "final_report_sent", at("2025-02-19T15:00"))
    with transaction(store) as session:
        (letter,) = session.exec(
            select(OutboxMessage).where(
                OutboxMessage.milestone_key == "final_report_sent", OutboxMessage.recipient_email == DCS
            )
        ).all()
    assert "by Monday 19 May 2025 at 5pm: 60 working days after you received this report" in letter.body_text


NATIONAL = """role,organisation,name,email,valid_from,valid_to
dfe_inspections_team,Department for Education,Inspections and interventions,dfe.team@example.org,2024-01-01,
partner_inspectorate,Care Quality Commission,CQC chief inspector's office,cqc@example.org,2024-01-01,
partner_inspectorate,Old partner,Retired address,old@example.org,2020-01-01,2024-12-31
"""
PER_LA = f"""la_code,role,name,email,valid_from
{BARKING},cicc_chair,Cara Chair,cicc@barking.example.org,2024-01-01
{BARKING},delegated_third_party,Trust Services,trust@barking.example.org,2024-01-01
"""


def test_the_final_report_is_copied_as_the_framework_says_under_embargo_and_only_after_notification(
    store, inspection
):
    """003 ¶224: the final report to the LA, copied to the delegated third party and the Children in
    Care Council's chair, and to the DfE; ¶233: partner inspectorates under embargo. Recipients are
    reference data valid from/to a day: the partner whose address ended on 31 December 2024 is not
    copied. Nothing goes to anyone outside Ofsted before the notification is recorded."""
    with transaction(store) as session:
        import_contacts(session, PER_LA, source="per-la.csv")
        import_national_contacts(session, NATIONAL, source="national.csv")
        activity = session.get(Activity, inspection)
        dfe = resolve(session, activity, "dfe_inspections_team", on=day("Monday 2025-01-06"))
        assert dfe.email == "dfe.team@example.org"
        assert not Known.load(session, [activity]).verdict(activity, dfe, POLICY).admitted
    record(store, inspection, "notification", at("2025-01-06T09:30"))
    record(store, inspection, "final_report_sent", at("2025-02-19T15:00"))
    with transaction(store) as session:
        (letter,) = session.exec(
            select(OutboxMessage).where(
                OutboxMessage.milestone_key == "final_report_sent", OutboxMessage.recipient_email == DCS
            )
        ).all()
        activity = session.get(Activity, inspection)
        assert Known.load(session, [activity]).verdict(activity, dfe, POLICY).admitted
    assert letter.embargoed and letter.subject.startswith("EMBARGOED")
    assert letter.cc == [
        LINK,
        "trust@barking.example.org",
        "cicc@barking.example.org",
        "dfe.team@example.org",
        "cqc@example.org",
    ]
