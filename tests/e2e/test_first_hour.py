"""The first hour, as a newcomer lives it (issue 14): a fresh clone, `make run` on free ports (nothing
else set), the command line from the checkout sees what the dashboard shows, a deferral, Ctrl-C, and
`make run` again: no new activity, no stale mail in the sink, and no process left after either stop.

Slow: the first `make run` creates the clone's .venv and installs everything (README: how long)."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
from datetime import date, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from services.mail.emails import govuk_day
from tests.e2e.test_local_service import wait_for
from tests.integration.smtp_server import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
READY = "The local service is running"


@pytest.fixture
def newcomer(tmp_path):
    """A fresh clone of this checkout, and an environment that sets nothing but the three ports (and a
    home folder of the test's own, so that nothing is written to the real one)."""
    clone = tmp_path / "ilacs-orchestrator"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ILACS_", "PREFECT_"))}
    env |= {
        "HOME": str(tmp_path / "home"),
        "ILACS_PREFECT_PORT": str(free_port()),
        "ILACS_SINK_PORT": str(free_port()),
        "ILACS_WEB_PORT": str(free_port()),
    }
    (tmp_path / "home").mkdir()
    return clone, env


def make_run(clone: Path, env: dict, log: Path, seconds: float) -> subprocess.Popen:
    """`make run` in its own process group, as a terminal starts it; returns once it says it is ready."""
    process = subprocess.Popen(
        ["make", "run"],
        cwd=clone,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_for(lambda: READY in log.read_text() or process.poll() is not None, seconds, "make run to be ready")
    assert process.poll() is None, log.read_text()[-5000:]
    return process


def ctrl_c(process: subprocess.Popen, log: Path) -> None:
    """Ctrl-C to the terminal's process group (make itself reports the interrupt); the service stops
    cleanly and nothing of the group is left."""
    os.killpg(process.pid, signal.SIGINT)
    process.wait(timeout=120)
    try:
        wait_for(lambda: _group_gone(process.pid), 30, "every process of make run to end")
    finally:
        if not _group_gone(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
    assert "Stopped." in log.read_text()


def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def ilacs(clone: Path, env: dict, *argv: str) -> subprocess.CompletedProcess:
    """The command line as the README gives it, from the checkout."""
    return subprocess.run(
        [str(clone / ".venv" / "bin" / "ilacs"), *argv],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _mail(sink: Path) -> dict[str, tuple[str, str]]:
    out = {}
    for path in sorted(sink.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        out[path.name] = (str(message["Subject"]).strip(), message.get_body(("plain",)).get_content())
    return out


def _activities(clone: Path) -> int:
    with sqlite3.connect(clone / ".ilacs" / "ilacs.db") as db:
        return db.execute("select count(*) from activity").fetchone()[0]


def test_a_newcomers_first_hour_changes_nothing_on_a_rerun_and_leaves_no_process(newcomer, tmp_path):
    clone, env = newcomer
    first = make_run(clone, env, tmp_path / "first.log", seconds=1500)
    try:
        log = (tmp_path / "first.log").read_text()
        visit = re.search(r"#(\d+) Monitoring visit at ([^(]+) \(", log)
        assert visit, log[-5000:]
        due = ilacs(clone, env, "due", "--within", "20", "--limit", "10000", "--json")
        assert due.returncode == 0, due.stderr
        listed = {item["activity"] for item in json.loads(due.stdout)["items"]}
        assert listed >= {int(visit.group(1))}, due.stdout
        shown = ilacs(clone, env, "show", visit.group(1), "--json")
        assert shown.returncode == 0, shown.stderr
        onsite = date.fromisoformat(json.loads(shown.stdout)["onsite"])
        to = onsite + timedelta(weeks=1)  # the same weekday next week
        deferred = ilacs(
            clone, env, "defer", visit.group(1), "--to", str(to), "--reason", "weather", "--by", "Bea"
        )
        if deferred.returncode != 0:  # next week's day is a bank holiday: the week after
            to = onsite + timedelta(weeks=2)
            deferred = ilacs(
                clone, env, "defer", visit.group(1), "--to", str(to), "--reason", "weather", "--by", "Bea"
            )
        assert deferred.returncode == 0, deferred.stderr
    finally:
        ctrl_c(first, tmp_path / "first.log")
    activities = _activities(clone)
    sink = clone / ".ilacs" / "mail-sink"
    before = set(_mail(sink))

    second = make_run(clone, env, tmp_path / "second.log", seconds=300)
    ctrl_c(second, tmp_path / "second.log")
    assert _activities(clone) == activities
    for subject, text in (m for name, m in _mail(sink).items() if name not in before):
        assert not subject.startswith("Information request"), subject
        if not subject.startswith("Dates changed"):
            assert govuk_day(onsite) not in " ".join(text.split()), (subject, text)
