"""The dashboard over HTTP: sign-in, roles, CSRF, the forms, exports (FastAPI's test client, real store)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from calendars import LONDON, england_calendar
from services import accounts, tracking
from services.database import transaction
from tests.helpers import day

PASSWORD = "correct horse battery staple"


@pytest.fixture
def site(store, database_url, monkeypatch):
    from interfaces.web.app import create_app

    monkeypatch.setenv("ILACS_SECRET_KEY", "test-secret-key-for-the-dashboard-tests")
    now = datetime(2025, 1, 2, 9, 0, tzinfo=LONDON)
    with transaction(store) as session:
        for username, name, role in (
            ("bea", "Bea Support", "business_support"),
            ("ann", "Ann Lead", "inspector"),
            ("ian", "Ian Other", "inspector"),
            ("vic", "Vic Viewer", "viewer"),
        ):
            accounts.add_user(session, username=username, name=name, role=role, password=PASSWORD, now=now)
        tracking.schedule(
            session,
            activity_type="standard-inspection",
            la_code="E09000002",
            onsite=day("Monday 2025-06-09"),
            lead="Ann Lead",
            actor="Bea",
            now=now,
            calendar=england_calendar(),
        )
    with TestClient(create_app(database_url=database_url, secure_cookies=False)) as client:
        yield client


def sign_in(client: TestClient, username: str) -> str:
    page = client.get("/sign-in").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/sign-in", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 200  # followed the redirect to Today
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)


def test_pages_need_a_signed_in_user(site):
    response = site.get("/", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/sign-in")


def test_a_wrong_password_shows_the_govuk_error_summary(site):
    page = site.get("/sign-in").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = site.post("/sign-in", data={"username": "bea", "password": "wrong", "csrf_token": token})
    assert response.status_code == 400
    assert (
        'class="govuk-error-summary"' in response.text
        and "Enter a correct username and password" in response.text
    )


def test_today_lists_what_is_due_and_overdue_in_govuk_tables(site):
    sign_in(site, "vic")
    page = site.get("/").text
    assert "govuk-table__row" in page and "Overdue (" in page and "Barking and Dagenham" in page


def test_a_viewer_sees_no_forms_and_cannot_post(site):
    token = sign_in(site, "vic")
    assert "Record what happened" not in site.get("/activities/1").text
    response = site.post(
        "/activities/1/actual", data={"key": "notification", "at": "2025-06-02T09:30", "csrf_token": token}
    )
    assert response.status_code == 403


def test_an_inspector_edits_only_the_activities_they_lead(site):
    token = sign_in(site, "ian")
    response = site.post(
        "/activities/1/actual", data={"key": "notification", "at": "2025-06-02T09:30", "csrf_token": token}
    )
    assert response.status_code == 403
    site.cookies.clear()
    token = sign_in(site, "ann")
    response = site.post(
        "/activities/1/actual", data={"key": "notification", "at": "2025-01-02T08:30", "csrf_token": token}
    )
    assert response.status_code == 200 and "Recorded: notification" in response.text


def test_a_forged_form_is_refused(site):
    sign_in(site, "bea")
    response = site.post(
        "/activities/1/actual", data={"key": "notification", "at": "2025-01-02T08:30", "csrf_token": "forged"}
    )
    assert response.status_code == 403 and "did not come from this service" in response.text
    assert site.post("/activities/1/actual", data={"key": "notification"}).status_code == 403


def test_a_refused_deferral_shows_the_error_summary_and_changes_nothing(site):
    token = sign_in(site, "bea")
    response = site.post(
        "/activities/1/defer", data={"to": "2025-06-16", "reason": "dcs-absence", "csrf_token": token}
    )
    assert response.status_code == 400
    assert 'class="govuk-error-summary"' in response.text and "not deferred for the DCS" in response.text
    assert "Monday 9 June 2025 to Friday 20 June 2025" in site.get("/activities/1").text


def test_downloads_an_ics_and_exports(site):
    sign_in(site, "vic")
    ics = site.get("/activities/1/key-dates.ics")
    assert ics.headers["content-type"].startswith("text/calendar") and "BEGIN:VEVENT" in ics.text
    csv_text = site.get("/exports/due.csv").text
    assert csv_text.startswith("list,when,activity,la,activity_type,milestone,owner")
    assert site.get("/exports/due.xlsx").content[:2] == b"PK"


def test_a_region_feed_needs_its_token(site):
    from interfaces.web.app import feed_token

    assert site.get("/regions/London.ics?token=nope").status_code == 403
    good = site.get(
        f"/regions/London.ics?token={feed_token('test-secret-key-for-the-dashboard-tests', 'London')}"
    )
    assert good.status_code == 200 and "BEGIN:VCALENDAR" in good.text


def test_session_cookies_are_secure_httponly_and_strict_by_default(store, database_url, monkeypatch):
    from interfaces.web.app import create_app

    monkeypatch.setenv("ILACS_SECRET_KEY", "x" * 40)
    with TestClient(create_app(database_url=database_url), base_url="https://testserver") as client:
        cookie = client.get("/sign-in").headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie


def test_the_la_page_shows_its_pathway_contacts_and_history(site):
    sign_in(site, "vic")
    page = site.get("/la/E09000002").text
    assert "Barking and Dagenham" in page and "Pathway 2" in page and "judged requires improvement" in page
    assert 'href="/activities/1"' in page
    assert site.get("/la/E99999999").status_code == 404


def test_the_activity_page_draws_its_working_days_with_fieldwork_and_holidays(site):
    sign_in(site, "vic")
    page = site.get("/activities/1").text
    assert 'title="Monday 9 June 2025; Lead inspector meets the DCS; team on site"' in page
    assert "Saturday 14 June 2025: a Saturday" in page


def test_business_support_can_resend_a_failed_email_and_others_cannot(site, store):
    from models.records import OutboxMessage

    with transaction(store) as session:
        session.add(
            OutboxMessage(
                idempotency_key="1:x:due:a@example.org",
                activity_id=1,
                milestone_key="x",
                stage="due",
                recipient_email="a@example.org",
                recipient_name="A",
                recipient_role="dcs",
                subject="Due today: x",
                body_text="x",
                body_html="x",
                status="failed",
                attempts=12,
                not_before=datetime(2025, 1, 2, tzinfo=LONDON),
                created_at=datetime(2025, 1, 2, tzinfo=LONDON),
            )
        )
    token = sign_in(site, "vic")
    assert site.post("/outbox/1/resend", data={"csrf_token": token}).status_code == 403
    site.cookies.clear()
    token = sign_in(site, "bea")
    assert "Resend" in site.get("/outbox").text
    response = site.post("/outbox/1/resend", data={"csrf_token": token})
    assert response.status_code == 200 and "Queued again: Due today: x" in response.text
    with transaction(store) as session:
        assert (session.get(OutboxMessage, 1).status, session.get(OutboxMessage, 1).attempts) == ("queued", 0)


def test_the_programme_page_shows_activities_by_region_and_month_and_capacity_use(site, store):
    with transaction(store) as session:
        tracking.schedule(
            session,
            activity_type="standard-inspection",
            la_code="E09000003",
            onsite=day("Monday 2027-06-07"),
            lead="Ann Lead",
            actor="Bea",
            now=datetime(2026, 11, 1, tzinfo=LONDON),
            calendar=england_calendar(),
        )
    sign_in(site, "vic")
    page = site.get("/programme").text
    assert "June 2027" in page and "Barnet" in page
    # a standard inspection takes 4 social care inspectors in each of its 2 weeks on site
    assert "London, week of Monday 7 June 2027: 4 of 8 inspectors" in page
    assert "London, week of Monday 14 June 2027: 4 of 8 inspectors" in page
