"""The dashboard's actions over HTTP (interfaces/web/actions.py): who may use each, CSRF on every form,
every bad input answered by one GOV.UK error summary with nothing changed, and each change made by the
same service as the command line, audited with the signed-in user.

Activity 1 is Ann Lead's standard inspection at Barking and Dagenham, on site Monday 9 June 2025 to
Friday 20 June 2025 (tests/dashboard.py)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from calendars import LONDON
from models.records import (
    Activity,
    ActivityNote,
    AuditEntry,
    FurtherInformationRequest,
    Milestone,
    OutboxMessage,
)
from models.states import ActivityStatus
from services.store.database import transaction
from tests.dashboard import add_activity, sign_in

pytestmark = pytest.mark.slow  # argon2 sign-ins, a real store on SQLite and PostgreSQL

REASON = "The SEND inspection overlaps"
DAY = {"at-day": "2", "at-month": "6", "at-year": "2025", "at-time": "9:30am"}  # Monday 2 June 2025
# Every form, with input it accepts: (path, form). The activity's forms, then business support's own.
FORMS = {
    "cancel": ("/activities/1/cancel", {"reason": REASON}),
    "note": ("/activities/1/notes", {"note": "Spoke to the DCS"}),
    "undo": ("/activities/1/undo", {"key": "notification", "reason": "recorded against the wrong day"}),
    "record": ("/record", {"items": "1:notification", **DAY}),
    "outcome": ("/activities/1/outcome", {"overall_effectiveness": "good"}),
    "request": (
        "/activities/1/requests",
        {
            "type": "general",
            "what": "Supervision records",
            "why": "To test supervision",
            "required_by-day": "17",
            "required_by-month": "6",
            "required_by-year": "2025",
            "required_by-time": "12:00",
        },
    ),
    "answer": (
        "/activities/1/requests/answer",
        {
            "number": "1",
            "response": "Sent",
            "answered-day": "2",
            "answered-month": "6",
            "answered-year": "2025",
        }
        | {"answered-time": "10:00"},
    ),
    "compliance": (
        "/activities/1/compliance",
        {"waive_key": "notification", "change": "waive", "waiver": "Agreed"},
    ),
    "register": (
        "/activities/new",
        {"type": "focused-visit", "la": "E09000003", "onsite-day": "7", "onsite-month": "10"}
        | {"onsite-year": "2025", "lead": "Ann Lead"},
    ),
    "calendar": ("/calendar-changes", {}),
    "programme": (
        "/programme/plan",
        {"region": "London", "start-day": "5", "start-month": "1", "start-year": "2026", "years": "1"},
    ),
}
BUSINESS_SUPPORT_ONLY = ("register", "calendar", "programme")


@pytest.fixture
def site(staff_and_inspection, database_url, monkeypatch):
    from interfaces.web.app import create_app

    monkeypatch.setenv("ILACS_SECRET_KEY", "test-secret-key-for-the-dashboard-tests")
    with TestClient(create_app(database_url=database_url, loopback=True)) as client:
        yield client


def state(store) -> tuple:
    """Everything an action could change: row counts and every milestone's dates and waiver."""
    with transaction(store) as session:
        counts = tuple(
            session.exec(select(func.count()).select_from(table)).one()
            for table in (Activity, AuditEntry, OutboxMessage, ActivityNote, FurtherInformationRequest)
        )
        rows = tuple(
            (m.activity_id, m.key, m.actual, m.forecast, m.waived_reason, m.variance_reason)
            for m in session.exec(select(Milestone).order_by(Milestone.id))
        )
        statuses = tuple(a.status for a in session.exec(select(Activity).order_by(Activity.id)))
    return counts, rows, statuses


def post(client: TestClient, token: str, name: str, follow_redirects: bool = False, **changes):
    path, form = FORMS[name]
    return client.post(path, data={**form, **changes, "csrf_token": token}, follow_redirects=follow_redirects)


def one_error_summary(response, *messages: str, inline: bool = True) -> None:
    assert response.status_code == 400
    page = response.text
    assert page.count('class="govuk-error-summary"') == 1
    summary = page[page.index('class="govuk-error-summary"') :]
    for message in messages:
        assert message in summary, message
    if inline:  # and beside each field
        assert page.count('class="govuk-error-message"') >= len(messages)


def last_entry(store) -> AuditEntry:
    with transaction(store) as session:
        return session.exec(select(AuditEntry).order_by(AuditEntry.id.desc())).first()


def test_a_viewer_reads_but_can_use_no_form(site, store):
    token = sign_in(site, "vic")
    assert site.get("/activities/1/history").status_code == 200
    assert "Add the note" not in site.get("/activities/1/history").text
    assert "Cancel the activity" not in site.get("/activities/1").text
    for path in ("/activities/1/cancel", "/activities/1/undo", "/activities/new", "/calendar-changes"):
        assert site.get(path).status_code == 403, path
    before = state(store)
    for name in FORMS:
        assert post(site, token, name).status_code == 403, name
    assert state(store) == before


def test_an_inspector_changes_only_the_activities_they_lead(site, store):
    token = sign_in(site, "ian")
    before = state(store)
    for name in FORMS:
        assert post(site, token, name).status_code == 403, name
    assert state(store) == before
    site.cookies.clear()
    token = sign_in(site, "ann")
    for name in BUSINESS_SUPPORT_ONLY:
        assert post(site, token, name).status_code == 403, name
    assert state(store) == before
    response = post(site, token, "note", follow_redirects=True)
    assert response.status_code == 200 and "Spoke to the DCS" in response.text
    assert last_entry(store).actor == "Ann Lead"


def test_every_form_refuses_a_forged_or_missing_token(site, store):
    sign_in(site, "bea")
    before = state(store)
    for name, (path, form) in FORMS.items():
        assert site.post(path, data={**form, "csrf_token": "forged"}).status_code == 403, name
        assert site.post(path, data=form).status_code == 403, name
    assert state(store) == before


PRECONDITION = {"undo": "record", "answer": "request"}  # a recorded date to take back; a request to answer
BAD = [  # (form, what is changed in its good input, the messages the summary gives)
    ("cancel", {"reason": "  "}, ["Enter why the activity is cancelled"]),
    ("note", {"note": ""}, ["Enter the note"]),
    ("undo", {"key": "", "reason": ""}, ["Choose the milestone", "Enter why the recorded date is wrong"]),
    ("undo", {"key": "setup_call"}, ["has no recorded actual for &#39;setup_call&#39; to undo"]),
    ("record", {"at-day": "31", "at-month": "2"}, ["The date they happened must be a real date"]),
    ("record", {"at-day": "", "at-month": "", "at-year": ""}, ["Enter the date they happened"]),
    ("record", {"at-time": "25:00"}, ["The time they happened must be a real time"]),
    ("record", {"items": ""}, ["Choose at least one milestone"]),
    ("record", {"at-year": "2060"}, ["cannot be recorded as done in the future"]),
    ("outcome", {"overall_effectiveness": ""}, ["Choose at least one judgement"]),
    ("outcome", {"overall_effectiveness": "brilliant"}, ["Grade &#39;brilliant&#39; is not one of"]),
    ("request", {"type": "", "what": " "}, ["Choose the type", "Enter what is requested"]),
    ("request", {"required_by-year": ""}, ["The date it is needed by must include a year"]),
    ("answer", {"number": "2"}, ["Activity 1 has no further-information request 2"]),
    ("answer", {"number": "", "response": ""}, ["Choose the request", "Enter the local authority"]),
    (
        "compliance",
        {"change": "variance", "key": "notification", "code": "bogus"},
        ["Variance reason &#39;bogus&#39;"],
    ),
    ("compliance", {"change": "variance", "key": ""}, ["Choose the milestone", "Choose why it was late"]),
    ("compliance", {"waive_key": "", "waiver": ""}, ["Choose the milestone", "Enter why it is waived"]),
    ("register", {"type": "", "onsite-day": "", "onsite-month": "", "onsite-year": ""}, ["Choose the type"]),
    ("register", {"onsite-month": "13"}, ["The first day on site must be a real date"]),
    ("register", {"la": "E09999999"}, ["No local authority with ONS code"]),
    ("programme", {"region": "Atlantis", "years": "9"}, ["Choose a region", "from 1 to 5"]),
]


@pytest.mark.parametrize(("name", "changes", "messages"), BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_gives_one_error_summary_and_changes_nothing(site, store, name, changes, messages):
    token = sign_in(site, "bea")
    if name in PRECONDITION:  # what the form needs before it is shown at all
        assert post(site, token, PRECONDITION[name]).status_code == 303
    before = state(store)
    one_error_summary(post(site, token, name, **changes), *messages)
    assert state(store) == before


def test_several_milestones_are_recorded_together_or_not_at_all(site, store):
    token = sign_in(site, "bea")
    before = state(store)
    response = site.post(
        "/record", data={"items": ["1:notification", "1:no_such_milestone"], **DAY, "csrf_token": token}
    )
    one_error_summary(
        response, "Activity 1, no_such_milestone: activity 1 (standard-inspection) has no milestone"
    )
    assert state(store) == before
    response = site.post(
        "/record",
        data={"items": ["1:notification", "1:confirmation_email"], **DAY, "csrf_token": token},
        follow_redirects=True,
    )
    assert "Recorded 2 milestones as happening on Monday 2 June 2025 at 9:30am" in response.text
    with transaction(store) as session:
        done = {m.key: m for m in session.exec(select(Milestone).where(Milestone.actual.is_not(None)))}
    assert set(done) == {"notification", "confirmation_email"}
    assert all(m.recorded_by == "Bea Support" for m in done.values())


def test_cancel_from_the_dashboard_is_audited_and_shown(site, store):
    token = sign_in(site, "bea")
    page = post(site, token, "cancel", follow_redirects=True).text
    assert "Cancelled." in page and "Cancelled by Bea Support" in page and REASON in page
    with transaction(store) as session:
        assert session.get(Activity, 1).status == ActivityStatus.CANCELLED
    entry = last_entry(store)
    assert (entry.action, entry.actor, entry.reason) == ("cancel", "Bea Support", REASON)
    history = site.get("/activities/1/history").text
    assert "Cancelled" in history and REASON in history
    one_error_summary(
        post(site, token, "cancel"), "Activity 1 is cancelled, so it cannot be cancelled", inline=False
    )  # no form


def test_a_note_and_an_undone_date_appear_in_the_history_with_the_emails(site, store):
    token = sign_in(site, "bea")
    post(site, token, "record")
    assert post(site, token, "note", note="Spoke to the DCS\r\nabout the dates").status_code == 303
    assert post(site, token, "undo").status_code == 303
    with transaction(store) as session:
        note = session.exec(select(ActivityNote)).one()
        mail = session.exec(select(OutboxMessage)).first()
    assert (note.text, note.written_by) == ("Spoke to the DCS\nabout the dates", "Bea Support")
    history = site.get("/activities/1/history").text
    order = [history.index(s) for s in ("Recorded date taken back", "Spoke to the DCS", "Recorded<")]
    assert order == sorted(order)  # newest first
    if mail is not None:  # contacts on record: the email's body can be read
        assert f'href="/emails/{mail.id}"' in history
        assert mail.body_text.splitlines()[0] in site.get(f"/emails/{mail.id}").text


def test_register_shows_the_dates_then_registers_what_was_shown(site, store):
    """A focused visit at Barnet on site Tuesday 7 October 2025: notification on Tuesday 30 September
    09:30 (five working days before), publication on Thursday 30 October (by `ilacs timeline`)."""
    token = sign_in(site, "bea")
    before = state(store)
    preview = post(site, token, "register")
    assert preview.status_code == 200 and state(store) == before
    assert "on site Tuesday 7 October 2025 to Wednesday 8 October 2025" in preview.text
    assert "Tuesday 30 September 2025 at 9:30am" in preview.text
    fingerprint = re.search(r'name="confirm" value="([^"]+)"', preview.text).group(1)
    changed = post(
        site, token, "register", confirm=fingerprint, lead="Ian Other"
    )  # changed after the preview
    assert changed.status_code == 200 and state(store)[0] == before[0]
    response = post(site, token, "register", confirm=fingerprint, follow_redirects=True)
    assert "Registered." in response.text and "Barnet" in response.text
    with transaction(store) as session:
        new = session.exec(select(Activity).order_by(Activity.id.desc())).first()
    assert (new.activity_type, new.lead_inspector) == ("focused-visit", "Ann Lead")
    assert last_entry(store).actor == "Bea Support"


def test_register_refuses_a_clash_and_a_closed_period_unless_overridden(site, store):
    """Activity 1 is on site at Barking and Dagenham from Monday 9 June 2025: another there on Monday
    16 June clashes. A standard inspection on Monday 22 December 2025 falls in the Christmas period."""
    token = sign_in(site, "bea")
    before = state(store)
    clash = {"type": "standard-inspection", "la": "E09000002", "onsite-day": "16", "onsite-month": "6"}
    one_error_summary(post(site, token, "register", **clash), "Clashes with activity 1")
    christmas = {"type": "standard-inspection", "onsite-day": "22", "onsite-month": "12"}
    refused = post(site, token, "register", **christmas)
    one_error_summary(refused, "give a reason to override")
    assert state(store) == before
    preview = post(site, token, "register", **christmas, override="The LA asked for it")
    assert preview.status_code == 200 and "Register it" in preview.text


def test_outcome_request_answer_waiver_calendar_and_programme(site, store):
    token = sign_in(site, "bea")
    assert post(site, token, "outcome").status_code == 303
    assert last_entry(store).action == "judgements"
    assert post(site, token, "request").status_code == 303
    assert "Supervision records" in site.get("/activities/1/requests").text
    assert post(site, token, "answer").status_code == 303
    assert post(site, token, "compliance").status_code == 303
    with transaction(store) as session:
        request = session.exec(select(FurtherInformationRequest)).one()
        notification = session.exec(select(Milestone).where(Milestone.key == "notification")).one()
    assert (request.response, notification.waived_reason, notification.waived_by) == (
        "Sent",
        "Agreed",
        "Bea Support",
    )
    assert "No open milestone would change" in site.get("/calendar-changes").text
    assert "0 open milestones recomputed" in post(site, token, "calendar", follow_redirects=True).text
    plan = site.get("/programme/plan", params=FORMS["programme"][1])
    assert plan.status_code == 200 and "planned for London" in plan.text
    count = int(re.search(r"(\d+) planned for London", plan.text).group(1))
    accepted = post(site, token, "programme", follow_redirects=True)
    assert f"Registered {count} activities for London" in accepted.text


def test_concerns_about_other_agencies_bring_the_partner_letters_as_on_the_command_line(site, store):
    """¶233-234 from the outcome form: the same service as `ilacs outcome --partner-concerns`, so the
    flag, the milestone and the audit entry under the signed-in user. Activity 1's fieldwork ends Friday
    20 June 2025; the draft report goes ten working days later, Friday 4 July 2025 (BST), and the
    letters are due that day."""
    token = sign_in(site, "bea")
    form = site.get("/activities/1/outcome").text
    assert "concerns about the practice of other agencies" in form
    assert post(site, token, "outcome", overall_effectiveness="", partner_concerns="yes").status_code == 303
    with transaction(store) as session:
        entries = session.exec(select(AuditEntry.action, AuditEntry.actor).where(AuditEntry.activity_id == 1))
        assert ("partner_concerns", "Bea Support") in entries.all()
        assert "partner_concerns" in session.get(Activity, 1).flags
        letters = session.exec(select(Milestone).where(Milestone.key == "partner_inspectorate_letters")).one()
    assert letters.target.astimezone(LONDON).date().isoformat() == "2025-07-04"


def test_a_visit_has_no_concerns_about_other_agencies_to_record(site, store):
    """Letters to partner chief inspectors go with an inspection's draft report (¶234): a focused
    visit's outcome form does not offer them."""
    sign_in(site, "bea")
    visit = add_activity(store, "focused-visit", "E09000003", date(2025, 10, 7))
    form = site.get(f"/activities/{visit}/outcome").text
    assert "The visit found an area for priority action" in form
    assert "concerns about the practice of other agencies" not in form
