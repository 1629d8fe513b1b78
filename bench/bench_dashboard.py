"""The dashboard's lists at scale: the in-process response time of Today, Today filtered, Activities
(all, searched, filtered by status), Local authorities and My work, on a copy of a benchmark store, each
against the raw SQL that counts Today's overdue rows (the floor, measured in the same run). Medians of
REPEATS requests after one unmeasured request each.

    .venv/bin/python bench/bench_dashboard.py /work/wt/stores/sqlite-10000.db

The store is copied, never written to; the copy is migrated and gets one business support account.
"""

from __future__ import annotations

import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

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


def median_seconds(call) -> float:
    call()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(source: Path) -> None:
    import os

    from fastapi.testclient import TestClient
    from sqlalchemy import text

    with tempfile.TemporaryDirectory(prefix="ilacs-bench-") as home:
        copy = Path(home) / "store.db"
        shutil.copyfile(source, copy)
        url = f"sqlite:///{copy}"
        os.environ.update({"ILACS_HOME": home, "ILACS_SECRET_KEY": "bench-secret-key-0123456789"})
        from calendars import LONDON
        from interfaces.web.app import create_app
        from services.access import accounts
        from services.store import open_store
        from services.store.database import transaction

        engine = open_store(url)
        with transaction(engine) as session:
            activities = session.execute(text("SELECT count(*) FROM activity")).scalar_one()
            accounts.add_user(
                session,
                username="bea",
                name="Bea Support",
                role="business_support",
                password=PASSWORD,
                now=datetime.now(LONDON),
            )
        now = datetime.now(LONDON).isoformat()

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

        with TestClient(create_app(database_url=url, loopback=True)) as client:
            token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text).group(1)
            signed_in = client.post(
                "/sign-in", data={"username": "bea", "password": PASSWORD, "csrf_token": token}
            )
            assert signed_in.status_code == 200
            floor_seconds = median_seconds(floor)
            print(f"{source.name}: {activities:,} activities; medians of {REPEATS}, in-process response time")
            print(f"  {'raw SQL: count of Today overdue (the floor)':<46} {floor_seconds * 1000:8.1f} ms")
            for name, path in PAGES.items():

                def get(path=path) -> None:
                    assert client.get(path).status_code == 200, path

                seconds = median_seconds(get)
                print(f"  {name:<46} {seconds * 1000:8.1f} ms  {seconds / floor_seconds:6.1f}× floor")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
