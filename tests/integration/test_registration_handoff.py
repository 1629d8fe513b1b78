"""`ilacs schedule` handing its registration to the local service over ILACS_HOME/service.sock: the
service runs the `schedule-activity` flow; the command imports neither Prefect nor the store, and runs
the flow itself wherever no service answers for its settings."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from calendars import LONDON
from interfaces.registration import (
    Registration,
    hand_over,
    socket_path,
    start_desk,
    stop_desk,
)
from services.settings import get_settings

REGISTRATION = Registration(
    activity_type="monitoring-visit",
    la_code="E09000002",
    onsite=date(2025, 3, 11),
    lead="Ann",
    flags=("first_of_series",),
    override="",
    actor="Bea",
    now=datetime(2025, 1, 2, 9, 0, tzinfo=LONDON),
    with_milestones=False,
)


@pytest.fixture
def home(monkeypatch):
    """A home of its own, with a path short enough for a socket (at most 107 bytes on Linux)."""
    path = Path(tempfile.mkdtemp(prefix="ilacs-desk-"))
    monkeypatch.setenv("ILACS_HOME", str(path))
    monkeypatch.setenv("ILACS_AUDIT_KEY", "a test audit key of at least thirty-two characters")
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # never reached by these tests
    yield path
    for child in path.iterdir():
        child.unlink()
    path.rmdir()


def test_the_socket_is_its_owners_alone_and_gone_when_the_desk_stops(home):
    desk = start_desk(get_settings())
    path = socket_path(get_settings())
    assert stat.S_ISSOCK(path.stat().st_mode) and stat.S_IMODE(path.stat().st_mode) == 0o600
    stop_desk(desk)
    assert not path.exists()


def test_a_command_with_other_settings_is_declined_and_runs_its_own_flow(home, monkeypatch):
    desk = start_desk(get_settings())
    try:
        for variable, value in [
            ("ILACS_DATABASE_URL", f"sqlite:///{home / 'another.db'}"),
            ("ILACS_AUDIT_KEY", "another test audit key of at least thirty-two characters"),
            ("PREFECT_API_URL", "http://127.0.0.1:10/api"),
            ("ILACS_CLOSURES_FILE", str(home / "closures.toml")),
        ]:
            with monkeypatch.context() as other:
                other.setenv(variable, value)
                assert hand_over(REGISTRATION, get_settings()) is None, variable
    finally:
        stop_desk(desk)
    assert list(home.iterdir()) == []  # nothing was written: no store was opened


def test_a_socket_left_by_a_service_that_is_gone_is_no_service(home):
    path = socket_path(get_settings())
    left = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    left.bind(str(path))
    left.close()  # the file stays, nothing listens
    assert path.exists() and hand_over(REGISTRATION, get_settings()) is None
    desk = start_desk(get_settings())  # a new service takes the path over
    assert desk is not None
    stop_desk(desk)


def test_a_second_service_on_the_same_home_does_not_take_the_socket_over(home):
    first = start_desk(get_settings())
    try:
        assert start_desk(get_settings()) is None
        assert socket_path(get_settings()).exists()
    finally:
        stop_desk(first)


def test_a_home_too_long_for_a_socket_means_no_desk_and_the_command_runs_its_own_flow(home, monkeypatch):
    deep = home / ("d" * 100)
    deep.mkdir()
    monkeypatch.setenv("ILACS_HOME", str(deep))
    assert start_desk(get_settings()) is None
    (deep / "service.sock").touch()  # whatever is there, a path that long cannot be connected to
    assert hand_over(REGISTRATION, get_settings()) is None
    (deep / "service.sock").unlink()
    deep.rmdir()


def test_a_service_that_stops_before_answering_is_an_error_not_a_second_registration(home):
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(socket_path(get_settings())))
    listener.listen()

    def take_and_die() -> None:
        connection, _ = listener.accept()
        connection.recv(65536)
        connection.close()

    thread = threading.Thread(target=take_and_die)
    thread.start()
    with pytest.raises(RuntimeError, match="stopped before answering: it may have registered"):
        hand_over(REGISTRATION, get_settings())
    thread.join()
    listener.close()
    socket_path(get_settings()).unlink()


def schedule_flow_runs() -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    with get_client(sync_client=True) as client:
        return client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["schedule-activity"])))


@pytest.mark.parametrize(
    ("as_of", "instant", "onsite", "notified", "last_day", "same_week"),
    [
        # GMT: on site Wednesday 15 January 2025, told five working days before at 09:30 (Wed 8th)
        (
            "2025-01-06T09:15",
            datetime(2025, 1, 6, 9, 15, tzinfo=UTC),
            "2025-01-15",
            "2025-01-08T09:30:00+00:00",
            "2025-01-16",
            "2025-01-14",
        ),
        # BST: on site Wednesday 17 September 2025, told Wednesday 10th at 09:30 British Summer Time
        (
            "2025-06-30T09:15",
            datetime(2025, 6, 30, 8, 15, tzinfo=UTC),
            "2025-09-17",
            "2025-09-10T09:30:00+01:00",
            "2025-09-18",
            "2025-09-16",
        ),
    ],
)
def test_schedule_hands_the_registration_to_the_service_whose_flow_run_stores_it(
    prefect_harness, store, monkeypatch, tmp_path, as_of, instant, onsite, notified, last_day, same_week
):
    from prefect.settings import PREFECT_API_URL

    from models.records import Activity
    from services.store.database import transaction

    monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())
    # the command runs where Prefect cannot be imported: a flow run can only be the service's
    stub = tmp_path / "no-prefect" / "prefect"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text("raise ImportError('the command imported Prefect')\n")
    env = os.environ | {"PYTHONPATH": str(stub.parent)}

    def schedule(day: str, *argv: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "interfaces.cli", "schedule", "focused-visit", "--la", "E09000002"]
        return subprocess.run(
            [*command, "--onsite", day, "--lead", "Ann", "--by", "Bea", "--as-of", as_of, *argv],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    desk = start_desk(get_settings())
    try:
        before = {run.id for run in schedule_flow_runs()}
        done = schedule(onsite, "--json")
        assert done.returncode == 0, done.stderr
        answer = json.loads(done.stdout)
        (new,) = [run for run in schedule_flow_runs() if run.id not in before]
        assert new.state.is_completed() and new.parameters["la_code"] == "E09000002"
        assert (answer["onsite"], answer["fieldwork_end"]) == (onsite, last_day)
        assert {m["key"]: m["target"] for m in answer["milestones"]}["notification"] == notified
        with transaction(store) as session:
            stored = session.get(Activity, answer["id"])
            assert (stored.activity_type, stored.onsite.isoformat(), stored.lead_inspector) == (
                "focused-visit",
                onsite,
                "Ann",
            )
            assert stored.created_at == instant  # the command's --as-of, the same instant in the store

        # the same LA, the same week: the service's refusal is the command's one line and exit 2
        clash = schedule(same_week)
        assert clash.returncode == 2 and clash.stdout == ""
        assert clash.stderr.startswith(f"ilacs: error: clashes with activity {answer['id']} ")
        assert clash.stderr.count("\n") == 1
        assert {run.id for run in schedule_flow_runs()} == before | {new.id}
    finally:
        stop_desk(desk)
