"""Assigning work: the service (audited, reassigned in place, refusals) and the dashboard (business
support only, CSRF, a GOV.UK error on bad input with nothing changed, My work with urgency tags)."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from calendars import LONDON
from models.records import Assignment, AuditEntry
from services.store.database import transaction
from services.tracking import assignments, lifecycle
from services.tracking.unit_of_work import UnitOfWork
from tests.dashboard import sign_in

NOW = datetime(2025, 6, 2, 10, 0, tzinfo=LONDON)  # Monday, BST


def test_reassigning_is_audited_with_both_officers_and_in_place(staff_and_inspection):
    engine = staff_and_inspection
    for username in ("ann", "ian", "ian"):
        with UnitOfWork(engine) as uow:
            assignments.assign(
                uow, activity_id=1, milestone_key="", username=username, by="Bea Support", now=NOW
            )
    with transaction(engine) as session:
        rows = session.exec(select(Assignment)).all()
        entries = session.exec(
            select(AuditEntry).where(AuditEntry.action == "assign").order_by(AuditEntry.id)
        ).all()
    assert len(rows) == 1 and rows[0].milestone_key == ""
    # the third assignment changed nothing, so it is not in the log
    assert [(e.before, e.after) for e in entries] == [
        ({"officer": None}, {"officer": "Ann Lead"}),
        ({"officer": "Ann Lead"}, {"officer": "Ian Other"}),
    ]


@pytest.mark.parametrize(
    ("key", "username", "words"),
    [
        ("notification", "vic", "not an officer"),
        ("no_such_step", "ann", "no milestone"),
        ("", "nobody", "not an officer"),
    ],
)
def test_refusals_change_nothing(staff_and_inspection, key, username, words):
    with pytest.raises(lifecycle.TrackingError, match=words), UnitOfWork(staff_and_inspection) as uow:
        assignments.assign(
            uow, activity_id=1, milestone_key=key, username=username, by="Bea Support", now=NOW
        )
    with transaction(staff_and_inspection) as session:
        assert session.exec(select(Assignment)).all() == []


@pytest.fixture
def site(staff_and_inspection, database_url, monkeypatch):
    from interfaces.web.app import create_app

    monkeypatch.setenv("ILACS_SECRET_KEY", "test-secret-key-for-the-dashboard-tests")
    with TestClient(create_app(database_url=database_url, loopback=True)) as client:
        yield client


@pytest.mark.slow
def test_business_support_assign_and_the_officer_sees_it_in_my_work(site):
    token = sign_in(site, "bea")
    assert (
        site.post(
            "/activities/1/assign", data={"officer": "ann", "milestone": "", "csrf_token": "forged"}
        ).status_code
        == 403
    )
    wrong = site.post("/activities/1/assign", data={"officer": "vic", "milestone": "", "csrf_token": token})
    assert wrong.status_code == 400 and wrong.text.count('class="govuk-error-summary"') == 1
    assert 'href="#officer"' in wrong.text and "govuk-error-message" in wrong.text
    done = site.post(
        "/activities/1/assign", data={"officer": "ann", "milestone": "notification", "csrf_token": token}
    )
    assert done.status_code == 200 and "Assigned." in done.text and "Ann Lead" in done.text
    site.cookies.clear()
    token = sign_in(site, "ann")
    mine = site.get("/my-work").text
    assert "Barking and Dagenham standard inspection, 9 June 2025" in mine and "Notification call" in mine
    assert "govuk-tag--red" in mine  # long overdue by now
    # an inspector, even the lead, cannot assign; a viewer neither
    assert site.post("/activities/1/assign", data={"officer": "ann", "csrf_token": token}).status_code == 403
    site.cookies.clear()
    token = sign_in(site, "vic")
    assert site.post("/activities/1/assign", data={"officer": "ann", "csrf_token": token}).status_code == 403
    assert "Nothing is assigned to you" in site.get("/my-work").text


def test_an_inspectors_feed_holds_the_milestones_still_to_come_of_what_they_lead(staff_and_inspection):
    """Ann Lead leads the inspection on site Monday 9 June 2025: seen from Monday 2 June at 10am (BST),
    the notification call (9:30am that day) has passed and the set-up call (2pm) is still to come."""
    from services.reports import worklists

    with transaction(staff_and_inspection) as session:
        anns = worklists.led_by(session, "Ann Lead", as_of=NOW)
        ians = worklists.led_by(session, "Ian Other", as_of=NOW)
    keys = [i.milestone.key for i in anns]
    assert "notification" not in keys and "setup_call" in keys and ians == []
    assert all(i.milestone.forecast >= NOW for i in anns)
