"""The lists and the compliance report on a large store: the time of each query part in this process
(no start-up), medians of 5 runs after one unmeasured run, and beside each the raw SQL that selects the
same rows (the floor), as a ratio, measured in the same run.

    ILACS_DATABASE_URL=sqlite:////path/to/a/COPY/of/a/store.db .venv/bin/python \\
        bench/bench_reports.py --as-of 2027-05-11T07:00+01:00 --from 2026-06-01 --to 2027-05-31

The store is migrated to the code's revision if behind, so give it a copy."""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, date, datetime

from sqlalchemy import text

REPEATS = 5


def median_seconds(run) -> tuple[float, float]:
    """Median wall and CPU seconds of `run()` over REPEATS runs, after one unmeasured run."""
    run()
    walls, cpus = [], []
    for _ in range(REPEATS):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    from calendars import LONDON
    from interfaces.compliance_report import render
    from services.reports import queries
    from services.reports.compliance import build_report
    from services.settings import calendar_in_force
    from services.store import audit, open_store
    from services.store.database import transaction

    parser = argparse.ArgumentParser()
    parser.add_argument("--as-of", required=True)
    parser.add_argument("--from", dest="start", required=True)
    parser.add_argument("--to", dest="end", required=True)
    args = parser.parse_args()
    as_of = datetime.fromisoformat(args.as_of).astimezone(LONDON)
    start, end = date.fromisoformat(args.start), date.fromisoformat(args.end)
    engine, calendar, everything = open_store(), calendar_in_force(), queries.Filters()

    def in_session(work):
        def run():
            with transaction(engine) as session:
                return work(session)

        return run

    def raw(sql: str, **params):
        return in_session(lambda s: s.execute(text(sql), params).all())

    def compliance(fmt: str):
        return in_session(
            lambda s: render(build_report(s, start=start, end=end, as_of=as_of, calendar=calendar), fmt)
        )

    utc = {"as_of": as_of, "first": datetime.combine(start, datetime.min.time(), LONDON)}
    utc["after"] = datetime.combine(end, datetime.max.time(), LONDON)
    if engine.dialect.name == "sqlite":  # stored as naive UTC text there
        utc = {k: v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") for k, v in utc.items()}
    open_rows = "SELECT id, target, owner FROM milestone WHERE actual IS NULL AND status = 'planned'"
    period = (
        "SELECT key, owner, target, actual, status FROM milestone WHERE target >= :first AND target < :after"
    )
    cases = {
        "overdue, page 1 of 50, with counts": (
            in_session(lambda s: queries.overdue_page(s, as_of=as_of, filters=everything, limit=50)),
            raw(f"{open_rows} AND target < :as_of", as_of=utc["as_of"]),
        ),
        "due in 5 working days, page 1, with counts": (
            in_session(
                lambda s: queries.due_page(
                    s, as_of=as_of, within=5, calendar=calendar, filters=everything, limit=50
                )
            ),
            raw(f"{open_rows} AND forecast >= :as_of", as_of=utc["as_of"]),
        ),
        "audit chain verified (in every report)": (
            in_session(audit.verify),
            raw("SELECT * FROM audit_entry ORDER BY id"),
        ),
        "compliance report, json": (compliance("json"), raw(period, first=utc["first"], after=utc["after"])),
        "compliance report, html": (compliance("html"), raw(period, first=utc["first"], after=utc["after"])),
    }
    print(f"{engine.dialect.name}: medians of {REPEATS}, seconds; floor: the raw SQL of the same rows")
    print(f"{'query':<44} {'wall':>7} {'cpu':>7} {'floor':>7} {'x floor':>8}")
    for name, (work, floor) in cases.items():
        wall, cpu = median_seconds(work)
        floor_wall, _ = median_seconds(floor)
        print(f"{name:<44} {wall:>7.3f} {cpu:>7.3f} {floor_wall:>7.3f} {wall / floor_wall:>8.1f}")


if __name__ == "__main__":
    main()
