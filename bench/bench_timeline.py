"""`make bench`: working-day offsets against numpy, whole timelines, one Prefect flow, the CLI preview.

Each figure is the median of several repeats, measured in this run; numpy.busday_offset on the same
holidays is the reference for the offsets.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

from calendars import england_calendar
from models.timeline import plan, template_in_force

REPEATS = 5
OFFSETS = 1_000_000
ACTIVITIES = 10_000
rng = random.Random(20181201)


def median_seconds(fn, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def offsets_benchmark(calendar) -> list[tuple[str, float]]:
    first, last = date(2018, 1, 1).toordinal(), date(2030, 12, 31).toordinal()
    starts = [calendar.roll_forward(date.fromordinal(rng.randint(first, last))) for _ in range(OFFSETS)]
    ns = [rng.randint(0, 90) for _ in range(OFFSETS)]
    non_working = [d for d in calendar._names if d.weekday() < 5]
    busdaycal = np.busdaycalendar(holidays=np.array(sorted(non_working), dtype="datetime64[D]"))
    starts64 = np.array(starts, dtype="datetime64[D]")
    ns64 = np.array(ns, dtype=np.int64)

    ours = calendar.add_working_days_bulk(starts64, ns64)
    theirs = np.busday_offset(starts64, ns64, roll="forward", busdaycal=busdaycal)
    assert (ours == theirs).all(), "the calendar and numpy disagree"

    scalar_sample = 200_000
    pairs = list(zip(starts[:scalar_sample], ns[:scalar_sample], strict=True))
    pairs64 = list(zip(starts64[:scalar_sample], ns[:scalar_sample], strict=True))
    add = calendar.add_working_days
    busday_offset = np.busday_offset
    ours_scalar = median_seconds(lambda: [add(d, n) for d, n in pairs])
    numpy_scalar = median_seconds(
        lambda: [busday_offset(d, n, roll="forward", busdaycal=busdaycal) for d, n in pairs64]
    )
    ours_bulk = median_seconds(lambda: calendar.add_working_days_bulk(starts64, ns64))
    numpy_bulk = median_seconds(lambda: np.busday_offset(starts64, ns64, roll="forward", busdaycal=busdaycal))
    return [
        ("offsets/s, scalar, this calendar", scalar_sample / ours_scalar),
        ("offsets/s, scalar, numpy.busday_offset", scalar_sample / numpy_scalar),
        ("offsets/s, bulk of 1,000,000, this calendar", OFFSETS / ours_bulk),
        ("offsets/s, bulk of 1,000,000, numpy.busday_offset", OFFSETS / numpy_bulk),
    ]


def timelines_benchmark(calendar) -> float:
    types = ["standard-inspection", "short-inspection", "focused-visit", "monitoring-visit"]
    first, last = date(2018, 6, 1).toordinal(), date(2030, 6, 30).toordinal()
    cases = []
    for _ in range(ACTIVITIES):
        activity_type = rng.choice(types)
        onsite = calendar.roll_forward(date.fromordinal(rng.randint(first, last)))
        cases.append((template_in_force(activity_type, onsite, calendar=calendar), onsite))
    return median_seconds(lambda: [plan(t, d, calendar=calendar) for t, d in cases])


def cli_benchmark() -> float:
    ilacs = Path(sys.executable).with_name("ilacs")
    command = [str(ilacs), "timeline", "standard-inspection", "--onsite", "2025-01-13", "--json"]
    return median_seconds(lambda: subprocess.run(command, check=True, capture_output=True))


def flow_benchmark() -> tuple[float, float]:
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from flows.activity_timeline import flow_for

    run = flow_for("standard-inspection")
    start = time.perf_counter()
    run(activity_type="standard-inspection", onsite=date(2025, 1, 13))
    first = time.perf_counter() - start
    return first, median_seconds(lambda: run(activity_type="standard-inspection", onsite=date(2025, 1, 13)))


def main() -> None:
    calendar = england_calendar()
    rows = offsets_benchmark(calendar)
    width = 56
    print(f"{'measure':<{width}} median of {REPEATS}")
    for name, rate in rows:
        print(f"{name:<{width}} {rate:>14,.0f}")
    print(f"{'ratio scalar: this calendar / numpy':<{width}} {rows[0][1] / rows[1][1]:>14.1f}x")
    print(f"{'ratio bulk: this calendar / numpy':<{width}} {rows[2][1] / rows[3][1]:>14.1f}x")
    seconds = timelines_benchmark(calendar)
    print(f"{'every milestone of 10,000 activities, seconds':<{width}} {seconds:>14.3f}")
    print(f"{'`ilacs timeline --json` wall time, seconds':<{width}} {cli_benchmark():>14.3f}")
    first, warm = flow_benchmark()
    print(f"{'one activity flow, first in process (server start), s':<{width}} {first:>14.2f}")
    print(f"{'one activity flow, later runs, seconds':<{width}} {warm:>14.2f}")


if __name__ == "__main__":
    main()
