"""Each activity type's Prefect flow, run for real: a task run per milestone, fed by the DAG's edges."""

from __future__ import annotations

import time
from datetime import datetime
from uuid import UUID

import pytest
from sqlmodel import select

from calendars import LONDON, england_calendar
from flows.activity_timeline import flow_for
from models.records import Activity
from models.timeline import template_in_force
from services.store.database import transaction
from tests.helpers import day
from tests.unit.timelines import timeline

pytestmark = pytest.mark.usefixtures("prefect_harness")

CASES = [
    ("standard-inspection", "Monday 2025-12-01", {}, ()),
    ("short-inspection", "Monday 2025-03-03", {"draft_report_sent": "2025-03-24T10:00"}, ()),
    ("focused-visit", "Wednesday 2025-02-05", {}, ("priority_action",)),
    ("monitoring-visit", "Tuesday 2025-03-11", {"data_request": "2025-02-25T09:30"}, ("first_of_series",)),
    ("action-planning-visit", "Wednesday 2025-02-19", {}, ()),
    ("annual-engagement", "Thursday 2025-10-16", {}, ()),
]


@pytest.mark.parametrize(("activity_type", "onsite", "actuals", "flags"), CASES)
def test_each_milestone_is_one_task_run_fed_by_exactly_the_milestones_it_depends_on(
    activity_type, onsite, actuals, flags
):
    actual_times = {k: datetime.fromisoformat(v).replace(tzinfo=LONDON) for k, v in actuals.items()}
    state = flow_for(activity_type)(
        activity_type=activity_type,
        onsite=day(onsite),
        actuals=actual_times,
        flags=list(flags),
        return_state=True,
    )
    assert state.is_completed()
    # the flow's parameters reach `plan`, the loop the preview runs too
    expected = timeline(activity_type, day(onsite), actuals=actual_times, flags=frozenset(flags))
    assert state.result() == expected
    runs = recorded_task_runs(state.state_details.flow_run_id, len(expected.milestones))
    assert sorted(r.name for r in runs) == sorted(m.key for m in expected.milestones)
    assert all(r.state.is_completed() for r in runs)
    run_of = {r.name: r for r in runs}
    template = template_in_force(activity_type, day(onsite), calendar=england_calendar())
    for rule in template.rules_for(frozenset(flags)):
        fed_by = {i.id for inputs in run_of[rule.key].task_inputs.values() for i in inputs}
        assert fed_by == {run_of[key].id for key in rule.depends_on}, rule.key


def recorded_task_runs(flow_run_id: UUID, count: int) -> list:
    """The flow run's task runs once the server holds `count` of them, finished: it records them from
    the events the run sends, a moment after the flow returns."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    deadline = time.monotonic() + 30
    with get_client(sync_client=True) as client:
        while True:
            runs = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
            )
            if (len(runs) >= count and all(r.state and r.state.is_final() for r in runs)) or (
                time.monotonic() > deadline
            ):
                return runs
            time.sleep(0.2)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_schedule_flow_stores_what_the_in_process_path_stores(store):
    from flows.schedule_activity import schedule_activity
    from services.store.database import transaction
    from services.tracking import lifecycle

    now = datetime(2025, 1, 2, 9, 0, tzinfo=LONDON)
    activity_id = schedule_activity(
        activity_type="monitoring-visit",
        la_code="E09000002",
        onsite=day("Tuesday 2025-03-11"),
        lead="Ann",
        flags=["first_of_series"],
        override="",
        actor="Bea",
        now=now,
    )
    expected = timeline("monitoring-visit", day("Tuesday 2025-03-11"), flags=frozenset({"first_of_series"}))
    with transaction(store) as session:
        rows = lifecycle.milestones(session, activity_id)
        assert session.get(Activity, activity_id).flags == ["first_of_series"]
    assert [(r.key, r.target, r.forecast, r.status) for r in rows] == [
        (m.key, m.target, m.forecast, m.status) for m in expected.milestones
    ]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_daily_sweep_flow_sends_nothing_on_a_bank_holiday_but_anchors_the_audit_chain(store):
    from prefect.artifacts import Artifact

    from flows.reminders import daily_sweep
    from services.store import audit

    easter_monday = daily_sweep(as_of=datetime(2025, 4, 21, 7, 0, tzinfo=LONDON))
    assert easter_monday == {"skipped": "not a working day", "audit_entries": 0}
    schedule_activity_in_process(store)
    result = daily_sweep(as_of=datetime(2025, 4, 22, 7, 0, tzinfo=LONDON))
    assert set(result) == {"audit_entries", "queued", "cancelled", "dropped"}  # sending is the sender's
    with transaction(store) as session:
        check = audit.verify(session)
    assert result["audit_entries"] == 1 and check.checkpoint.entries == 1
    assert check.checkpoint.at == "2025-04-22T06:00:00.000000Z"  # 07:00 BST
    artifact = Artifact.get("audit-checkpoint")
    assert check.head in artifact.data and check.checkpoint.signature in artifact.data


def schedule_activity_in_process(engine) -> None:
    from calendars import england_calendar
    from services.tracking import lifecycle

    with transaction(engine) as session:
        lifecycle.schedule(
            session,
            activity_type="focused-visit",
            la_code="E09000002",
            onsite=day("Tuesday 2025-06-03"),
            lead="Ann",
            flags=frozenset(),
            override="",
            actor="Bea",
            now=datetime(2025, 4, 21, 12, tzinfo=LONDON),
            calendar=england_calendar(),
        )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_daily_sweep_queues_and_wakes_the_sender_whose_runs_alone_send_each_message_once(
    store, monkeypatch, tmp_path
):
    """Thursday 2 January 2025, 08:00: the lead inspector's three reminders for an inspection on site
    Monday 13 January (worked out in test_reminders_and_emails). Two sweeps and two sender runs that
    day: three messages queued, the sender woken once, three sent."""
    import tasks.reminders
    from flows.reminders import daily_sweep, send_outbox
    from models.records import OutboxMessage
    from services.store.reference_data import import_contacts, import_staff
    from services.tracking import lifecycle
    from tests.integration.test_reminders_and_emails import CONTACTS, STAFF

    woken = []
    monkeypatch.setattr(tasks.reminders, "wake_sender", woken.append)
    monkeypatch.setenv("ILACS_MAIL_TRANSPORT", "directory")
    monkeypatch.setenv("ILACS_MAIL_DIR", str(tmp_path / "mail"))
    with transaction(store) as session:
        import_contacts(session, CONTACTS, source="contacts.csv")
        import_staff(session, STAFF, source="staff.csv")
    with transaction(store) as session:
        lifecycle.schedule(
            session,
            activity_type="standard-inspection",
            la_code="E09000002",
            onsite=day("Monday 2025-01-13"),
            lead="Ann Lead",
            actor="Bea Support",
            now=datetime(2025, 1, 2, 6, 0, tzinfo=LONDON),
            calendar=england_calendar(),
        )
    eight = datetime(2025, 1, 2, 8, 0, tzinfo=LONDON)

    def outbox() -> list[tuple[str, str]]:
        with transaction(store) as session:
            rows = session.exec(select(OutboxMessage.idempotency_key, OutboxMessage.status)).all()
        return sorted(rows)

    assert daily_sweep(as_of=eight)["queued"] == 3
    queued = outbox()
    assert [status for _, status in queued] == ["queued"] * 3  # the sweep's run sent nothing
    assert [sorted(event.keys) for (event,) in woken] == [[key for key, _ in queued]]
    assert daily_sweep(as_of=eight)["queued"] == 0 and len(woken) == 1  # a second trigger: nothing new
    assert send_outbox(as_of=eight)["sent"] == 3
    assert send_outbox(as_of=eight)["sent"] == 0  # a second sender run: no duplicate
    assert [status for _, status in outbox()] == ["sent"] * 3
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 3


def schedule_flow_runs() -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    with get_client(sync_client=True) as client:
        return client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["schedule-activity"])))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_schedule_with_a_server_up_is_a_flow_run_of_dated_milestones_and_a_refusal_starts_none(
    store, monkeypatch, capsys
):
    from prefect.settings import PREFECT_API_URL

    from interfaces.cli import main

    monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())  # as `ilacs serve` gives commands
    monkeypatch.setenv("PREFECT_LOGGING_LEVEL", "WARNING")  # the command sets it if absent
    argv = "schedule monitoring-visit --la E09000002 --onsite 2025-03-11 --lead Ann --as-of 2025-01-02"
    before = {run.id for run in schedule_flow_runs()}
    assert main([*argv.split(), "--flag", "first_of_series"]) == 0
    activity_id = int(capsys.readouterr().out)
    (new,) = [run for run in schedule_flow_runs() if run.id not in before]
    assert new.parameters["la_code"] == "E09000002" and new.parameters["onsite"] == "2025-03-11"
    expected = timeline("monitoring-visit", day("Tuesday 2025-03-11"), flags=frozenset({"first_of_series"}))
    runs = recorded_task_runs(new.id, len(expected.milestones) + 1)
    saves = [r.name for r in runs if r.name.startswith("save-new-activity")]  # then Prefect's suffix
    assert len(saves) == 1 and all(r.state.is_completed() for r in runs)
    assert sorted(r.name for r in runs if r.name not in saves) == sorted(m.key for m in expected.milestones)
    with transaction(store) as session:
        assert session.get(Activity, activity_id).flags == ["first_of_series"]

    # the same LA, the same week: the clash is one line, exit 2, before any flow run
    assert main(argv.replace("2025-03-11", "2025-03-12").split()) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"ilacs: error: clashes with activity {activity_id} ") and error.count("\n") == 1
    assert {run.id for run in schedule_flow_runs()} == before | {new.id}
