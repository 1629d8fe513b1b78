"""Every change goes through the unit of work, whichever interface makes it: its rows, its audit entries
and the mail it calls for commit together or not at all, and the after-commit hooks run once after the
commit, never after a rollback. One test per entry point, on SQLite and PostgreSQL.

The hooks are observed by registering a recorder, which reads the store from a connection of its own:
what it sees was committed before it ran. A failure is a real one: a trigger makes the database refuse
writes to one table, part-way through the change."""

from __future__ import annotations

import re
import shlex
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import select

from calendars import LONDON, england_calendar
from interfaces.cli import main
from models.records import (
    Activity,
    AuditEntry,
    FurtherInformationRequest,
    Milestone,
    OutboxMessage,
)
from services.access import accounts
from services.store.database import transaction
from services.store.reference_data import import_contacts, import_staff
from services.tracking import lifecycle
from services.tracking.events import ActivityChanged, FurtherInformationRequested, MailQueued
from services.tracking.unit_of_work import AFTER_COMMIT, UnitOfWork
from tests.helpers import day

pytestmark = pytest.mark.slow  # every entry point end to end, the dashboard's behind argon2 sign-ins

SCHEDULE = "schedule standard-inspection --la E09000002 --onsite 2025-01-13 --lead Ann --as-of 2025-01-02"
NOTIFY = "done 1 notification --at 2025-01-06T09:30 --by Ann --as-of 2025-01-06T09:31"
DCS = "dcs@barking.example.org"
CONTACTS = f"""la_code,role,name,email,valid_from
E09000002,dcs,Dee Director,{DCS},2024-01-01
E09000002,link_person,Lin Link,link@barking.example.org,2024-01-01
"""
STAFF = """name,role,email,ofsted_region
Ann,lead_inspector,ann@example.org,London
Bea,business_support,bea@example.org,London
"""
CHANGED = (Activity, Milestone, FurtherInformationRequest, AuditEntry, OutboxMessage)
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Call:
    """One run of the hooks: the events, and the outbox and audit log as committed when it ran."""

    events: tuple
    outbox: dict[str, str]
    audit: list[str]

    def kinds(self) -> list[type]:
        return [type(e) for e in self.events]

    def queued(self) -> set[str]:
        return {key for e in self.events if isinstance(e, MailQueued) for key in e.keys}


@pytest.fixture
def hooks(store):
    """The after-commit hooks' calls, recorded by a hook registered for the test."""
    calls: list[Call] = []

    def recorder(events) -> None:
        with transaction(store) as session:
            outbox = {m.idempotency_key: m.status for m in session.exec(select(OutboxMessage))}
            audit = [e.action for e in session.exec(select(AuditEntry).order_by(AuditEntry.id))]
        calls.append(Call(tuple(events), outbox, audit))

    AFTER_COMMIT.append(recorder)
    yield calls
    AFTER_COMMIT.remove(recorder)


@pytest.fixture
def people(store):
    with transaction(store) as session:
        import_contacts(session, CONTACTS, source="contacts.csv")
        import_staff(session, STAFF, source="staff.csv")


@contextmanager
def refusing(engine, table: str):
    """The database refuses every insert into and update of `table` while this lasts."""
    postgresql = engine.dialect.name == "postgresql"
    with engine.begin() as connection:
        if postgresql:
            connection.execute(
                text(
                    "CREATE FUNCTION refuse_for_test() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$"
                )
            )
            connection.execute(
                text(
                    f"CREATE TRIGGER refuse_for_test BEFORE INSERT OR UPDATE ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_for_test()"
                )
            )
        else:
            for verb in ("INSERT", "UPDATE"):
                connection.execute(
                    text(
                        f"CREATE TRIGGER refuse_{verb.lower()}_for_test BEFORE {verb} ON {table} "
                        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
                    )
                )
    try:
        yield
    finally:
        with engine.begin() as connection:
            if postgresql:
                connection.execute(text(f"DROP TRIGGER refuse_for_test ON {table}"))
                connection.execute(text("DROP FUNCTION refuse_for_test()"))
            else:
                for verb in ("insert", "update"):
                    connection.execute(text(f"DROP TRIGGER refuse_{verb}_for_test"))


def rows(store) -> dict[str, list]:
    """Every row a change could write, to show that a failed one wrote none of them."""
    with transaction(store) as session:
        return {
            model.__tablename__: [r.model_dump() for r in session.exec(select(model).order_by(model.id))]
            for model in CHANGED
        }


def run(command: str) -> int:
    return main(shlex.split(command))


def refused_whole(store, hooks, table: str, command: str) -> None:
    """`command` fails part-way when `table` refuses writes: nothing it wrote is kept, no hook runs."""
    before = rows(store)
    with refusing(store, table):
        assert run(command) == 1
    assert rows(store) == before
    assert hooks == []


# The command line -------------------------------------------------------------------------------------


def test_cli_record_queues_its_letter_with_the_change_and_wakes_the_sender_after_commit(store, people, hooks):
    assert run(SCHEDULE) == 0
    hooks.clear()
    refused_whole(store, hooks, "outbox_message", NOTIFY)
    assert run(NOTIFY) == 0
    (call,) = hooks
    letter = f"1:notification:letter:{DCS}"
    assert call.kinds() == [ActivityChanged, MailQueued] and letter in call.queued()
    assert call.outbox[letter] == "queued" and call.audit[-1] == "record"


def test_cli_annex_b_request_sends_the_request_to_the_la_in_its_own_transaction(store, people, hooks):
    assert run(SCHEDULE) == 0 and run(NOTIFY) == 0
    hooks.clear()
    add = (
        "request add 1 --by Ann --type case-information --what case-file --why line-of-enquiry-3 "
        "--required-by 2025-01-15T12:00 --as-of 2025-01-14T10:00"
    )
    refused_whole(store, hooks, "outbox_message", add)
    assert run(add) == 0
    (call,) = hooks
    key = f"1:further_information_1:letter:{DCS}"
    assert call.kinds() == [FurtherInformationRequested, MailQueued] and call.queued() == {key}
    assert call.outbox[key] == "queued" and call.audit[-1] == "further_information"
    with transaction(store) as session:
        request = session.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).one()
    assert request.subject == "Further information requested: standard inspection of Barking and Dagenham"
    assert request.cc == ["link@barking.example.org"]
    assert request.not_before == datetime(2025, 1, 14, 10, 0, tzinfo=LONDON)  # at once, in working hours
    assert "case-file" in request.body_text and "Wednesday 15 January 2025 at midday" in request.body_text


def test_cli_annex_b_answer_stops_its_reminder_in_its_own_transaction(store, people, hooks):
    assert run(SCHEDULE) == 0 and run(NOTIFY) == 0
    add = (
        "request add 1 --by Ann --type general --what case-file --why line-of-enquiry-3 "
        "--required-by 2025-01-15T12:00 --as-of 2025-01-14T10:00"
    )
    assert run(add) == 0
    assert run("sweep --as-of 2025-01-15T07:00") == 0  # the day's reminder, for 08:00
    reminder = f"1:further_information_1:due:{DCS}"
    assert rows(store)["outbox_message"][-1]["idempotency_key"] == reminder
    hooks.clear()
    answer = "request answer 1 1 --response sent --by Lin --at 2025-01-15T07:20 --as-of 2025-01-15T07:30"
    refused_whole(store, hooks, "outbox_message", answer)
    assert run(answer) == 0
    (call,) = hooks
    assert isinstance(call.events[0], ActivityChanged)
    assert call.events[0].reason == "further_information_1 answered"
    assert call.outbox[reminder] == "cancelled" and call.audit[-1] == "further_information_answered"


def test_cli_import_history_commits_its_activities_with_their_audit_entry(store, hooks, tmp_path):
    history = tmp_path / "history.csv"
    history.write_text(
        "la_code,activity_type,onsite_start,fieldwork_end,draft_letter_sent\n"
        "E09000002,focused-visit,2025-02-04,2025-02-05,2025-02-12\n",
        encoding="utf-8",
    )
    command = f"import history {history} --by Bea --as-of 2025-06-01"
    refused_whole(store, hooks, "audit_entry", command)
    assert run(command) == 0
    (call,) = hooks
    assert call.events == () and call.audit[-1] == "import_history"
    assert [a["status"] for a in rows(store)["activity"]] == ["historic"]


def test_cli_programme_accept_registers_the_whole_plan_or_nothing(store, hooks):
    command = "programme accept --from 2026-11-23 --years 1 --region London --by Bea --as-of 2026-11-23"
    refused_whole(store, hooks, "audit_entry", command)
    assert run(command) == 0
    (call,) = hooks
    registered = len(rows(store)["activity"])
    assert registered > 1 and call.events == () and call.audit.count("schedule") == registered


def test_cli_calendar_apply_tells_the_lead_inspector_of_the_moved_dates(
    store, people, hooks, tmp_path, monkeypatch
):
    assert run(SCHEDULE) == 0
    hooks.clear()
    closures = tmp_path / "closures.toml"
    closures.write_text('[[closure]]\ndate = 2025-02-06\nname = "Ofsted closure (test)"\n', encoding="utf-8")
    monkeypatch.setenv("ILACS_CLOSURES_FILE", str(closures))
    england_calendar.cache_clear()
    try:
        command = "calendar apply --by Bea --as-of 2025-01-03"
        refused_whole(store, hooks, "outbox_message", command)
        assert run(command) == 0
    finally:
        monkeypatch.delenv("ILACS_CLOSURES_FILE")
        england_calendar.cache_clear()
    (call,) = hooks
    (changed,) = [e for e in call.events if isinstance(e, ActivityChanged)]
    assert "draft_report_sent" in {row.key for row, _ in changed.moved}
    (dates_changed,) = [k for k in call.queued() if ":dates_changed:" in k]
    assert dates_changed.endswith(":ann@example.org")  # the DCS is not told before the notification
    assert call.outbox[dates_changed] == "queued" and call.audit[-1] == "calendar"


# The dashboard ----------------------------------------------------------------------------------------


@pytest.fixture
def dashboard(store, database_url, people, monkeypatch):
    """Bea (business support) signed in; a standard inspection on site Monday 9 June 2025, led by Ann.
    Errors are answered as the 500 page, as a browser would see them."""
    from interfaces.web.app import create_app

    monkeypatch.setenv("ILACS_SECRET_KEY", "test-secret-key-for-the-unit-of-work-tests")
    now = datetime(2025, 1, 2, 9, 0, tzinfo=LONDON)
    with transaction(store) as session:
        accounts.add_user(
            session, username="bea", name="Bea", role="business_support", password=PASSWORD, now=now
        )
        lifecycle.schedule(
            session,
            activity_type="standard-inspection",
            la_code="E09000002",
            onsite=day("Monday 2025-06-09"),
            lead="Ann",
            actor="Bea",
            now=now,
            calendar=england_calendar(),
        )
    app = create_app(database_url=database_url, loopback=True)
    with TestClient(app, raise_server_exceptions=False) as client:
        page = client.get("/sign-in").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        client.post("/sign-in", data={"username": "bea", "password": PASSWORD, "csrf_token": token})
        client.token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)
        yield client


def posted_whole(store, hooks, table: str, client: TestClient, url: str, data: dict) -> None:
    """The form fails part-way when `table` refuses writes: the 500 page, nothing kept, no hook run."""
    before = rows(store)
    with refusing(store, table):
        assert client.post(url, data={**data, "csrf_token": client.token}).status_code == 500
    assert rows(store) == before
    assert hooks == []


def test_dashboard_record_queues_its_letter_and_wakes_the_sender_like_the_command_line(
    store, dashboard, hooks
):
    form = {"key": "notification", "at-day": "2", "at-month": "6", "at-year": "2025", "at-time": "9:30am"}
    posted_whole(store, hooks, "outbox_message", dashboard, "/activities/1/actual", form)
    response = dashboard.post("/activities/1/actual", data={**form, "csrf_token": dashboard.token})
    assert response.status_code == 200 and "Recorded: notification" in response.text
    (call,) = hooks
    letter = f"1:notification:letter:{DCS}"
    assert call.kinds() == [ActivityChanged, MailQueued] and letter in call.queued()
    assert call.outbox[letter] == "queued" and call.audit[-1] == "record"


def test_dashboard_defer_sends_dates_changed_and_wakes_the_sender(store, dashboard, hooks):
    form = {"to-day": "16", "to-month": "6", "to-year": "2025", "reason": "weather"}  # a Monday
    posted_whole(store, hooks, "outbox_message", dashboard, "/activities/1/defer", form)
    response = dashboard.post("/activities/1/defer", data={**form, "csrf_token": dashboard.token})
    assert response.status_code == 200 and "Deferred to Monday 16 June 2025" in response.text
    (call,) = hooks
    assert (
        call.kinds()[0] == ActivityChanged and call.events[0].reason == "deferred: serious weather conditions"
    )
    (dates_changed,) = [k for k in call.queued() if ":dates_changed:" in k]
    assert dates_changed.endswith(":ann@example.org") and call.outbox[dates_changed] == "queued"
    assert call.audit[-1] == "defer"


def test_dashboard_resend_is_audited_with_it_and_wakes_the_sender(store, dashboard, hooks):
    key = f"1:notification:letter:{DCS}"
    with transaction(store) as session:
        session.add(
            OutboxMessage(
                idempotency_key=key,
                activity_id=1,
                milestone_key="notification",
                stage="letter",
                recipient_email=DCS,
                recipient_name="Dee Director",
                recipient_role="dcs",
                subject="Confirmation",
                body_text="x",
                body_html="x",
                status="failed",
                attempts=12,
                not_before=datetime(2025, 6, 2, 10, tzinfo=LONDON),
                created_at=datetime(2025, 6, 2, 10, tzinfo=LONDON),
            )
        )
    posted_whole(store, hooks, "audit_entry", dashboard, "/outbox/1/resend", {})
    response = dashboard.post("/outbox/1/resend", data={"csrf_token": dashboard.token})
    assert response.status_code == 200 and "Queued again: Confirmation" in response.text
    (call,) = hooks
    assert call.events == (MailQueued((key,)),)
    assert call.outbox[key] == "queued" and call.audit[-1] == "resend"


# The unit of work itself -----------------------------------------------------------------------------


def test_a_failing_hook_neither_undoes_the_commit_nor_stops_the_hooks_after_it(store, hooks, caplog):
    def broken(_events) -> None:
        raise RuntimeError("no server")

    AFTER_COMMIT.insert(0, broken)
    try:
        with UnitOfWork(store) as uow:
            accounts.add_user(
                uow.session,
                username="cat",
                name="Cat",
                role="viewer",
                password=PASSWORD,
                now=datetime.now(LONDON),
            )
    finally:
        AFTER_COMMIT.remove(broken)
    assert len(hooks) == 1 and "after-commit hook broken failed: RuntimeError: no server" in caplog.text
    with transaction(store) as session:
        assert accounts.authenticate(session, "cat", PASSWORD) is not None
