"""`make bench` (command line): wall time of `ilacs timeline` (no store) and `ilacs due` (a SQLite store
with one activity), each against a bare start of the same interpreter measured in the same run, so the
ratios compare across machines. Medians of 10 runs, after one unmeasured run of each that leaves the
project's modules byte-compiled, as they are after a first run anywhere Python may write its caches."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPEATS = 10
ILACS = str(Path(sys.executable).with_name("ilacs"))
TIMELINE = "timeline standard-inspection --onsite 2025-01-13 --json"  # no store
DUE = "due --as-of 2025-01-06"  # opens the store
FLOOR = "python -c pass (the floor)"
COMMANDS = {
    FLOOR: [sys.executable, "-c", "pass"],
    f"ilacs {TIMELINE}": [ILACS, *TIMELINE.split()],
    f"ilacs {DUE}": [ILACS, *DUE.split()],
}


def median_seconds(command: list[str], env: dict[str, str]) -> float:
    subprocess.run(command, check=True, capture_output=True, env=env)
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="ilacs-bench-") as home:
        env = {**os.environ, "ILACS_HOME": home}
        env.pop("ILACS_DATABASE_URL", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.pop("PREFECT_API_URL", None)  # schedule in this process, not as a flow run on a server
        schedule = (
            "schedule standard-inspection --la E09000002 --onsite 2025-01-13 --lead Ann --as-of 2025-01-02"
        )
        subprocess.run([ILACS, *schedule.split()], check=True, capture_output=True, env=env)
        medians = {name: median_seconds(command, env) for name, command in COMMANDS.items()}
    floor = medians[FLOOR]
    width = 64
    print(f"{'command':<{width}} {f'median of {REPEATS}, s':>17} {'x floor':>8}")
    for name, seconds in medians.items():
        print(f"{name:<{width}} {seconds:>17.3f} {seconds / floor:>8.1f}")


if __name__ == "__main__":
    main()
