"""The dashboard in a real browser: Debian's Chromium, driven by Playwright. Signs in, records an actual,
has a deferral refused (the GOV.UK error summary), defers for weather, downloads an .ics. Screenshots
are saved in test-output/."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from interfaces.service import start_dashboard
from services.store import open_store
from tests.dashboard import PASSWORD, add_staff_and_inspection
from tests.e2e.browser import check_page, fill_date, launch
from tests.helpers import day
from tests.integration.smtp_server import free_port


@pytest.fixture
def dashboard(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'ilacs.db'}"
    monkeypatch.setenv("ILACS_DATABASE_URL", url)
    monkeypatch.setenv("ILACS_SECRET_KEY", "browser-test-secret-key-0123456789")
    add_staff_and_inspection(open_store(url), onsite=day("Monday 2027-06-07"))
    port = free_port()
    server, thread = start_dashboard(port)  # as `make run` serves it
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_staff_sign_in_record_defer_and_download_in_chromium(dashboard, tmp_path):
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_context(accept_downloads=True).new_page()
        console = []
        page.on("console", lambda message: console.append(message.text))
        page.goto(f"{dashboard}/")
        assert page.url.endswith("/sign-in")
        page.fill("#username", "bea")
        page.fill("#password", PASSWORD)
        page.click("button:has-text('Sign in')")
        page.wait_for_url(f"{dashboard}/")
        assert "Today" in page.inner_text("h1")
        font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
        assert "GDS Transport" in font  # GOV.UK Frontend's stylesheet is served and applied
        # under the Content-Security-Policy: the template's inline script ran (it carries the nonce), and
        # GOV.UK Frontend's components were started from /static/ilacs.js
        body = page.evaluate("document.body.className")
        assert "js-enabled" in body and "govuk-frontend-supported" in body
        page.wait_for_selector("button[data-module=govuk-button][data-govuk-button-init]", state="attached")
        check_page(page, "01-today")

        page.goto(f"{dashboard}/activities/1")
        fieldwork = page.locator(".ilacs-day--fieldwork").first
        assert fieldwork.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(29, 112, 184)"
        page.select_option("#key", "notification")
        fill_date(page, "at", "31", "2", "2025")
        page.fill("#at-time", "8:45")
        page.click("button:has-text('Record')")
        summary = page.wait_for_selector(".govuk-error-summary")
        assert "The date it happened must be a real date" in summary.inner_text()
        assert "must be a real date" in page.inner_text("#at-error")  # inline, beside the date
        assert page.input_value("#at-day") == "31" and page.input_value("#at-time") == "8:45"
        check_page(page, "02-record-refused")

        fill_date(page, "at", "2", "1", "2025")  # Thursday 2 January 2025, GMT
        page.fill("#at-time", "8:45am")
        page.click("button:has-text('Record')")
        page.wait_for_selector(".govuk-notification-banner")
        assert "Recorded: notification" in page.inner_text(".govuk-notification-banner")
        assert "Thursday 2 January 2025 at 8:45am" in page.inner_text(".govuk-table")
        check_page(page, "02-recorded")

        page.click("button:has-text('Defer')")  # nothing entered: both fields are named
        summary = page.wait_for_selector(".govuk-error-summary").inner_text()
        assert (
            "Enter the new first day on site" in summary and "Select why the activity is deferred" in summary
        )
        assert "Enter the new first day on site" in page.inner_text("#to-error")
        assert "Select why the activity is deferred" in page.inner_text("#reason-error")
        check_page(page, "03-deferral-empty")

        fill_date(page, "to", "14", "6", "2027")  # Monday 14 June 2027
        page.check("input[name=reason][value=dcs-absence]")
        page.click("button:has-text('Defer')")
        summary = page.wait_for_selector(".govuk-error-summary")
        assert "An inspection is not deferred for the DCS" in summary.inner_text()
        assert [page.input_value(f"#to-{p}") for p in ("day", "month", "year")] == ["14", "6", "2027"]
        check_page(page, "03-deferral-refused")  # what was typed is kept

        page.check("input[name=reason][value=weather]")
        page.click("button:has-text('Defer')")
        page.wait_for_selector(".govuk-notification-banner")
        assert "Deferred to Monday 14 June 2027" in page.inner_text(".govuk-notification-banner")
        assert "Monday 14 June 2027 to Friday 25 June 2027" in page.inner_text(".govuk-summary-list")

        with page.expect_download() as download:
            page.click("a:has-text('Download the key dates')")
        saved = tmp_path / "key-dates.ics"
        download.value.save_as(saved)
        assert "BEGIN:VCALENDAR" in saved.read_text() and "SUMMARY:Report published" in saved.read_text()
        check_page(page, "04-deferred")
        browser.close()
    assert not [text for text in console if "Content Security Policy" in text], console


def test_business_support_find_assign_and_see_my_work_in_chromium(dashboard):
    """Find an activity by searching, have a misspelt filter explained, open it by its name, assign it,
    and (as the officer) find it in My work; every page and error state checked by axe-core."""
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_context().new_page()
        page.goto(f"{dashboard}/sign-in")
        assert "ILACS timelines" in page.inner_text("h1")
        check_page(page, "10-sign-in")
        page.fill("#username", "bea")
        page.fill("#password", PASSWORD)
        page.click("button:has-text('Sign in')")
        page.wait_for_url(f"{dashboard}/")
        page.click(".govuk-service-navigation a:has-text('Activities')")
        page.fill("#q", "barking")
        page.click("button:has-text('Search')")
        assert "Showing only Search: barking" in page.inner_text("main")
        check_page(page, "11-activities")
        page.goto(f"{dashboard}/activities?type=standard-inspectoin")
        assert "did you mean 'standard-inspection'" in page.inner_text(".govuk-error-summary")
        check_page(page, "12-activities-misspelt-filter")
        page.goto(f"{dashboard}/activities?from-day=31&from-month=2&from-year=2027")
        assert "must be a real date" in page.inner_text(".govuk-error-summary")
        check_page(page, "13-activities-impossible-date")
        page.goto(f"{dashboard}/las")
        check_page(page, "14-local-authorities")
        page.goto(f"{dashboard}/activities")
        page.click("a:has-text('Barking and Dagenham standard inspection, 7 June 2027')")
        page.select_option("#officer", "ann")
        page.click("button:has-text('Assign')")
        page.wait_for_selector(".govuk-notification-banner")
        assert "Ann Lead" in page.inner_text("#assigned + .govuk-summary-list")
        check_page(page, "15-assigned")
        page.goto(f"{dashboard}/?type=focussed-visit")
        assert "did you mean 'focused-visit'" in page.inner_text(".govuk-error-summary")
        check_page(page, "15a-today-misspelt-filter")
        page.click(".govuk-service-navigation a:has-text('Calendar feeds')")
        old_link = page.inner_text("code.ilacs-feed-url >> nth=0")
        page.click("button:has-text('Regenerate') >> nth=0")
        page.wait_for_selector(".govuk-notification-banner")
        assert page.inner_text("code.ilacs-feed-url >> nth=0") != old_link
        check_page(page, "15b-calendar-feeds")
        page.click("button:has-text('Sign out')")
        page.wait_for_url(f"{dashboard}/sign-in")
        page.fill("#username", "ann")
        page.fill("#password", PASSWORD)
        page.click("button:has-text('Sign in')")
        page.wait_for_url(f"{dashboard}/")
        check_page(page, "16-today")
        page.click(".govuk-service-navigation a:has-text('My work')")
        assert "Barking and Dagenham standard inspection, 7 June 2027" in page.inner_text("main")
        check_page(page, "17-my-work")
        browser.close()
