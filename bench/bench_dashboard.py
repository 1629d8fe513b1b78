"""The dashboard's lists at scale: the in-process response time of Today, Today filtered, Activities
(all, searched, filtered by status), Local authorities and My work, on a copy of a benchmark store, each
against the raw SQL that counts Today's overdue rows (the floor, measured in the same run). Medians of
REPEATS requests after one unmeasured request each.

    ILACS_AUDIT_KEY=... .venv/bin/python bench/bench_dashboard.py /work/wt/stores/sqlite-10000.db \
        2027-05-11T07:00+01:00

The store is copied, never written to; the copy is migrated and gets one business support account.
A PostgreSQL URL instead of a file is used as it is: give it a throwaway database (a restored dump).
The clock is set to the moment given (the store's benchmark day), so Today's lists are that day's.
"""

from __future__ import annotations

import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from calendars import LONDON

REPEATS = 7
PASSWORD = "benchmark password 0123"
PAGES = {
    "Today": "/",
    "Today, one region": "/?region=London",
    "Activities": "/activities",
    "Activities, page 40": "/activities?page=40",
    "Activities, searched": "/activities?q=bir",
    "Activities, active": "/activities?status=active&sort=la",
    "Local authorities": "/las",
    "My work": "/my-work",
}


def median_seconds(call) -> tuple[float, float]:
    """Median wall and CPU time (this process's, the server's thread included): on a shared machine
    the wall time also counts waiting for a core, the CPU time only the work."""
    call()
    walls, cpus = [], []
    for _ in range(REPEATS):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main(source: str, moment: datetime) -> None:
    import os

    import time_machine
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    with tempfile.TemporaryDirectory(prefix="ilacs-bench-") as home:
        if source.startswith("postgresql://"):
            url, name = source, "PostgreSQL"
        else:
            copy, name = Path(home) / "store.db", Path(source).name
            shutil.copyfile(source, copy)
            url = f"sqlite:///{copy}"
        os.environ.update({"ILACS_HOME": home, "ILACS_SECRET_KEY": "bench-secret-key-0123456789"})
        from interfaces.web.app import create_app
        from services.access import accounts
        from services.store import open_store
        from services.store.database import transaction

        engine = open_store(url)
        with transaction(engine) as session:
            activities = session.execute(text("SELECT count(*) FROM activity")).scalar_one()
            if not session.execute(text("SELECT count(*) FROM app_user WHERE username = 'bea'")).scalar_one():
                accounts.add_user(
                    session,
                    username="bea",
                    name="Bea Support",
                    role="business_support",
                    password=PASSWORD,
                    now=datetime.now(LONDON),
                )
        # SQLite holds naive UTC text; PostgreSQL a timestamp with time zone
        now = (
            moment
            if url.startswith("postgresql")
            else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        )

        def floor() -> None:
            with engine.connect() as connection:
                connection.execute(
                    text(
                        "SELECT count(*) FROM milestone JOIN activity ON activity.id = milestone.activity_id "
                        "WHERE milestone.actual IS NULL AND milestone.status = 'planned' "
                        "AND activity.status != 'cancelled' AND milestone.target < :now"
                    ),
                    {"now": now},
                ).scalar_one()

        with (
            time_machine.travel(moment, tick=True),
            TestClient(create_app(database_url=url, loopback=True)) as client,
        ):
            token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text).group(1)
            signed_in = client.post(
                "/sign-in", data={"username": "bea", "password": PASSWORD, "csrf_token": token}
            )
            assert signed_in.status_code == 200
            floor_seconds = median_seconds(floor)
            print(
                f"{name}: {activities:,} activities, at {moment:%Y-%m-%d %H:%M}; "
                f"medians of {REPEATS}, in-process response time"
            )
            print(f"  {'':<46} {'wall':>8}    {'CPU':>8}    CPU / floor's CPU")
            print(f"  {'raw SQL: count of Today overdue (the floor)':<46} {_ms(floor_seconds)}")
            for name, path in PAGES.items():

                def get(path=path) -> None:
                    assert client.get(path).status_code == 200, path

                seconds = median_seconds(get)
                print(f"  {name:<46} {_ms(seconds)}  {seconds[1] / floor_seconds[1]:6.1f}×")


def _ms(seconds: tuple[float, float]) -> str:
    return f"{seconds[0] * 1000:8.1f} ms {seconds[1] * 1000:8.1f} ms"


if __name__ == "__main__":
    main(sys.argv[1], datetime.fromisoformat(sys.argv[2]) if len(sys.argv) > 2 else datetime.now(LONDON))
