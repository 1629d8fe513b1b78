"""`make bench` (programme): the planner as the command line and the dashboard use it.

1. The pure planner (`models.programme.plan_programme`) over every LA for 3 years, for 150, 1,500 and
   15,000 synthetic LAs, capacity scaled with their number so that the work per LA stays the same:
   the first plan in a process (`ilacs programme plan` makes one; the planner's caches emptied before
   each run) and later plans in the same process (the dashboard's), medians of 5, wall and CPU time,
   seconds per 1,000 LAs (linear when that stays flat).
2. The service (`services.reports.programme.plan`: the LAs' latest judgements from the reference data
   and the store, the store's bookings, then the planner) over a new store holding the real LAs, and
   over a copy of the cached 10,000-activity benchmark store (about 5,000 LAs) when it is cached
   (bench/stores.py; never built here): the first call in a fresh process (median of 5 processes,
   after opening the store) and later calls in one process (median of 5).

    python bench/bench_programme.py            # both parts
    python bench/bench_programme.py --part planner
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from calendars import england_calendar  # noqa: E402
from models import programme  # noqa: E402
from models.programme import LocalAuthorityState, load_rules, plan_programme  # noqa: E402

REGIONS = [
    "London",
    "North West",
    "South East",
    "South West",
    "West Midlands",
    "East Midlands",
    "East of England",
    "North East, Yorkshire and the Humber",
]
GRADES = ["outstanding", "good", "good", "requires_improvement", "inadequate"]
START, END = date(2026, 11, 23), date(2029, 11, 23)
STORE_START, STORE_END = date(2027, 5, 11), date(2030, 5, 11)  # the benchmark stores' day (bench/stores.py)
RUNS = 5


def synthetic(count: int) -> list[LocalAuthorityState]:
    rng = random.Random(count)
    states = []
    for n in range(count):
        last = date(2023, 1, 6) + timedelta(weeks=rng.randint(0, 150))
        states.append(
            LocalAuthorityState(
                code=f"E{n:08d}",
                name=f"LA {n}",
                region=REGIONS[n % len(REGIONS)],
                last_type=rng.choice(["short-inspection", "standard-inspection"]),
                last_end=last - timedelta(days=last.weekday() - 4),
                grade=rng.choice(GRADES),
            )
        )
    return states


def _forget() -> None:
    """Empty the planner's caches, so that a run costs what the first plan in a process costs."""
    for name in ("_months", "_after_inadequate_dates", "_season"):
        getattr(programme, name).cache_clear()


def _timed(call) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def planner() -> None:
    calendar = england_calendar()
    print("Pure planner, 3 years, medians of 5 (wall / CPU seconds; CPU per 1,000 LAs):")
    print(f"{'LAs':>8} {'activities':>11} {'first in process':>18} {'later':>15} {'CPU s/1,000 LAs':>16}")
    for count in (150, 1_500, 15_000):
        states = synthetic(count)
        rules = load_rules(inspectors_per_region=max(8, 8 * count // 150))

        run = partial(plan_programme, states, start=START, end=END, rules=rules, calendar=calendar)

        first, later, result = [], [], None
        for _ in range(RUNS):
            _forget()
            wall, cpu, result = _timed(run)
            first.append((wall, cpu))
            later.append(_timed(run)[:2])
        (fw, fc), (lw, lc) = (tuple(map(statistics.median, zip(*t, strict=True))) for t in (first, later))
        print(
            f"{count:>8,} {len(result.planned):>11,} {fw:>8.3f} / {fc:<7.3f} {lw:>6.3f} / {lc:<6.3f}"
            f" {fc / count * 1000:>16.3f}"
        )


def _once(url: str) -> None:
    """One process: open the store, then plan every LA as `ilacs programme plan` does; print the plan's
    wall and CPU time and later calls' medians as JSON."""
    from sqlmodel import Session

    from services.reports import programme as service
    from services.store import open_store

    engine, calendar = open_store(url), england_calendar()

    def call():
        with Session(engine) as session:
            return service.plan(session, region=None, start=STORE_START, end=STORE_END, calendar=calendar)

    first = _timed(call)
    later = [_timed(call)[:2] for _ in range(RUNS)]
    lw, lc = (statistics.median(t) for t in zip(*later, strict=True))
    print(
        json.dumps({"wall": first[0], "cpu": first[1], "later": [lw, lc], "planned": len(first[2].planned)})
    )


def _store_case(label: str, url: str, env: dict[str, str]) -> None:
    runs = []
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, __file__, "--once", url], env=env, capture_output=True, text=True, check=True
        )
        runs.append(json.loads(out.stdout.splitlines()[-1]))
    fw, fc = (statistics.median(r[k] for r in runs) for k in ("wall", "cpu"))
    lw, lc = (statistics.median(r["later"][i] for r in runs) for i in (0, 1))
    print(f"{label:<44} {runs[0]['planned']:>8,} {fw:>8.3f} / {fc:<7.3f} {lw:>6.3f} / {lc:<6.3f}")


def service() -> None:
    import stores

    print("\nThe service (reference data and store, then the planner), 3 years from 11 May 2027:")
    print(f"{'store':<44} {'planned':>8} {'first in process':>18} {'later':>15}")
    home = Path(tempfile.mkdtemp(prefix="ilacs-bench-programme-"))
    try:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("ILACS_", "PREFECT_"))}
        url = f"sqlite:///{home / 'new.db'}"
        env = base | stores.store_environment(url, home)
        subprocess.run([sys.executable, __file__, "--once", url], env=env, capture_output=True, check=True)
        _store_case("new store, the real LAs (SQLite)", url, env)
        cached = stores.cache_dir() / f"sqlite-10000-{stores.builder_version()}.db"
        if cached.exists():
            copy = home / "ilacs-10000.db"
            shutil.copyfile(cached, copy)
            url = f"sqlite:///{copy}"
            _store_case(
                "10,000-activity store, ~5,000 LAs (SQLite)", url, base | stores.store_environment(url, home)
            )
        else:
            print(f"(the 10,000-activity store is not cached at {cached}: build it with bench/stores.py)")
    finally:
        shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("planner", "service", "all"), default="all")
    parser.add_argument("--once", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.once:
        _once(args.once)
        return
    if args.part in ("planner", "all"):
        planner()
    if args.part in ("service", "all"):
        service()


if __name__ == "__main__":
    main()
