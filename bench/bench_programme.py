"""`make bench` (programme): planning every LA over 3 years, for 150, 1,500 and 15,000 synthetic LAs,
capacity scaled with the number of LAs so that the work per LA stays the same. Medians of 5 runs."""

from __future__ import annotations

import random
import statistics
import time
from datetime import date, timedelta

from calendars import england_calendar
from models.programme import LocalAuthorityState, load_rules, plan_programme

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


def main() -> None:
    calendar = england_calendar()
    print(f"{'LAs':>8} {'activities':>11} {'median s':>9} {'s per 1,000 LAs':>16}")
    for count in (150, 1_500, 15_000):
        states = synthetic(count)
        rules = load_rules(inspectors_per_region=max(8, 8 * count // 150))
        times, result = [], None
        for _ in range(5):
            begin = time.perf_counter()
            result = plan_programme(
                states, start=date(2026, 11, 23), end=date(2029, 11, 23), rules=rules, calendar=calendar
            )
            times.append(time.perf_counter() - begin)
        median = statistics.median(times)
        print(f"{count:>8,} {len(result.planned):>11,} {median:>9.3f} {median / count * 1000:>16.3f}")


if __name__ == "__main__":
    main()
