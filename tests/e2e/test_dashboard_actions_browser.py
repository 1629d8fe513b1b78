"""Business support's jobs in a real browser (Debian's Chromium under Playwright), each page and each
error state screenshotted into test-output/ and checked by axe-core for WCAG A/AA: register an activity
(its dates first; a clash refused), record several milestones at once, note, take a date back, record
the outcome, log and answer an Annex B request, waive a milestone, read an email, check the calendar,
plan and accept a region's programme, and cancel."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from interfaces.service import start_dashboard
from services.store import open_store
from services.store.database import transaction
from services.store.reference_data import import_contacts, import_staff
from tests.dashboard import PASSWORD, add_staff_and_inspection
from tests.e2e.browser import check_page, fill_date, launch
from tests.helpers import day
from tests.integration.smtp_server import free_port

CONTACTS = """la_code,role,name,email,valid_from
E09000003,dcs,Dana Director,dcs@barnet.example.org,2024-01-01
"""
STAFF = """name,role,email,ofsted_region
Ann Lead,lead_inspector,ann@example.org,London
Bea Support,business_support,bea@example.org,London
"""


@pytest.fixture
def dashboard(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'ilacs.db'}"
    monkeypatch.setenv("ILACS_DATABASE_URL", url)
    monkeypatch.setenv("ILACS_SECRET_KEY", "browser-test-secret-key-0123456789")
    engine = open_store(url)
    add_staff_and_inspection(engine, onsite=day("Monday 2027-06-07"))
    with transaction(engine) as session:
        import_contacts(session, CONTACTS, source="contacts.csv")
        import_staff(session, STAFF, source="staff.csv")
    port = free_port()
    server, thread = start_dashboard(port)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def banner(page) -> str:
    return page.wait_for_selector(".govuk-notification-banner").inner_text()


def summary(page) -> str:
    return page.wait_for_selector(".govuk-error-summary").inner_text()


def test_business_support_does_each_job_in_the_browser(dashboard):
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        console = []
        page.on("console", lambda message: console.append(message.text))
        page.goto(f"{dashboard}/sign-in")
        page.fill("#username", "bea")
        page.fill("#password", PASSWORD)
        page.click("button:has-text('Sign in')")
        page.wait_for_url(f"{dashboard}/")

        # Register: a focused visit at Barnet on site Tuesday 6 October 2026, already past, so that its
        # milestones are overdue; first a clash with activity 1 at Barking and Dagenham, refused.
        page.goto(f"{dashboard}/activities/new")
        check_page(page, "actions-01-register")
        page.select_option("#type", "focused-visit")
        page.select_option("#la", label="Barking and Dagenham (London)")
        fill_date(page, "onsite", "8", "6", "2027")
        page.fill("#lead", "Ann Lead")
        page.click("button:has-text('Show its dates')")
        assert "Clashes with activity 1" in summary(page)
        assert page.input_value("#onsite-day") == "8"  # what was typed is kept
        check_page(page, "actions-02-register-clash")
        page.select_option("#la", label="Barnet (London)")
        fill_date(page, "onsite", "6", "10", "2026")
        page.click("button:has-text('Show its dates')")
        page.wait_for_selector("#preview")
        assert "on site Tuesday 6 October 2026 to Wednesday 7 October 2026" in page.inner_text("#preview")
        assert "Tuesday 29 September 2026 at 9:30am" in page.inner_text("table")  # notification: D-5
        check_page(page, "actions-03-register-preview")
        page.click("button:has-text('Register it')")
        assert "Registered." in banner(page)
        visit = page.url.rsplit("/", 1)[1]
        check_page(page, "actions-04-registered")

        # Several at once: none chosen is refused; then the notification and the confirmation email.
        page.goto(f"{dashboard}/record")
        page.click("button:has-text('Record them')")
        assert "Choose at least one milestone" in summary(page)
        check_page(page, "actions-05-record-refused")
        page.check(f"input[name=items][value='{visit}:notification']")
        page.check(f"input[name=items][value='{visit}:confirmation_email']")
        fill_date(page, "at", "29", "9", "2026")
        page.fill("#at-time", "9:30am")
        page.click("button:has-text('Record them')")
        assert "Recorded 2 milestones as happening on Tuesday 29 September 2026 at 9:30am" in banner(page)
        check_page(page, "actions-06-recorded")

        # Notes and history, with the letter the notification sent the DCS, whose body can be read.
        page.goto(f"{dashboard}/activities/{visit}/history")
        page.click("button:has-text('Add the note')")
        assert "Enter the note" in summary(page)
        check_page(page, "actions-07-note-refused")
        page.fill("#note", "The DCS asked for the set-up call at 2pm")
        page.click("button:has-text('Add the note')")
        assert "Note added." in banner(page)
        assert "The DCS asked for the set-up call at 2pm" in page.inner_text("main")
        check_page(page, "actions-08-history")
        page.click("a:has-text('Email queued')")
        page.wait_for_selector("h2:has-text('Message')")
        assert "Dear Dana Director" in page.inner_text(".govuk-inset-text")
        check_page(page, "actions-09-email")

        # Take a date back.
        page.goto(f"{dashboard}/activities/{visit}/undo")
        page.click("button:has-text('Take the date back')")
        assert "Choose the milestone" in summary(page)
        check_page(page, "actions-10-undo-refused")
        page.check("input[name=key][value=confirmation_email]")
        page.fill("#reason", "The email went on Wednesday")
        page.click("button:has-text('Take the date back')")
        assert "Taken back: confirmation email" in banner(page)

        # Outcome: a focused visit found an area for priority action.
        page.goto(f"{dashboard}/activities/{visit}/outcome")
        page.click("button:has-text('Record the outcome')")
        assert "Choose at least one judgement" in summary(page)
        check_page(page, "actions-11-outcome-refused")
        page.check("#priority_action")
        page.click("button:has-text('Record the outcome')")
        assert "Outcome recorded." in banner(page)

        # Annex B: log a request (a missing date refused), then its answer.
        page.goto(f"{dashboard}/activities/{visit}/requests")
        check_page(page, "actions-12-requests")
        page.check("input[name=type][value=general]")
        page.fill("#what", "Supervision records for five children")
        page.fill("#why", "To test the quality of supervision")
        page.click("button:has-text('Log the request')")
        assert "Enter the date it is needed by" in summary(page)
        check_page(page, "actions-13-request-refused")
        fill_date(page, "required_by", "7", "10", "2026")
        page.fill("#required_by-time", "12:00")
        page.click("button:has-text('Log the request')")
        assert "Request logged" in banner(page)
        page.fill("#response", "Sent by secure email")
        fill_date(page, "answered", "7", "10", "2026")
        page.fill("#answered-time", "11:15")
        page.click("button:has-text('Record the response')")
        assert "Response recorded." in banner(page)
        assert "Sent by secure email" in page.inner_text("table")

        # Waive a milestone; a waiver with no reason refused first.
        page.goto(f"{dashboard}/activities/{visit}/compliance")
        page.select_option("#waive_key", "setup_call")
        page.click("button:has-text('Waive it')")
        assert "Enter why it is waived" in summary(page)
        check_page(page, "actions-14-waiver-refused")
        page.fill("#waiver", "The DCS was on leave; agreed with the SHMI")
        page.click("button:has-text('Waive it')")
        assert "Waived." in banner(page)

        # Calendar changes: nothing would move under the calendar in force.
        page.goto(f"{dashboard}/calendar-changes")
        assert "No open milestone would change" in page.inner_text("main")
        check_page(page, "actions-15-calendar")

        # The programme for London from Monday 4 January 2027 for a year: refused without a region.
        page.goto(f"{dashboard}/programme/plan")
        fill_date(page, "start", "4", "1", "2027")
        page.fill("#years", "1")
        page.click("button:has-text('Plan')")
        assert "Choose a region" in summary(page)
        check_page(page, "actions-16-programme-refused")
        page.select_option("#region", label="London")
        page.click("button:has-text('Plan')")
        heading = page.wait_for_selector("h2:has-text('planned for London')").inner_text()
        check_page(page, "actions-17-programme")
        page.click("button:has-text('Accept')")
        assert f"Registered {heading.split()[0]} activities for London" in banner(page)

        # Cancel the focused visit: a reason is needed; then it is cancelled, and its page says why.
        page.goto(f"{dashboard}/activities/{visit}/cancel")
        check_page(page, "actions-18-cancel")
        page.click("button:has-text('Cancel the activity')")
        assert "Enter why the activity is cancelled" in summary(page)
        check_page(page, "actions-19-cancel-refused")
        page.fill("#reason", "Barnet's SEND inspection falls in the same weeks")
        page.click("button:has-text('Cancel the activity')")
        assert "Cancelled." in banner(page)
        assert "Barnet's SEND inspection falls in the same weeks" in page.inner_text("#cancelled")
        assert page.locator("#next-action").count() == 0  # nothing is next for a cancelled activity
        check_page(page, "actions-20-cancelled")
        browser.close()
    assert not [text for text in console if "Content Security Policy" in text], console
