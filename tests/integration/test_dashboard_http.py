"""The dashboard over HTTP: sign-in, roles, CSRF, the forms, exports (FastAPI's test client, real store)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from calendars import LONDON, england_calendar
from services.access import accounts
from services.store.database import transaction
from services.tracking import lifecycle
from tests.dashboard import PASSWORD, csrf_token, sign_in
from tests.helpers import day

pytestmark = pytest.mark.slow  # every sign-in checks an argon2 hash, and the fixture makes four

JUNE_2 = {"at-day": "2", "at-month": "6", "at-year": "2025", "at-time": "9:30am"}  # Monday 2 June 2025
JANUARY_2 = {"at-day": "2", "at-month": "1", "at-year": "2025", "at-time": "8:30"}  # Thursday 2 January 2025
JUNE_16 = {"to-day": "16", "to-month": "6", "to-year": "2025"}  # Monday 16 June 2025


@pytest.fixture
def site(staff_and_inspection, database_url, monkeypatch):
    from interfaces.web.app import create_app

    monkeypatch.setenv("ILACS_SECRET_KEY", "test-secret-key-for-the-dashboard-tests")
    with TestClient(create_app(database_url=database_url, loopback=True)) as client:
        yield client


def test_pages_need_a_signed_in_user(site):
    response = site.get("/", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/sign-in")


def test_a_wrong_password_shows_the_govuk_error_summary(site):
    token = csrf_token(site.get("/sign-in").text)
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
    response = site.post("/activities/1/actual", data={"key": "notification", **JUNE_2, "csrf_token": token})
    assert response.status_code == 403


def test_an_inspector_edits_only_the_activities_they_lead(site):
    token = sign_in(site, "ian")
    response = site.post("/activities/1/actual", data={"key": "notification", **JUNE_2, "csrf_token": token})
    assert response.status_code == 403
    site.cookies.clear()
    token = sign_in(site, "ann")
    response = site.post(
        "/activities/1/actual", data={"key": "notification", **JANUARY_2, "csrf_token": token}
    )
    assert response.status_code == 200 and "Recorded: notification" in response.text


def test_a_forged_form_is_refused(site):
    sign_in(site, "bea")
    response = site.post(
        "/activities/1/actual", data={"key": "notification", **JANUARY_2, "csrf_token": "forged"}
    )
    assert response.status_code == 403 and "did not come from this service" in response.text
    assert site.post("/activities/1/actual", data={"key": "notification"}).status_code == 403


def test_a_refused_deferral_shows_the_error_summary_and_changes_nothing(site):
    token = sign_in(site, "bea")
    response = site.post(
        "/activities/1/defer", data={**JUNE_16, "reason": "dcs-absence", "csrf_token": token}
    )
    assert response.status_code == 400
    assert 'class="govuk-error-summary"' in response.text and "not deferred for the DCS" in response.text
    assert 'href="#reason"' in response.text and "govuk-error-message" in response.text
    for field, typed in JUNE_16.items():  # what was typed is kept, and the reason chosen
        assert f'id="{field}" name="{field}" type="text" value="{typed}"' in response.text
    assert 'value="dcs-absence" checked' in response.text
    assert "Monday 9 June 2025 to Friday 20 June 2025" in site.get("/activities/1").text


def _recorded_notification(store):
    from models.records import Milestone

    with transaction(store) as session:
        return session.exec(
            select(Milestone.actual).where(Milestone.activity_id == 1, Milestone.key == "notification")
        ).one()


@pytest.mark.parametrize(
    ("fields", "utc", "shown"),
    [
        # BST: 00:30 on Monday 2 June 2025 is 23:30 UTC on Sunday 1 June, and still that Monday in London
        (
            {"at-day": "2", "at-month": "6", "at-year": "2025", "at-time": "12:30am"},
            datetime(2025, 6, 1, 23, 30, tzinfo=UTC),
            "Monday 2 June 2025 at 12:30am",
        ),
        # GMT: 00:30 on Monday 13 January 2025 is 00:30 UTC the same Monday
        (
            {"at-day": "13", "at-month": "1", "at-year": "2025", "at-time": "0:30"},
            datetime(2025, 1, 13, 0, 30, tzinfo=UTC),
            "Monday 13 January 2025 at 12:30am",
        ),
    ],
)
def test_a_record_just_after_midnight_is_that_day_in_london_summer_and_winter(
    site, store, fields, utc, shown
):
    token = sign_in(site, "bea")
    response = site.post("/activities/1/actual", data={"key": "notification", **fields, "csrf_token": token})
    assert response.status_code == 200 and "Recorded: notification" in response.text
    assert shown in response.text
    actual = _recorded_notification(store)
    assert (actual if actual.tzinfo else actual.replace(tzinfo=UTC)) == utc


@pytest.mark.parametrize(
    ("fields", "anchors", "messages"),
    [
        (
            {"at-day": "31", "at-month": "2", "at-year": "2025", "at-time": "25:00"},
            ["#at-day", "#at-time"],
            ["The date it happened must be a real date", "The time it happened must be a real time"],
        ),
        (
            {"at-day": "", "at-month": "", "at-year": "", "at-time": ""},
            ["#at-day", "#at-time"],
            ["Enter the date it happened", "Enter the time it happened"],
        ),
        (
            {"at-day": "2", "at-month": "", "at-year": "2025", "at-time": "9:30am"},
            ["#at-month"],
            ["The date it happened must include a month"],
        ),
        # the clocks went forward at 01:00 GMT on Sunday 30 March 2025: 01:30 never happened in London
        (
            {"at-day": "30", "at-month": "3", "at-year": "2025", "at-time": "1:30am"},
            ["#at-time"],
            ["does not exist in London"],
        ),
    ],
)
def test_a_bad_record_marks_every_wrong_field_keeps_what_was_typed_and_changes_nothing(
    site, store, fields, anchors, messages
):
    token = sign_in(site, "bea")
    response = site.post("/activities/1/actual", data={"key": "notification", **fields, "csrf_token": token})
    assert response.status_code == 400 and response.text.count('class="govuk-error-summary"') == 1
    for anchor in anchors:
        assert f'href="{anchor}"' in response.text
    for message in messages:
        assert response.text.count(message) == 2  # in the summary and beside the field
    for field, typed in fields.items():
        assert f'id="{field}" name="{field}" type="text" value="{typed}"' in response.text
    assert '<option value="notification" selected>' in response.text
    assert _recorded_notification(store) is None


def test_downloads_an_ics_and_exports(site):
    sign_in(site, "vic")
    ics = site.get("/activities/1/key-dates.ics")
    assert ics.headers["content-type"].startswith("text/calendar") and "BEGIN:VEVENT" in ics.text
    csv_text = site.get("/exports/due.csv").text
    assert csv_text.startswith(
        "\ufeffList,Deadline or forecast,Local authority,Activity,Activity number,On site,Milestone"
    )
    assert site.get("/exports/due.xlsx").content[:2] == b"PK"


def test_a_region_feed_needs_its_token(site):
    from services.tracking.feeds import token

    assert site.get("/regions/London.ics?token=nope").status_code == 403
    good = site.get(
        f"/regions/London.ics?token={token('test-secret-key-for-the-dashboard-tests', 'London', 0)}"
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
    assert 'title="Monday 9 June 2025: fieldwork; Lead inspector meets the DCS; team on site"' in page
    assert 'title="Tuesday 3 June 2025: working day' in page  # each day says what it is to a screen reader
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
        lifecycle.schedule(
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


# Sign-in security: throttling, server-side sessions, security headers, and no 500 for a bad id or token.


def attempt(client: TestClient, username: str, password: str):
    token = csrf_token(client.get("/sign-in").text)
    return client.post("/sign-in", data={"username": username, "password": password, "csrf_token": token})


def audited(store, action: str) -> list[tuple[str, str]]:
    from sqlmodel import select

    from models.records import AuditEntry

    with transaction(store) as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
        return [(e.actor, e.subject) for e in entries]


def test_after_five_failures_even_the_right_password_is_refused_unchecked_saying_when_to_retry(
    site, store, monkeypatch
):
    for _ in range(4):
        assert attempt(site, "ann", "wrong password").status_code == 400
    fifth = attempt(site, "ann", "wrong password")
    assert fifth.status_code == 429 and "Try again after" in fifth.text
    checked = []
    monkeypatch.setattr(accounts, "authenticate", lambda *args: checked.append(args))
    sixth = attempt(site, "ann", PASSWORD)
    assert (sixth.status_code, checked) == (429, [])
    assert 'class="govuk-error-summary"' in sixth.text and "Try again after" in sixth.text
    assert 0 < int(sixth.headers["retry-after"]) <= 60
    assert audited(store, "sign_in_lockout") == [("sign-in throttle", "account ann")]


def test_business_support_sees_a_lock_out_and_clears_it_audited_and_no_one_else_can(site, store):
    for _ in range(5):
        attempt(site, "ann", "wrong password")
    token = sign_in(site, "vic")
    assert site.get("/lock-outs").status_code == 403
    assert site.post("/lock-outs/1/clear", data={"csrf_token": token}).status_code == 403
    site.cookies.clear()
    token = sign_in(site, "bea")
    page = site.get("/lock-outs").text
    assert "Sign-in lock-outs" in page and ">ann<" in page
    path = re.search(r'action="(/lock-outs/\d+/clear)"', page).group(1)
    assert site.post(path, data={"csrf_token": "forged"}).status_code == 403
    cleared = site.post(path, data={"csrf_token": token})
    assert cleared.status_code == 200 and "Cleared the lock-out of account ann" in cleared.text
    assert audited(store, "sign_in_unlock") == [("Bea Support", "account ann")]
    assert "No one is locked out" in site.get("/lock-outs").text
    site.cookies.clear()
    sign_in(site, "ann")


@pytest.mark.parametrize("leave", ["sign out", "sign in as someone else"])
def test_leaving_ends_the_session_so_a_copied_cookie_no_longer_works(site, leave):
    token = sign_in(site, "bea")
    thief = TestClient(site.app, cookies={"ilacs_session": site.cookies["ilacs_session"]})
    assert thief.get("/", follow_redirects=False).status_code == 200
    if leave == "sign out":
        assert site.post("/sign-out", data={"csrf_token": token}).url.path == "/sign-in"
    else:
        assert attempt(site, "vic", PASSWORD).url.path == "/"
    response = thief.get("/", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/sign-in")


@pytest.mark.parametrize(
    "change", ["user password ann --password-stdin", "user role ann --role viewer --by 'Bea Support'"]
)
def test_a_password_or_role_change_ends_every_session_of_that_user(site, monkeypatch, change):
    import io
    import shlex

    from interfaces.cli import main

    laptop, phone, colleague = site, TestClient(site.app), TestClient(site.app)
    for client, username in ((laptop, "ann"), (phone, "ann"), (colleague, "bea")):
        sign_in(client, username)
    monkeypatch.setattr("sys.stdin", io.StringIO("a brand new passphrase\n"))
    assert main(shlex.split(change)) == 0
    for client in (laptop, phone):
        assert client.get("/", follow_redirects=False).headers["location"] == "/sign-in"
    assert colleague.get("/", follow_redirects=False).status_code == 200


def _security_headers_of(response) -> str:
    """The CSP, once the other headers every response carries are checked."""
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in response.headers  # served on loopback
    policy = response.headers["content-security-policy"]
    for directive in (
        "default-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "style-src 'self'",
    ):
        assert directive in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    return policy


def test_every_response_carries_the_security_headers_and_pages_run_only_listed_scripts(site):
    signed_out = [site.get("/sign-in"), site.get("/", follow_redirects=False), site.get("/nowhere")]
    token = sign_in(site, "bea")
    pages = [site.get("/"), site.get("/activities/1"), site.get("/lock-outs")]
    files = [site.get("/activities/1/key-dates.ics"), site.get("/exports/due.csv")]
    forged = site.post("/sign-out", data={"csrf_token": "forged"})
    for response in [*signed_out, *pages, *files, forged]:
        _security_headers_of(response)
    nonces = set()
    for page in [signed_out[0], *pages, forged]:
        nonce = re.search(
            r"script-src 'self' 'nonce-([A-Za-z0-9_-]{22,})'", _security_headers_of(page)
        ).group(1)
        nonces.add(nonce)
        for tag in re.findall(r"<script[^>]*>", page.text):
            assert f'nonce="{nonce}"' in tag or re.search(r'src="/[^"]+"', tag), tag
        assert not re.search(r"\sstyle=|\son[a-z]+=", page.text)
    assert len(nonces) == 5  # a new nonce for every page
    assert site.post("/sign-out", data={"csrf_token": token}).status_code == 200


def test_strict_transport_security_is_sent_only_off_loopback(store, database_url, monkeypatch):
    from interfaces.web.app import create_app

    monkeypatch.setenv("ILACS_SECRET_KEY", "x" * 40)
    with TestClient(create_app(database_url=database_url), base_url="https://testserver") as client:
        assert client.get("/sign-in").headers["strict-transport-security"] == "max-age=31536000"
    with TestClient(create_app(database_url=database_url, loopback=True)) as client:
        assert "strict-transport-security" not in client.get("/sign-in").headers


TOO_BIG = "9" * 25  # beyond any 64-bit id


@pytest.mark.parametrize(
    "method, path, form, status",
    [
        ("GET", "/activities/999", None, 404),
        ("GET", f"/activities/{TOO_BIG}", None, 404),
        ("GET", "/activities/9223372036854775808", None, 404),
        ("GET", "/activities/2147483648", None, 404),  # one past PostgreSQL's INTEGER keys
        ("GET", "/activities/2147483648/key-dates.ics", None, 404),
        ("GET", "/activities/0", None, 404),
        ("GET", "/activities/-1", None, 404),
        ("GET", "/activities/1.0", None, 404),
        ("GET", "/activities/%C3%A9", None, 404),
        ("GET", "/activities/999/key-dates.ics", None, 404),
        ("GET", f"/activities/{TOO_BIG}/key-dates.ics", None, 404),
        ("POST", f"/activities/{TOO_BIG}/actual", {"key": "notification", **JANUARY_2}, 404),
        ("POST", "/activities/999/actual", {"key": "notification", **JANUARY_2}, 404),
        ("POST", f"/activities/{TOO_BIG}/defer", {**JUNE_16, "reason": "weather"}, 404),
        ("POST", "/activities/1/actual", {"key": "not\x00a key", **JANUARY_2}, 400),
        ("POST", f"/outbox/{TOO_BIG}/resend", {}, 404),
        ("POST", "/outbox/999/resend", {}, 404),
        ("POST", f"/lock-outs/{TOO_BIG}/clear", {}, 404),
        ("POST", "/lock-outs/999/clear", {}, 404),
        ("POST", "/sign-out", {"csrf_token": "é"}, 403),
        ("GET", "/regions/London.ics?token=%C3%A9", None, 403),
        ("GET", "/regions/%00.ics?token=x", None, 403),
        ("GET", "/la/%00", None, 404),
        ("GET", "/la/%C3%A9", None, 404),
        ("GET", "/?region=%00", None, 400),
        ("GET", "/?owner=Bob", None, 400),
        ("GET", "/nowhere", None, 404),
        ("GET", "/activities?q=%00", None, 400),
        ("GET", "/activities?type=%00", None, 400),
        ("GET", "/activities?sort=price", None, 400),
        ("GET", "/activities?from-day=1&from-month=1&from-year=99999", None, 400),
        ("GET", "/activities?from-day=99999999999999999999&from-month=1&from-year=2026", None, 400),
        ("GET", "/activities?page=99999999999999999999", None, 200),  # not a page: the first
        ("GET", "/exports/activities.csv?status=open", None, 400),
        ("GET", "/exports/due.xlsx?type=alien", None, 400),
        ("GET", "/las?region=%00", None, 400),
        ("POST", f"/activities/{TOO_BIG}/assign", {"officer": "ann"}, 404),
        ("POST", "/activities/999/assign", {"officer": "ann"}, 404),
        ("POST", "/activities/1/assign", {"officer": "ann\x00"}, 400),
        ("POST", "/feeds/regenerate", {"region": "\x00"}, 400),
        ("GET", "/inspectors/%00.ics?token=x", None, 403),
        ("GET", "/inspectors/ann.ics?token=%C3%A9", None, 403),
    ],
)
def test_a_bad_id_or_token_is_a_404_or_403_page_never_a_500(site, method, path, form, status):
    token = sign_in(site, "bea")
    if method == "GET":
        response = site.get(path)
    else:
        response = site.post(path, data={"csrf_token": token} | form)
    assert response.status_code == status  # the test client raises what reaches the catch-all
    assert response.headers["content-type"].startswith("text/html") and "govuk-template" in response.text
    _security_headers_of(response)


def test_a_bad_username_is_refused_like_any_wrong_one(site):
    for username in ("nul\x00l", "é" * 300, ""):
        assert attempt(site, username, PASSWORD).status_code == 400


def test_an_unexpected_error_is_a_plain_500_page_without_the_details(site, monkeypatch):
    from services.reports import worklists

    def broken(*args, **kwargs):
        raise RuntimeError("connection to 10.0.0.7 failed for user ilacs_secret")

    sign_in(site, "bea")
    monkeypatch.setattr(worklists, "today_section", broken)
    response = TestClient(site.app, raise_server_exceptions=False, cookies=site.cookies).get("/")
    assert response.status_code == 500 and "Sorry, there is a problem with the service" in response.text
    assert "ilacs_secret" not in response.text and "Traceback" not in response.text
    _security_headers_of(response)


@pytest.mark.parametrize(
    ("onsite", "clock"),
    [
        ("Monday 2025-06-09", datetime(2025, 6, 2, 10, 15, tzinfo=LONDON)),  # BST: 09:15 UTC
        ("Monday 2025-01-13", datetime(2025, 1, 6, 10, 15, tzinfo=LONDON)),  # GMT
    ],
)
def test_a_change_made_in_the_dashboard_verifies_in_summer_and_winter(site, store, onsite, clock):
    """The dashboard takes 'now' from the clock (pinned here with time-machine, not passed in)."""
    import time_machine
    from sqlmodel import select

    from models.records import AuditEntry
    from services.store import audit

    with transaction(store) as session:
        activity_id = lifecycle.schedule(
            session,
            activity_type="short-inspection",
            la_code="E09000003",
            onsite=day(onsite),
            lead="Ann Lead",
            actor="Bea",
            now=datetime(2024, 12, 2, 9, tzinfo=LONDON),
            calendar=england_calendar(),
        ).id
    with time_machine.travel(clock, tick=False):
        token = sign_in(site, "bea")
        form = {"key": "notification", "csrf_token": token}
        form |= {"at-day": str(clock.day), "at-month": str(clock.month), "at-year": str(clock.year)}
        form["at-time"] = f"{clock:%H:%M}"
        response = site.post(f"/activities/{activity_id}/actual", data=form)
    assert response.status_code == 200 and "Recorded: notification." in response.text
    with transaction(store) as session:
        check = audit.verify(session)
        entry = session.exec(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert check.verified, str(check)
    assert (entry.action, entry.actor, entry.at) == ("record", "Bea Support", clock)
