"""The national contacts screen in a real browser (Debian's Chromium under Playwright): the list, a
refused addition (the GOV.UK error summary), an addition, ending it; each page screenshotted into
test-output/ and checked by axe-core for WCAG A/AA."""

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
    server, thread = start_dashboard(port)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_business_support_add_and_end_a_national_contact_in_the_browser(dashboard):
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        page.goto(f"{dashboard}/sign-in")
        page.fill("#username", "bea")
        page.fill("#password", PASSWORD)
        page.click("button:has-text('Sign in')")
        page.wait_for_url(f"{dashboard}/")

        page.click("a:has-text('National contacts')")
        page.wait_for_url(f"{dashboard}/national-contacts")
        check_page(page, "national-01-empty")

        page.fill("#organisation", "Department for Education")
        page.fill("#name", "Inspections and interventions")
        page.fill("#email", "dfe.team@example.org")
        fill_date(page, "valid_from", "1", "4", "2026")
        page.click("button:has-text('Add the contact')")
        assert "Choose whether it is the DfE" in page.wait_for_selector(".govuk-error-summary").inner_text()
        assert page.input_value("#email") == "dfe.team@example.org"  # what was typed is kept
        check_page(page, "national-02-refused")

        page.check("#role")
        page.click("button:has-text('Add the contact')")
        banner = page.wait_for_selector(".govuk-notification-banner").inner_text()
        assert "Added Inspections and interventions (Department for Education) from 1 April 2026" in banner
        check_page(page, "national-03-added")

        page.click("a[href$='/end']")
        check_page(page, "national-04-end")
        fill_date(page, "valid_to", "31", "3", "2026")
        page.click("button:has-text('End the contact')")
        assert "before its first day" in page.wait_for_selector(".govuk-error-summary").inner_text()
        check_page(page, "national-05-end-refused")
        fill_date(page, "valid_to", "30", "9", "2026")
        page.click("button:has-text('End the contact')")
        banner = page.wait_for_selector(".govuk-notification-banner").inner_text()
        assert "copied in until 30 September 2026" in banner
        check_page(page, "national-06-ended")
        browser.close()
