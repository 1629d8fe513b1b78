"""The dashboard's lists: find (search, filters, sort, pages), local authorities, Today's sections and
counts, the urgency tags, and the exports that honour the filters (FastAPI's test client, real store)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from calendars import LONDON, england_calendar
from services.reports import queries, worklists
from services.store.database import transaction
from services.tracking import lifecycle
from tests.dashboard import CREATED, sign_in
from tests.helpers import day

pytestmark = pytest.mark.slow  # sign-ins check argon2 hashes

BARKING = "Barking and Dagenham standard inspection, 9 June 2025"
BIRMINGHAM = "Birmingham monitoring visit, 8 December 2026"


@pytest.fixture
def two_activities(staff_and_inspection):
    """Ann Lead's inspection at Barking and Dagenham (London, June 2025, long overdue) and Ian Other's
    monitoring visit at Birmingham (West Midlands), on site Tuesday 8 December 2026."""
    with transaction(staff_and_inspection) as session:
        lifecycle.schedule(
            session,
            activity_type="monitoring-visit",
            la_code="E08000025",
            onsite=day("Tuesday 2026-12-08"),
            lead="Ian Other",
            actor="Bea",
            now=CREATED,
            calendar=england_calendar(),
        )
    return staff_and_inspection


@pytest.fixture
def site(two_activities, database_url, monkeypatch):
    from interfaces.web.app import create_app

    monkeypatch.setenv("ILACS_SECRET_KEY", "test-secret-key-for-the-dashboard-tests")
    with TestClient(create_app(database_url=database_url, loopback=True)) as client:
        yield client


def test_find_searches_filters_sorts_and_names_what_each_link_opens(site):
    sign_in(site, "vic")
    everything = site.get("/activities").text
    assert BARKING in everything and BIRMINGHAM in everything and "Showing 1 to 2 of 2" in everything
    by_lead = site.get("/activities?q=ian+oth").text
    assert BIRMINGHAM in by_lead and BARKING not in by_lead
    by_code = site.get("/activities?q=e09000002").text
    assert BARKING in by_code and BIRMINGHAM not in by_code
    assert BIRMINGHAM in site.get("/activities?q=%232").text  # "#2", the activity's number
    planned = site.get("/activities?status=planned&region=West+Midlands").text
    assert BIRMINGHAM in planned and "Showing only Region: West Midlands, Status: planned" in planned
    dated = site.get("/activities?from-day=1&from-month=1&from-year=2026").text
    assert BIRMINGHAM in dated and BARKING not in dated
    newest_first = site.get("/activities?sort=onsite&order=descending").text
    assert newest_first.index(BIRMINGHAM) < newest_first.index(BARKING)
    assert 'aria-sort="descending"' in newest_first
    assert "% literally" not in site.get("/activities?q=%25").text  # a LIKE wildcard is matched as text


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("type=monitoring-vist", "#type", "did you mean"),
        ("region=Londn", "#region", "Unknown region"),
        ("status=open", "#status", "Unknown status"),
        ("from-day=31&from-month=2&from-year=2026", "#from-day", "must be a real date"),
        (
            "from-day=2&from-month=2&from-year=2026&to-day=1&to-month=2&to-year=2026",
            "#to-day",
            "same as or after",
        ),
    ],
)
def test_a_misspelt_filter_is_a_govuk_error_not_an_empty_list(site, query, field, words):
    sign_in(site, "vic")
    response = site.get(f"/activities?{query}")
    assert response.status_code == 400
    assert response.text.count('class="govuk-error-summary"') == 1
    assert f'href="{field}"' in response.text and words in response.text
    assert "govuk-error-message" in response.text  # the inline error on the field too
    assert BARKING not in response.text


def test_today_counts_first_and_refuses_a_misspelt_filter(site):
    sign_in(site, "bea")
    page = site.get("/").text
    assert page.index("overdue</a>") < page.index('id="overdue"')  # the counts come before the lists
    assert "Overdue by" in page and "govuk-tag--red" in page and BARKING in page
    wrong = site.get("/?type=focussed-visit")
    assert wrong.status_code == 400 and 'href="#type"' in wrong.text and "govuk-error-message" in wrong.text
    # the types offered come from the catalogue, every one of them
    assert 'value="focused-visit"' in page and 'value="standard-inspection"' in page


def test_exports_honour_the_filters_on_screen(site):
    from openpyxl import load_workbook

    sign_in(site, "vic")
    response = site.get("/exports/activities.csv?region=West+Midlands")
    raw = response.content
    assert raw.startswith("\ufeff".encode()) and b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Activity id", "Local authority", "ONS code"]
    assert [r[1] for r in rows[1:]] == ["Birmingham"]
    book = load_workbook(io.BytesIO(site.get("/exports/activities.xlsx?q=barking").content))
    sheet = book["Activities"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:I2"
    assert sheet["B2"].value == "Barking and Dagenham"
    assert sheet["F2"].value == datetime(2025, 6, 9)  # a real date cell, not text
    due = load_workbook(io.BytesIO(site.get("/exports/due.xlsx?region=London").content))
    assert due.sheetnames == ["Overdue", "Due today", "Due in the next 5 working days"]
    first = due["Overdue"]["B2"].value
    # the notification call, Monday 2 June 2025 at 9:30am London time (BST), as London wall-clock time
    assert first == datetime(2025, 6, 2, 9, 30)
    assert site.get("/exports/due.csv?region=Nowhere").status_code == 400


def test_local_authorities_show_region_pathway_judgement_and_next_activity(site):
    sign_in(site, "vic")
    page = site.get("/las").text
    assert "Barking and Dagenham" in page and "Pathway" in page and BIRMINGHAM in page
    only = site.get("/las?region=West+Midlands").text
    assert "Birmingham" in only and "Barking and Dagenham" not in only
    assert site.get("/las?region=Mars").status_code == 400


def test_pages_and_counts_are_taken_in_sql(two_activities):
    """One row a page: two pages, and the count says two whichever page is asked for."""
    now = datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)
    with transaction(two_activities) as session:
        first = worklists.find_activities(session, worklists.ActivitySearch(), today=now.date(), per_page=1)
        second = worklists.find_activities(
            session, worklists.ActivitySearch(), today=now.date(), number=2, per_page=1
        )
        late = worklists.today_section(
            session, "overdue", as_of=now, calendar=england_calendar(), filters=queries.Filters(), per_page=3
        )
        every_late = queries.overdue(session, as_of=now, filters=queries.Filters())
    assert (first.total, first.pages, second.number) == (2, 2, 2)
    assert [a.onsite for a, _, _ in first.rows + second.rows] == [
        day("Monday 2025-06-09"),
        day("Tuesday 2026-12-08"),
    ]
    assert late.total == len(every_late) and len(late.rows) == 3
    assert [i.milestone.key for i in late.rows] == [i.milestone.key for i in every_late[:3]]


def test_an_empty_deferral_names_both_fields_and_changes_nothing(site):
    token = sign_in(site, "bea")
    empty = {"to-day": "", "to-month": "", "to-year": "", "csrf_token": token}
    response = site.post("/activities/1/defer", data=empty)
    assert response.status_code == 400 and response.text.count('class="govuk-error-summary"') == 1
    assert 'href="#to-day"' in response.text and 'href="#reason"' in response.text
    for message in ("Enter the new first day on site", "Select why the activity is deferred"):
        assert response.text.count(message) == 2  # in the summary and beside the field
    assert "Monday 9 June 2025 to Friday 20 June 2025" in site.get("/activities/1").text


def test_a_local_authority_page_lists_its_contacts_in_a_summary_list(site, two_activities):
    from models.records import Contact, LocalAuthority

    with transaction(two_activities) as session:
        birmingham = session.exec(select(LocalAuthority).where(LocalAuthority.ons_code == "E08000025")).one()
        session.add(
            Contact(
                la_id=birmingham.id,
                role="dcs",
                name="Dee Director",
                email="dcs@example.org",
                valid_from=date(2024, 1, 1),
            )
        )
    sign_in(site, "vic")
    page = site.get("/la/E08000025").text
    assert (
        "govuk-summary-list__key" in page
        and "Dee Director" in page
        and 'href="mailto:dcs@example.org"' in page
    )
    assert BIRMINGHAM in page  # its history, each activity named


def test_the_activity_page_shows_its_next_action_and_milestones_in_date_order(site):
    """Nothing is recorded on the Barking inspection (on site Monday 9 June 2025), so its next action is
    its first milestone, the notification call on Monday 2 June at 9:30am, long overdue; publication
    comes last."""
    sign_in(site, "vic")
    page = site.get("/activities/1").text
    next_action = page[page.index('id="next-action"') : page.index("</div>", page.index('id="next-action"'))]
    assert "Notification call to the DCS" in next_action and "Monday 2 June 2025 at 9:30am" in next_action
    assert "govuk-tag--red" in next_action and "Overdue by" in next_action
    table = page[page.index("Milestones in date order") :]
    assert (
        table.index("Notification call to the DCS")
        < table.index("Set-up call")
        < table.index("Report published")
    )
    assert '<h1 class="govuk-heading-l">Barking and Dagenham standard inspection, 9 June 2025</h1>' in page
