"""`make bench` (command line): the wall time of each interactive command, from start to exit, against a
bare start of the same interpreter measured in the same run, so the ratios compare across machines, and
its CPU time (user + system), the steadier figure on a shared machine. Medians of 10 runs, after one
unmeasured run of each that leaves the project's modules byte-compiled, as they are after a first run
anywhere Python may write its caches.

The store is a SQLite store with one activity made here, or one on a throwaway PostgreSQL server
started as the tests start theirs (`--postgresql`), or the one given: `--store FILE.db` (a copy is
measured, the file is left as it was) or `--store URL` (measured in place; due, overdue and show only
read). Goal (issue 12): due, overdue, show and timeline under 0.3 s wall each on 10,000 activities.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPEATS = 10
ILACS = str(Path(sys.executable).with_name("ilacs"))
FLOOR = "python -c pass (the floor)"
SCHEDULE = "schedule standard-inspection --la E09000002 --onsite 2025-01-13 --lead Ann --as-of 2025-01-02"
COMMANDS = [
    "timeline standard-inspection --onsite 2025-01-13 --json",  # no store
    "where",  # settings only
    "due --as-of {as_of}",
    "overdue --as-of {as_of} --la E09000002",
    "show 1",
]


def median_seconds(command: list[str], env: dict[str, str], repeats: int) -> tuple[float, float]:
    """The median wall time and the median CPU time (user + system) of the command's process: on a
    shared machine the CPU time is the steadier of the two."""
    subprocess.run(command, check=True, capture_output=True, env=env)
    walls, cpus = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="a SQLite file or a database URL (default: a new one-activity store)")
    parser.add_argument("--postgresql", action="store_true", help="a one-activity store on PostgreSQL")
    parser.add_argument("--audit-key", help="the key the given store's audit chain is sealed with")
    parser.add_argument("--as-of", default="2025-01-06", help="the day due and overdue are asked about")
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        home = stack.enter_context(tempfile.TemporaryDirectory(prefix="ilacs-bench-"))
        env = {key: value for key, value in os.environ.items() if not key.startswith("ILACS_")}
        env["ILACS_HOME"] = home
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.pop("PREFECT_API_URL", None)  # schedule in this process, not as a flow run on a server
        if args.audit_key:  # else the first open cannot anchor the chain, and every later one tries again
            env["ILACS_AUDIT_KEY"] = args.audit_key
        if args.store is None:
            if args.postgresql:
                sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
                from tests.integration.postgres import postgres_server

                env["ILACS_DATABASE_URL"] = stack.enter_context(postgres_server())
            subprocess.run([ILACS, *SCHEDULE.split()], check=True, capture_output=True, env=env)
            store = f"{'PostgreSQL' if args.postgresql else 'SQLite'}, 1 activity"
        elif "://" in args.store:
            env["ILACS_DATABASE_URL"] = args.store
            store = args.store.partition("://")[0]
        else:
            shutil.copy(args.store, Path(home) / "ilacs.db")
            store = f"SQLite, {Path(args.store).name}"
        commands = {FLOOR: [sys.executable, "-c", "pass"]}
        for command in (command.format(as_of=args.as_of) for command in COMMANDS):
            commands[f"ilacs {command}"] = [ILACS, *command.split()]
        medians = {name: median_seconds(command, env, args.repeats) for name, command in commands.items()}
    floor_wall, floor_cpu = medians[FLOOR]
    width = max(len(name) for name in medians)
    print(f"store: {store}; medians of {args.repeats}")
    print(f"{'command':<{width}} {'wall, s':>8} {'x floor':>8} {'CPU, s':>8} {'x floor':>8}")
    for name, (wall, cpu) in medians.items():
        print(f"{name:<{width}} {wall:>8.3f} {wall / floor_wall:>8.1f} {cpu:>8.3f} {cpu / floor_cpu:>8.1f}")


if __name__ == "__main__":
    main()
