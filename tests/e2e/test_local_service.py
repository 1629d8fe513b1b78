"""`ilacs serve`, the service `make run` starts: a local Prefect server, a mail sink and the served
deployments, as real processes; a change staff record wakes the sender at once; Ctrl-C stops it all."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.integration.smtp_server import free_port

ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def service(tmp_path, request):
    demo = ["--demo"] if getattr(request, "param", False) else []
    prefect_port, sink_port, web_port = free_port(), free_port(), free_port()
    ready = tmp_path / "ready"
    env = {
        **os.environ,
        "ILACS_HOME": str(tmp_path / "home"),
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "ILACS_SENDER_INTERVAL_SECONDS": "3600",
        "PREFECT_API_URL": "",
    }
    env.pop("ILACS_DATABASE_URL", None)
    log = (tmp_path / "service.log").open("wb")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("ilacs")),
            "serve",
            "--prefect-port",
            str(prefect_port),
            "--sink-port",
            str(sink_port),
            "--web-port",
            str(web_port),
            "--ready-file",
            str(ready),
            *demo,
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
        # as a shell's background job starts it: SIGINT ignored; Ctrl-C must still stop the service
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        wait_for(lambda: ready.exists() or process.poll() is not None, 120, "the service to start")
        assert process.poll() is None, (tmp_path / "service.log").read_text()
        yield {
            "process": process,
            "server_pid": int(ready.read_text()),
            "api": f"http://127.0.0.1:{prefect_port}/api",
            "env": env,
            "sink": tmp_path / "home" / "mail-sink",
            "log": tmp_path / "service.log",
            "web": f"http://127.0.0.1:{web_port}",
        }
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def ilacs(service, *argv: str, **extra: str) -> subprocess.CompletedProcess:
    env = {**service["env"], "PREFECT_API_URL": service["api"], **extra}
    command = [str(Path(sys.executable).with_name("ilacs")), *argv]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=120)


def test_the_service_serves_the_deployments_wakes_the_sender_and_stops_cleanly_on_ctrl_c(service, tmp_path):
    def served() -> set[str]:
        return {d["name"] for d in httpx.post(f"{service['api']}/deployments/filter", json={}).json()}

    expected = {"daily-sweep", "send-outbox", "business-support-digest"}
    assert wait_for(lambda: served() == expected, 60, "the three deployments to be served")
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(
        "la_code,role,name,email,valid_from\nE09000002,dcs,Dee Director,dcs@barking.example.org,2024-01-01\n",
        encoding="utf-8",
    )
    imported = ilacs(service, "import", "contacts", str(contacts))
    assert imported.returncode == 0, imported.stderr
    # the service takes the registration over its socket and runs the flow: the command itself runs
    # where Prefect cannot be imported
    no_prefect = tmp_path / "no-prefect" / "prefect"
    no_prefect.mkdir(parents=True)
    (no_prefect / "__init__.py").write_text("raise ImportError('the command imported Prefect')\n")
    schedule = "schedule standard-inspection --la E09000002 --onsite 2025-01-13 --lead Ann --as-of 2025-01-02"
    scheduled = ilacs(service, *schedule.split(), PYTHONPATH=str(no_prefect.parent))
    assert scheduled.returncode == 0, scheduled.stderr
    activity = scheduled.stdout.strip()
    runs = httpx.post(f"{service['api']}/flow_runs/filter", json={}).json()
    assert [r["parameters"]["la_code"] for r in runs if r["parameters"].get("lead") == "Ann"] == ["E09000002"]
    done = ilacs(
        service,
        "done",
        activity,
        *"notification --at 2025-01-06T09:30 --by Ann --as-of 2025-01-06T09:31".split(),
    )
    assert done.returncode == 0, done.stderr
    # the sender runs hourly here, so only the event's trigger can deliver the letter this soon
    letters = wait_for(lambda: list(service["sink"].glob("*.eml")), 60, "the confirmation letter in the sink")
    assert b"Confirmation: standard inspection of Barking and Dagenham" in letters[0].read_bytes().replace(
        b"\n ", b" "
    )

    service["process"].send_signal(signal.SIGINT)
    assert service["process"].wait(timeout=60) == 0
    assert "Stopped." in service["log"].read_text()
    assert not (tmp_path / "home" / "service.sock").exists()
    with pytest.raises(ProcessLookupError):
        os.killpg(service["server_pid"], 0)  # the Prefect server's whole process group is gone


def test_the_sink_keeps_what_it_receives_as_readable_files(tmp_path):
    import smtplib
    from email.message import EmailMessage

    from aiosmtpd.controller import Controller

    from interfaces.service import MailSink

    sink = MailSink(tmp_path / "sink")
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@example.org", "b@example.org", "Hello"
        message.set_content("Hi")
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.send_message(message)
    finally:
        controller.stop()
    assert sink.messages() == [("00001.eml", "b@example.org", "Hello")]
    assert json.dumps(sink.messages())  # plain data, printable by make run


@pytest.mark.parametrize("service", [True], indirect=True)
def test_make_runs_demonstration_shows_the_timelines_todays_mail_compliance_and_programme(service):
    log = service["log"].read_text()
    assert "#6 Annual engagement meeting at" in log
    assert "audit chain verifies over" in log
    assert "The programme London faces" in log
    assert ("Mail in the local sink" in log) or ("is not a working day: the sweep sends nothing" in log)
    # it ends with what business support needs, not Prefect's own hint
    home = Path(service["env"]["ILACS_HOME"])
    assert f"Dashboard:    {service['web']}/" in log
    assert f"Sign in as:   support (password in {home / 'demo-password'})" in log
    assert str(home / "mail-sink") in log
    assert "prefect deployment run" not in log
    assert "Sign in" in httpx.get(f"{service['web']}/sign-in").text  # the dashboard is served too
    service["process"].send_signal(signal.SIGINT)
    assert service["process"].wait(timeout=60) == 0
