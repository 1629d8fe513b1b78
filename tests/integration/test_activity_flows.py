"""Each activity type's Prefect flow, run for real, dates every milestone as the pure functions do."""

from __future__ import annotations

from datetime import datetime

import pytest

from calendars import LONDON
from flows.activity_timeline import flow_for
from models.records import Activity
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
def test_the_flow_gives_the_same_dates_as_the_pure_functions(activity_type, onsite, actuals, flags):
    actual_times = {k: datetime.fromisoformat(v).replace(tzinfo=LONDON) for k, v in actuals.items()}
    expected = timeline(activity_type, day(onsite), actuals=actual_times, flags=frozenset(flags))
    state = flow_for(activity_type)(
        activity_type=activity_type,
        onsite=day(onsite),
        actuals=actual_times,
        flags=list(flags),
        return_state=True,
    )
    assert state.is_completed()
    assert state.result() == expected


def test_each_milestone_is_a_task_run_fed_by_its_upstream_milestones():
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    state = flow_for("focused-visit")(
        activity_type="focused-visit", onsite=day("Tuesday 2025-02-04"), return_state=True
    )
    flow_run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(flow_run_id)
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    by_name = {r.name: r for r in runs}
    assert flow_run.flow_id and client is not None
    assert set(by_name) == {m.key for m in state.result().milestones}
    upstream_of_comments = {
        i.id for inputs in by_name["factual_accuracy_comments"].task_inputs.values() for i in inputs
    }
    assert by_name["draft_letter_sent"].id in upstream_of_comments
    assert all(r.state.is_completed() for r in runs)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_schedule_flow_stores_what_the_in_process_path_stores(store):
    from flows.schedule_activity import schedule_activity
    from services.store.database import transaction
    from services.tracking import lifecycle

    now = datetime(2025, 1, 2, 9, 0, tzinfo=LONDON)
    activity_id = schedule_activity(
        activity_type="monitoring-visit", la_code="E09000002", onsite=day("Tuesday 2025-03-11"), lead="Ann",
        flags=["first_of_series"], override="", actor="Bea", now=now,
    )  # fmt: skip
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
    assert set(result) == {"audit_entries", "queued", "cancelled", "dropped", "sent", "failed"}
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
            session, activity_type="focused-visit", la_code="E09000002", onsite=day("Tuesday 2025-06-03"),
            lead="Ann", flags=frozenset(), override="", actor="Bea",
            now=datetime(2025, 4, 21, 12, tzinfo=LONDON), calendar=england_calendar(),
        )  # fmt: skip
