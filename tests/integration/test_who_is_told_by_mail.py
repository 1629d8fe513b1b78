"""Who is told what by mail, through the gate [003 ¶126, ¶204, ¶233-234], winter and summer."""

from __future__ import annotations

import pytest
from sqlmodel import select

from calendars import LONDON
from models.records import Activity, OutboxMessage
from services.store.database import transaction
from services.store.reference_data import import_contacts, import_national_contacts, import_staff
from services.tracking import lifecycle
from tests.helpers import day
from tests.integration.test_reminders_and_emails import (
    BARKING,
    CALENDAR,
    CONTACTS,
    DCS,
    LINK,
    NATIONAL,
    STAFF,
    at,
    record,
)
from tests.integration.test_store_commands import run

DFE = "dfe.team@example.org"


def _schedule(store, activity_type: str, onsite: str, flags: frozenset[str], registered: str) -> int:
    with transaction(store) as session:
        import_contacts(session, CONTACTS, source="contacts.csv")
        import_staff(session, STAFF, source="staff.csv")
        import_national_contacts(session, NATIONAL, source="national.csv")
    with transaction(store) as session:
        return lifecycle.schedule(
            session,
            activity_type=activity_type,
            la_code=BARKING,
            onsite=day(onsite),
            lead="Ann Lead",
            actor="Bea Support",
            now=at(registered),
            calendar=CALENDAR,
            flags=flags,
        ).id


def _letters(store, activity_id: int) -> list[OutboxMessage]:
    with transaction(store) as session:
        query = select(OutboxMessage).where(
            OutboxMessage.activity_id == activity_id, OutboxMessage.stage == "letter"
        )
        return list(session.exec(query.order_by(OutboxMessage.id)))


@pytest.mark.parametrize(
    ("activity_type", "onsite", "registered", "notified", "told"),
    [
        # Winter: on site Monday 13 January 2025, notified Monday 6 January at 09:30 GMT.
        (
            "standard-inspection",
            "Monday 2025-01-13",
            "2025-01-02T06:00",
            "2025-01-06T09:30",
            "2025-01-06T11:00",
        ),
        # Summer: a monitoring visit on Tuesday 9 June 2026; its data request (the notification) on
        # Friday 22 May, 09:30 BST (25 May is the spring bank holiday).
        (
            "monitoring-visit",
            "Tuesday 2026-06-09",
            "2026-05-11T06:00",
            "2026-05-22T09:30",
            "2026-05-22T11:00",
        ),
    ],
)
def test_the_dfe_is_told_an_activity_has_started_only_once_the_notification_is_recorded(
    store, activity_type, onsite, registered, notified, told
):
    """003 ¶204, where a Commissioner is appointed: the DfE is told; the LA is asked to inform the
    Commissioner in the letter confirming the notification. Recorded before the notification is, the
    DfE's letter is held back (confidential); once the notification is recorded it goes."""
    activity_id = _schedule(store, activity_type, onsite, frozenset({"commissioner"}), registered)
    record(store, activity_id, "dfe_informed", at(told))
    assert [m.recipient_email for m in _letters(store, activity_id)] == []
    record(store, activity_id, notification_of(activity_type), at(notified))
    letters = {m.recipient_email: m for m in _letters(store, activity_id)}
    assert set(letters) == {DCS, DFE}
    assert letters[DFE].milestone_key == "dfe_informed" and letters[DFE].subject.startswith("Started: ")
    assert letters[DFE].cc == [] and not letters[DFE].embargoed
    assert "Please inform the Commissioner" in letters[DCS].body_text


def notification_of(activity_type: str) -> str:
    return "data_request" if activity_type == "monitoring-visit" else "notification"


def test_without_a_commissioner_the_letters_say_nothing_of_one(store):
    activity_id = _schedule(
        store, "standard-inspection", "Monday 2025-01-13", frozenset(), "2025-01-02T06:00"
    )
    record(store, activity_id, "notification", at("2025-01-06T09:30"))
    (letter,) = _letters(store, activity_id)
    assert letter.recipient_email == DCS and "Commissioner" not in letter.body_text


def test_the_action_plan_review_letter_is_shared_with_the_dfe(store):
    """003 ¶124-126. Report received Monday 7 July 2025 (the action planning visit's D); the letter
    reviewing the action plan goes to the DCS, copied to the link person and the DfE's team."""
    activity_id = _schedule(
        store, "action-planning-visit", "Monday 2025-07-07", frozenset(), "2025-07-01T06:00"
    )
    record(store, activity_id, "action_plan_due", at("2025-10-01T12:00"))
    record(store, activity_id, "action_plan_review_letter", at("2025-10-08T15:00"))
    (letter,) = [m for m in _letters(store, activity_id) if m.milestone_key == "action_plan_review_letter"]
    assert letter.recipient_email == DCS and letter.cc == [LINK, DFE]
    assert "[003 ¶126]" in letter.body_text


def test_concerns_about_other_agencies_bring_the_letters_to_partner_chief_inspectors(store, capsys):
    """003 ¶233-234, recorded with the outcome at the end of fieldwork: the inspection on site Monday
    13 January 2025 ends Friday 24 January; the draft report and the letters by Friday 7 February
    (E + 10 working days), 17:00 GMT."""
    activity_id = _schedule(
        store, "standard-inspection", "Monday 2025-01-13", frozenset(), "2025-01-02T06:00"
    )
    status, out, err = run(
        capsys, f"outcome {activity_id} --partner-concerns --by 'Ann Lead' --as-of 2025-01-24T14:00"
    )
    assert status == 0, err
    assert "partner_inspectorate_letters" in out
    with transaction(store) as session:
        assert "partner_concerns" in session.get(Activity, activity_id).flags
        (row,) = [
            m for m in lifecycle.milestones(session, activity_id) if m.key == "partner_inspectorate_letters"
        ]
        assert row.target.astimezone(LONDON).strftime("%A %Y-%m-%d %H:%M %Z") == (
            "Friday 2025-02-07 17:00 GMT"
        )
    status, _, err = run(
        capsys, f"outcome {activity_id} --partner-concerns --by 'Ann Lead' --as-of 2025-01-24T15:00"
    )
    assert status == 0, err


def test_a_visit_has_no_letters_to_partner_chief_inspectors(store, capsys):
    activity_id = _schedule(store, "focused-visit", "Tuesday 2025-01-14", frozenset(), "2025-01-02T06:00")
    status, _, err = run(
        capsys, f"outcome {activity_id} --partner-concerns --by 'Ann Lead' --as-of 2025-01-15T19:00"
    )
    assert status == 2 and "framework paragraph 234" in err
