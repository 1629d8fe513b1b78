"""The daily sweep and the sender at national scale, on SQLite and on a PostgreSQL started as the tests
start theirs: a store of ACTIVITIES planned activities with nothing recorded (so every open milestone
has its step due), then

- the raw SQL selecting the rows the sweep reads (the floor), the first sweep and a second the same
  day, wall and CPU, with the messages queued;
- the sender: SENT messages to a local SMTP sink (aiosmtpd's, in its own process), messages a second;
- peak RSS of the sweep and of the sender, each measured in a process of its own.

The store: TEMPLATES activities planned through the project's own service (`lifecycle.schedule`),
over every LA, with contacts and staff imported through the reference-data service; then copied row
for row (activity and milestones, new ids) up to ACTIVITIES, which is what national scale adds.

    .venv/bin/python bench/bench_sweep.py [--activities 10000] [--send 2000] [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import json
import resource
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, text, update  # noqa: E402

from calendars import LONDON, england_calendar  # noqa: E402
from models.records import Activity, LocalAuthority, Milestone, OutboxMessage  # noqa: E402
from models.reminders import shipped_policy  # noqa: E402
from services.store import open_store  # noqa: E402
from services.store.database import transaction  # noqa: E402

TEMPLATES = 150  # one per current LA (two at one LA would clash)
TYPES = ("standard-inspection", "short-inspection", "focused-visit", "monitoring-visit")
FIRST_ONSITE = date(2025, 1, 13)
AS_OF = datetime(2025, 3, 3, 7, 0, tzinfo=LONDON)  # a Monday: about seven steps due per activity
FLOOR_SQL = """
SELECT m.activity_id, m.key, m.title, m.owner, m.forecast FROM milestone m
JOIN activity a ON a.id = m.activity_id
WHERE a.status = 'planned' AND m.status = 'planned' AND m.actual IS NULL AND m.forecast IS NOT NULL
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(url: str, activities: int) -> None:
    """TEMPLATES activities through the services, then copies of them up to `activities`."""
    engine = open_store(url)
    las = _people(engine)
    _schedule(engine, las)
    _copy(engine, activities)
    engine.dispose()


def _people(engine) -> list[str]:
    """A DCS and a link person for every current LA, lead inspectors, and each region's staff."""
    from services.store.reference_data import import_contacts, import_staff

    with transaction(engine) as session:
        las = list(session.scalars(select(LocalAuthority.ons_code).where(LocalAuthority.status == "current")))
        regions = sorted(set(session.scalars(select(LocalAuthority.ofsted_region))))
        lines = ["la_code,role,name,email,valid_from"]
        for i, code in enumerate(las):
            lines += [
                f"{code},dcs,Director {i},dcs{i}@la{i}.example.org,2024-01-01",
                f"{code},link_person,Link {i},link{i}@la{i}.example.org,2024-01-01",
            ]
        import_contacts(session, "\n".join(lines) + "\n", source="bench")
        staff = ["name,role,email,ofsted_region"]
        staff += [f"Lead {i},lead_inspector,lead{i}@ofsted.example.org," for i in range(40)]
        for j, region in enumerate(regions):
            staff += [
                f'Senior {j},senior_hmi,shmi{j}@ofsted.example.org,"{region}"',
                f'Regional {j},regional_director,rd{j}@ofsted.example.org,"{region}"',
                f'Support {j},business_support,bs{j}@ofsted.example.org,"{region}"',
            ]
        staff += ["Quinn Quality,qa_manager,qa@ofsted.example.org,"]
        import_staff(session, "\n".join(staff) + "\n", source="bench")
    return las


def _schedule(engine, las: list[str]) -> None:
    from services.tracking import lifecycle

    calendar = england_calendar()
    for i in range(TEMPLATES):
        onsite = calendar.add_working_days(FIRST_ONSITE, (i * 3) % 90)
        with transaction(engine) as session:
            lifecycle.schedule(
                session,
                activity_type=TYPES[i % len(TYPES)],
                la_code=las[i % len(las)],
                onsite=onsite,
                lead=f"Lead {i % 40}",
                actor="bench",
                now=datetime(2024, 12, 2, 9, tzinfo=LONDON),
                calendar=calendar,
            )


def _copy(engine, activities: int) -> None:
    """The scheduled activities and their milestones copied, new ids, up to `activities`."""
    with engine.begin() as connection:
        base = [dict(r._mapping) for r in connection.execute(select(Activity.__table__))]
        milestones = [dict(r._mapping) for r in connection.execute(select(Milestone.__table__))]
        by_activity: dict[int, list[dict]] = {}
        for m in milestones:
            by_activity.setdefault(m["activity_id"], []).append(m)
        next_activity = max(a["id"] for a in base) + 1
        next_milestone = max(m["id"] for m in milestones) + 1
        copies, copied_milestones = [], []
        while len(base) + len(copies) < activities:
            template = base[len(copies) % len(base)]
            copies.append(template | {"id": next_activity})
            for m in by_activity[template["id"]]:
                copied_milestones.append(m | {"id": next_milestone, "activity_id": next_activity})
                next_milestone += 1
            next_activity += 1
        for start in range(0, len(copies), 2000):
            connection.execute(insert(Activity.__table__), copies[start : start + 2000])
        for start in range(0, len(copied_milestones), 5000):
            connection.execute(insert(Milestone.__table__), copied_milestones[start : start + 5000])
        if engine.dialect.name == "postgresql":
            for table in ("activity", "milestone"):
                connection.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))


def _times(action) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def phase_sweep(url: str) -> dict:
    """Floor, first sweep and repeat; in this process, so its peak RSS is the sweep's."""
    from services.mail.sweep import sweep_in_batches

    engine = open_store(url)
    policy, calendar = shipped_policy(), england_calendar()

    def floor():
        with engine.connect() as connection:
            rows = connection.exec_driver_sql(FLOOR_SQL).fetchall()
            rows += connection.exec_driver_sql("SELECT la_id, role, name, email FROM la_contact").fetchall()
            rows += connection.exec_driver_sql(
                "SELECT idempotency_key, status FROM outbox_message"
            ).fetchall()
            return len(rows)

    floor_wall, floor_cpu, _ = _times(floor)
    first = _times(lambda: sweep_in_batches(engine, as_of=AS_OF, calendar=calendar, policy=policy))
    repeat = _times(
        lambda: sweep_in_batches(engine, as_of=AS_OF + timedelta(minutes=5), calendar=calendar, policy=policy)
    )
    return {
        "floor": [floor_wall, floor_cpu],
        "first": [first[0], first[1], len(first[2].queued), len(first[2].dropped)],
        "repeat": [repeat[0], repeat[1], len(repeat[2].queued)],
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def phase_send(url: str, count: int, port: int) -> dict:
    """Send `count` of the queued messages (the rest put off) to the sink on `port`."""
    from services.mail.delivery import deliver_due
    from services.mail.transports import SmtpTransport

    engine = open_store(url)
    with engine.begin() as connection:
        keep = (
            connection.execute(select(OutboxMessage.id).order_by(OutboxMessage.id).limit(count))
            .scalars()
            .all()
        )
        connection.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.not_in(keep))
            .values(not_before=datetime(2099, 1, 1, tzinfo=LONDON))
        )
    transport = SmtpTransport(host="127.0.0.1", port=port, starttls=False)
    wall, cpu, report = _times(
        lambda: deliver_due(
            engine, now=AS_OF + timedelta(hours=1), transport=transport, policy=shipped_policy()
        )
    )
    return {
        "send": [wall, cpu, len(report.sent), len(report.failed)],
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _phase(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", *args], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(backend: str, activities: int, send: int) -> None:
    with ExitStack() as stack:
        if backend == "sqlite":
            url = f"sqlite:///{stack.enter_context(tempfile.TemporaryDirectory())}/bench.db"
        else:
            from tests.integration.postgres import postgres_server

            url = stack.enter_context(postgres_server())
        started = time.perf_counter()
        build(url, activities)
        built = time.perf_counter() - started
        swept = _phase("sweep", url)
        port = _free_port()
        sink = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"127.0.0.1:{port}",
                "-c",
                "aiosmtpd.handlers.Sink",
            ]
        )
        stack.callback(sink.terminate)
        time.sleep(1.5)
        sent = _phase("send", url, str(send), str(port))
    floor = swept["floor"][0]
    print(f"{backend}: {activities} activities (built in {built:.0f} s)")
    print(f"  floor (raw SQL, same rows)  {floor:7.2f} s wall {swept['floor'][1]:7.2f} s CPU")
    print(
        f"  sweep, first                {swept['first'][0]:7.2f} s wall {swept['first'][1]:7.2f} s CPU"
        f"  {swept['first'][2]} queued, {swept['first'][3]} dropped  x{swept['first'][0] / floor:.0f} floor"
    )
    print(
        f"  sweep, repeat               {swept['repeat'][0]:7.2f} s wall {swept['repeat'][1]:7.2f} s CPU"
        f"  {swept['repeat'][2]} queued  x{swept['repeat'][0] / floor:.0f} floor"
    )
    print(f"  sweep peak RSS              {swept['rss_mb']:7.0f} MB")
    wall, cpu, count, failed = sent["send"]
    print(
        f"  send {count} ({failed} failed)     {wall:7.2f} s wall {cpu:7.2f} s CPU"
        f"  {count / wall:.0f} messages/s ({count / cpu:.0f} per CPU second)"
    )
    print(f"  sender peak RSS             {sent['rss_mb']:7.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--send", type=int, default=2000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument("--phase", nargs="+")
    args = parser.parse_args()
    if args.phase:
        name, url, *rest = args.phase
        result = phase_sweep(url) if name == "sweep" else phase_send(url, int(rest[0]), int(rest[1]))
        print(json.dumps(result))
        return
    for backend in args.backend or ("sqlite", "postgresql"):
        run(backend, args.activities, args.send)


if __name__ == "__main__":
    main()
