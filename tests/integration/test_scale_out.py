"""The same deployments on a self-hosted Prefect server backed by PostgreSQL, run by a worker of a
`process` work pool: the steps the README gives, as commands, ending in one sweep run by the worker
and the sender's run it wakes."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select, text
from sqlmodel import Session

from interfaces.service import start_prefect_server, stop_process_group
from models.records import OutboxMessage
from tests.integration.smtp_server import free_port
from tests.integration.test_reminders_and_emails import CONTACTS, STAFF

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
_names = itertools.count()


def _database(postgres_url: str, name: str) -> str:
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return postgres_url.rsplit("/", 1)[0] + f"/{name}"


def test_a_worker_of_a_process_pool_runs_the_sweep_from_a_server_on_postgresql(
    postgres_url, tmp_path, monkeypatch
):
    suffix = next(_names)
    prefect_db = _database(postgres_url, f"prefect_{suffix}").replace("+psycopg", "+asyncpg")
    store_url = _database(postgres_url, f"store_{suffix}")
    port = free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": prefect_db,
        "ILACS_DATABASE_URL": store_url,
        "ILACS_CHECKOUT": str(ROOT),
        "ILACS_MAIL_TRANSPORT": "directory",
        "ILACS_MAIL_DIR": str(tmp_path / "mail"),
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    server = start_prefect_server(port, tmp_path / "server.log", env)
    try:
        prefect = [str(BIN / "prefect")]
        subprocess.run(
            [*prefect, "work-pool", "create", "ilacs", "--type", "process"],
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        deployed = subprocess.run(
            [*prefect, "--no-prompt", "deploy", "--all"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr

        for args in (["import", "contacts"], ["import", "staff"]):
            data = tmp_path / f"{args[1]}.csv"
            data.write_text(CONTACTS if args[1] == "contacts" else STAFF, encoding="utf-8")
            subprocess.run([str(BIN / "ilacs"), *args, str(data)], env=env, check=True, timeout=120)
        schedule = (
            "schedule standard-inspection --la E09000002 --onsite 2025-01-13 --lead Ann --as-of 2025-01-02"
        )
        subprocess.run(
            [str(BIN / "ilacs"), *schedule.split(), "--lead", "Ann Lead"], env=env, check=True, timeout=120
        )

        sweep_at_eight = ["daily-sweep/daily-sweep", "--param", "as_of=2025-01-02T08:00:00+00:00"]
        run = subprocess.run(
            [*prefect, "deployment", "run", *sweep_at_eight],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        flow_run_id = re.search(r"UUID: ([0-9a-f-]{36})", run.stdout).group(1)
        worker = subprocess.Popen(
            [*prefect, "worker", "start", "--pool", "ilacs"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        store = create_engine(store_url)
        try:
            deadline, state = time.monotonic() + 180, None
            while time.monotonic() < deadline and state not in ("COMPLETED", "FAILED", "CRASHED"):
                time.sleep(1)
                state = httpx.get(f"{env['PREFECT_API_URL']}/flow_runs/{flow_run_id}").json()["state_type"]
            assert state == "COMPLETED"
            # the sweep only queues; the sender's deployment, woken by the sweep's event, sends
            sent = []
            while time.monotonic() < deadline and not (sent and {status for _, status in sent} == {"sent"}):
                time.sleep(1)
                with Session(store) as session:
                    sent = session.exec(select(OutboxMessage.subject, OutboxMessage.status)).all()
        finally:
            stop_process_group(worker)
            store.dispose()
    finally:
        stop_process_group(server)
    assert {status for _, status in sent} == {"sent"}
    assert len(sent) == 3  # the lead inspector's reminders for Thursday 2 January (test_reminders_and_emails)
    assert all(subject.startswith("Reminder: ") for subject, _ in sent)
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 3
