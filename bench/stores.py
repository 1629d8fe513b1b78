"""Stores at national scale for the store benchmark (bench_store.py), built through the project's own
commands, as staff would fill them: the reference LAs, contacts and staff imported, past inspections
imported as history, the national programme accepted, and current activities scheduled one by one,
with nothing recorded on any of them (the sweep's worst case). No row is written any other way.

    python bench/stores.py --size 10000 --backend sqlite --out /tmp/sqlite-10000.db
    python bench/stores.py --size 1000 --backend postgresql --out /tmp/postgresql-1000.dump

A store of `size` activities holds the 153 real LAs' latest inspections (history) and the programme
accepted for them from twelve weeks before the benchmark day, then synthetic LAs ("Scale LA n"), each
with one past standard inspection (history) and one current inspection or visit whose first day on
site was 4 to 12 weeks before the benchmark day, so that ten or so of its milestones have a reminder
step due on it. The day, the seed and the mix are fixed, so a build is reproducible (same rows, same
ids); a build is cached under BUILDER_VERSION (and migrated to the current schema when a copy is
opened), since building
10,000 activities through the services takes minutes. The programme's and history's counts are what
the project's planner makes of the real LAs, so the synthetic LAs fill the rest of `size`.

PostgreSQL stores are built in a throwaway server (started as the tests start theirs) and kept as a
`pg_dump -Fc` file; `restore_commands` says how to load one.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from calendars import LONDON  # noqa: E402

BENCH_DAY = date(2027, 5, 11)  # a Tuesday in British Summer Time, no bank holiday near it
AS_OF = datetime(2027, 5, 11, 7, 0, tzinfo=LONDON)  # the daily sweep's hour (deployments/local.py)
SEED = 20270511
BUILDER_VERSION = 1  # part of the cache key: bump it when a change here changes what a build stores
SIZES = (1_000, 10_000)
BACKENDS = ("sqlite", "postgresql")
# Not a secret: it seals the benchmark stores' audit chains, so that whoever copies a store can verify
# it and run the daily sweep (which checkpoints the chain). Give it as ILACS_AUDIT_KEY.
AUDIT_KEY = "ilacs-bench-stores-audit-key-not-a-secret-2027-05-11"
PROGRAMME_FROM = BENCH_DAY - timedelta(weeks=12)  # accepted then: its first visits are under way
REGISTERED = BENCH_DAY - timedelta(weeks=16)  # when the current activities were scheduled
CURRENT_MIX = (  # the current activities of the synthetic LAs: type, weight
    ("standard-inspection", 3),
    ("short-inspection", 3),
    ("focused-visit", 2),
    ("monitoring-visit", 2),
)
CURRENT_WEEKS_AGO = (4, 12)  # first day on site, weeks before the benchmark day (inclusive)
REGIONS = (
    "East Midlands",
    "East of England",
    "London",
    "North East, Yorkshire and the Humber",
    "North West",
    "South East",
    "South West",
    "West Midlands",
)


@dataclass(frozen=True)
class Summary:
    """What a store holds, as counted in it after the build."""

    size: int
    backend: str
    activities: int
    planned_activities: int
    milestones: int
    open_milestones: int
    reminder_steps_due: int  # open milestones whose reminder ladder has a step due on the benchmark day
    synthetic_las: int
    build_seconds: float


def builder_version() -> str:
    """The cache key: the version of this builder. A store built at an older schema is migrated to the
    current one when the benchmark opens its copy (as an upgraded installation would be), so a new
    migration does not cost a rebuild; raise BUILDER_VERSION when what is generated changes."""
    return f"v{BUILDER_VERSION}"


def store_environment(url: str, home: Path) -> dict[str, str]:
    """The ILACS_ variables a process using a benchmark store needs (no Prefect server)."""
    return {"ILACS_DATABASE_URL": url, "ILACS_HOME": str(home), "ILACS_AUDIT_KEY": AUDIT_KEY}


def _ilacs(*argv: str) -> str:
    """One `ilacs` command in this process (the store stays open between commands); its output."""
    from interfaces.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    if status != 0:
        raise RuntimeError(f"ilacs {' '.join(argv)}: exit {status}: {err.getvalue().strip()}")
    return out.getvalue()


def _csv(path: Path, header: list[str], rows: list[list[object]]) -> str:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def _onsite(activity_type: str, around: date, calendar) -> date:
    """The first usual day on site for `activity_type` in the week of `around`, moved a week earlier
    until that week has no bank holiday and the day is outside the periods the programme avoids."""
    from models.checks import period_conflicts
    from models.timeline import target_days, template_in_force

    monday = around - timedelta(days=around.weekday())
    while True:
        week = [monday + timedelta(days=n) for n in range(5)]
        if all(calendar.is_working_day(d) for d in week):
            template = template_in_force(activity_type, monday, calendar=calendar)
            onsite = monday + timedelta(days=template.weekdays[0] if template.weekdays else 0)
            days = target_days(template, onsite, calendar=calendar)
            if not period_conflicts(template, days, frozenset()):
                return onsite
        monday -= timedelta(weeks=1)


def _shipped_latest_inspections() -> list[list[object]]:
    """History rows for the real LAs: their latest graded inspection, from the shipped reference data."""
    from services.store.reference_data import shipped

    rows = csv.DictReader(io.StringIO(shipped("latest-ilacs-judgements.csv")))
    return [
        [r["ons_code"], f"{r['inspection_type']}-inspection", r["fieldwork_start"], r["fieldwork_end"]]
        for r in rows
    ]


def _lead_inspectors() -> dict[str, list[str]]:
    from services.store.reference_data import shipped

    leads: dict[str, list[str]] = {}
    for row in csv.DictReader(io.StringIO(shipped("fictional-demo-staff.csv"))):
        if row["role"] == "lead_inspector":
            leads.setdefault(row["ofsted_region"], []).append(row["name"])
    return leads


def build(size: int, url: str, home: Path, *, log=print) -> Summary:
    """Fill the empty store at `url` with `size` activities through the `ilacs` commands."""
    began = time.perf_counter()
    os.environ.update(store_environment(url, home))
    os.environ.pop("PREFECT_API_URL", None)  # `schedule` registers in this process, not as a flow run
    from services.settings import calendar_in_force
    from services.store.reference_data import shipped

    calendar = calendar_in_force()
    rng = random.Random(SEED)
    work = Path(tempfile.mkdtemp(prefix="ilacs-store-build-"))
    try:
        for what, name in (
            ("contacts", "fictional-demo-contacts.csv"),
            ("staff", "fictional-demo-staff.csv"),
        ):
            (work / name).write_text(shipped(name), encoding="utf-8")
            _ilacs("import", what, str(work / name), "--by", "bench")
        real = _shipped_latest_inspections()
        history = ["la_code", "activity_type", "onsite_start", "fieldwork_end"]
        _ilacs("import", "history", _csv(work / "real-history.csv", history, real), "--by", "bench")
        accepted = _ilacs(
            "programme",
            "accept",
            "--from",
            PROGRAMME_FROM.isoformat(),
            "--years",
            "3",
            "--by",
            "bench",
            "--as-of",
            PROGRAMME_FROM.isoformat(),
        )
        programme = int(accepted.split()[1])
        rest = size - len(real) - programme
        if rest < 2:
            raise ValueError(f"--size {size} is smaller than the real LAs' history and programme")
        synthetic = (rest + 1) // 2  # each has one past inspection; all but the last, if odd, a current one
        log(f"{len(real)} past and {programme} planned activities at the real LAs; {synthetic} synthetic LAs")
        codes = [f"E10{900000 + n:06d}" for n in range(synthetic)]
        regions = [REGIONS[n % len(REGIONS)] for n in range(synthetic)]
        las = [[code, f"Scale LA {n + 1}", regions[n]] for n, code in enumerate(codes)]
        _ilacs("import", "las", _csv(work / "las.csv", ["ons_code", "name", "ofsted_region"], las))
        contacts = [
            [code, role, f"{title} of Scale LA {n + 1}", f"{role}.{code.lower()}@example.org", "2024-01-01"]
            for n, code in enumerate(codes)
            for role, title in (("dcs", "DCS"), ("link_person", "Link person"))
        ]
        contact_columns = ["la_code", "role", "name", "email", "valid_from"]
        _ilacs("import", "contacts", _csv(work / "scale-contacts.csv", contact_columns, contacts))
        past = []
        for code in codes:
            onsite = _onsite(
                "standard-inspection", date(2024, 1, 8) + timedelta(weeks=rng.randrange(100)), calendar
            )
            past.append(
                [code, "standard-inspection", onsite.isoformat(), (onsite + timedelta(days=11)).isoformat()]
            )
        _ilacs("import", "history", _csv(work / "scale-history.csv", history, past), "--by", "bench")
        leads = _lead_inspectors()
        types = [t for t, weight in CURRENT_MIX for _ in range(weight)]
        current = rest - synthetic
        for n, code in enumerate(codes[:current]):
            activity_type = rng.choice(types)
            weeks = rng.randint(*CURRENT_WEEKS_AGO)
            onsite = _onsite(activity_type, BENCH_DAY - timedelta(weeks=weeks), calendar)
            lead = rng.choice(leads[regions[n]])
            _ilacs(
                "schedule",
                activity_type,
                "--la",
                code,
                "--onsite",
                onsite.isoformat(),
                "--lead",
                lead,
                "--by",
                "bench",
                "--as-of",
                REGISTERED.isoformat(),
            )
            if (n + 1) % 500 == 0:
                log(
                    f"scheduled {n + 1} of {current} current activities ({time.perf_counter() - began:.0f} s)"
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return count(size, url, synthetic, time.perf_counter() - began)


def count(size: int, url: str, synthetic: int, seconds: float) -> Summary:
    """What the store holds, and how many reminder steps are due on the benchmark day."""
    from sqlalchemy import func
    from sqlmodel import select

    from models.records import Activity, Milestone
    from models.reminders import latest_due_step, shipped_policy
    from models.states import ActivityStatus, MilestoneStatus
    from services.settings import calendar_in_force
    from services.store import open_store
    from services.store.database import transaction

    calendar, policy = calendar_in_force(), shipped_policy()
    with transaction(open_store(url)) as session:
        activities = session.exec(select(func.count()).select_from(Activity)).one()
        planned = session.exec(
            select(func.count()).select_from(Activity).where(Activity.status == ActivityStatus.PLANNED)
        ).one()
        milestones = session.exec(select(func.count()).select_from(Milestone)).one()
        open_rows = session.exec(
            select(Milestone.key, Milestone.forecast)
            .join(Activity, Activity.id == Milestone.activity_id)
            .where(
                Activity.status == ActivityStatus.PLANNED,
                Milestone.status == MilestoneStatus.PLANNED,
                Milestone.actual.is_(None),
                Milestone.forecast.is_not(None),
            )
        ).all()
    due = sum(
        1 for key, forecast in open_rows if latest_due_step(policy.steps_for(key), forecast, AS_OF, calendar)
    )
    backend = "sqlite" if url.startswith("sqlite") else "postgresql"
    return Summary(
        size, backend, activities, planned, milestones, len(open_rows), due, synthetic, round(seconds, 1)
    )


# --- PostgreSQL: a throwaway server, as tests/integration/postgres.py starts one ---------------------


@contextlib.contextmanager
def postgres_server():
    """A throwaway PostgreSQL on loopback (the tests' own helper); yields its SQLAlchemy URL."""
    from tests.integration.postgres import postgres_server as server

    with server() as url:
        yield url


def pg_bin(name: str) -> str:
    from tests.integration.postgres import server_binaries

    return str(server_binaries() / name)


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def dump(url: str, out: Path) -> None:
    subprocess.run([pg_bin("pg_dump"), "-Fc", "--no-owner", "-f", str(out), _libpq(url)], check=True)


def restore(dump_file: Path, url: str) -> None:
    """Load a dump made by `dump` into the empty database at `url`, then vacuum and analyse it: a
    restore leaves no planner statistics and no visibility map, which a live store has from autovacuum
    (without them, overdue's count was a 0.12 s nested loop instead of a 0.035 s hash join)."""
    subprocess.run(
        [pg_bin("pg_restore"), "--no-owner", "--exit-on-error", "-d", _libpq(url), str(dump_file)], check=True
    )
    subprocess.run([pg_bin("vacuumdb"), "--analyze", "--quiet", "-d", _libpq(url)], check=True)


def restore_commands(dump_file: str) -> str:
    """The shell commands that start a throwaway PostgreSQL and restore `dump_file` into it."""
    bin_dir = Path(pg_bin("pg_ctl")).parent
    as_user = "runuser -u postgres -- " if os.geteuid() == 0 else ""
    chown = 'chown postgres "$PGROOT"\n' if os.geteuid() == 0 else ""
    return (
        "PGROOT=$(mktemp -d)\n"
        'PGPORT=$(python3 -c \'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); '
        "print(s.getsockname()[1])')  # a free port\n"
        f"{chown}"
        f'{as_user}{bin_dir}/initdb -D "$PGROOT/data" -A trust -U ilacs -E UTF8 --no-sync\n'
        f'{as_user}{bin_dir}/pg_ctl -D "$PGROOT/data" -l "$PGROOT/server.log" -w start '
        f'-o "-k $PGROOT -c listen_addresses=127.0.0.1 -p $PGPORT -c fsync=off -c full_page_writes=off"\n'
        f"{bin_dir}/pg_restore --no-owner --exit-on-error -d postgresql://ilacs@127.0.0.1:$PGPORT/postgres "
        f"{dump_file}\n"
        f"{bin_dir}/vacuumdb --analyze --quiet -d postgresql://ilacs@127.0.0.1:$PGPORT/postgres\n"
        "export ILACS_DATABASE_URL=postgresql://ilacs@127.0.0.1:$PGPORT/postgres\n"
        f'# when done: {as_user}{bin_dir}/pg_ctl -D "$PGROOT/data" -m immediate stop; rm -rf "$PGROOT"'
    )


# --- the cache -------------------------------------------------------------------------------------


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(os.environ.get("ILACS_BENCH_STORES") or Path(base) / "ilacs-bench-stores")


def cached(size: int, backend: str, *, log=print) -> tuple[Path, Summary]:
    """The store of `size` on `backend` (a SQLite file, or a PostgreSQL dump), built once per version
    of the schema and of this file."""
    import json

    if backend not in BACKENDS:
        raise ValueError(f"backend {backend!r} is not one of {', '.join(BACKENDS)}")
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"{backend}-{size}-{builder_version()}"
    path = stem.with_suffix(".db" if backend == "sqlite" else ".dump")
    summary_file = stem.with_suffix(".json")
    if path.exists() and summary_file.exists():
        return path, Summary(**json.loads(summary_file.read_text()))
    log(f"building the {backend} store of {size:,} activities (cached as {path})")
    home = Path(tempfile.mkdtemp(prefix="ilacs-store-home-"))
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        if backend == "sqlite":
            summary = build(size, f"sqlite:///{draft}", home, log=log)
            _dispose_engines()
            _checkpoint_sqlite(draft)
        else:
            with postgres_server() as url:
                summary = build(size, url, home, log=log)
                _dispose_engines()
                dump(url, draft)
        os.replace(draft, path)  # whole or not at all: an interrupted build leaves no store behind
        summary_file.write_text(json.dumps(asdict(summary), indent=2))
    finally:
        draft.unlink(missing_ok=True)
        shutil.rmtree(home, ignore_errors=True)
    return path, summary


def _dispose_engines() -> None:
    from services.store import _opened

    for engine in _opened.values():
        engine.dispose()
    _opened.clear()


def _checkpoint_sqlite(path: Path) -> None:
    """Fold the write-ahead log into the file, so that one file is the whole store."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("PRAGMA journal_mode=DELETE")
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def publish(folder: Path, backends: tuple[str, ...] = BACKENDS, *, log=print) -> None:
    """The benchmark stores of `backends` (built or taken from the cache) copied into `folder`, with a
    READY file saying what each holds and how to use it, written last."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        "Benchmark stores of ilacs-orchestrator, built by bench/stores.py through the project's own",
        f"commands (imports, `programme accept`, `schedule`), builder version {builder_version()}.",
        "",
        f"Benchmark day: {AS_OF.isoformat()} Europe/London ({AS_OF:%A %d %B %Y, %H:%M} BST), the",
        "daily sweep's hour; pass it as --as-of (e.g. `ilacs sweep --as-of 2027-05-11T07:00+01:00`,",
        "`ilacs due --as-of 2027-05-11`). Nothing is recorded on any activity and nothing is queued",
        "in the outbox: the sweep's worst case.",
        "",
        "Every process using a store needs these settings (the audit key is not a secret: it seals",
        "these stores' audit chains, so that audit verify, compliance and the daily sweep work):",
        f"  ILACS_AUDIT_KEY={AUDIT_KEY}",
        "  ILACS_HOME=<a fresh directory>",
        "  ILACS_DATABASE_URL=sqlite:////absolute/path/to/a/COPY/of/sqlite-N.db  (copy the file first:",
        "  the store is changed by whatever runs on it)",
        "",
    ]
    for backend in backends:
        for size in SIZES:
            path, summary = cached(size, backend, log=log)
            name = f"{backend}-{size}{path.suffix}"
            shutil.copyfile(path, folder / name)
            what = "SQLite file" if backend == "sqlite" else "PostgreSQL dump (pg_dump -Fc)"
            lines += [
                f"{name}: {what}",
                f"  activities {summary.activities:,} ({summary.planned_activities:,} planned, the rest "
                f"historic), milestones {summary.milestones:,}, open {summary.open_milestones:,},",
                f"  reminder steps due on the benchmark day {summary.reminder_steps_due:,} (open milestones "
                f"whose ladder has a step due; each is one message per recipient),",
                f"  {summary.synthetic_las:,} synthetic LAs ('Scale LA n', from E10900000) and the 156 real",
            ]
    lines += [
        "",
        "PostgreSQL: start a throwaway server (as tests/integration/postgres.py does), restore a dump:",
        restore_commands(str(folder / "postgresql-10000.dump")),
        "",
        "Rebuild or check: `python bench/stores.py --size 10000 --backend sqlite --out PATH` (cached in",
        f"{cache_dir()} under the builder's version; copies are migrated to the current schema when opened).",
    ]
    (folder / "READY").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, help=f"activities (the benchmark's: {SIZES})")
    parser.add_argument("--backend", choices=BACKENDS, help="default: sqlite; with --publish, both")
    parser.add_argument("--out", help="copy the store (SQLite file or PostgreSQL dump) here")
    parser.add_argument("--publish", metavar="DIR", help="every benchmark store and a READY file, into DIR")
    args = parser.parse_args(argv)
    log = lambda line: print(line, file=sys.stderr)  # noqa: E731
    if args.publish:
        publish(Path(args.publish), (args.backend,) if args.backend else BACKENDS, log=log)
        print((Path(args.publish) / "READY").read_text())
        return 0
    if args.size is None:
        parser.error("give --size (or --publish DIR)")
    path, summary = cached(args.size, args.backend or "sqlite", log=log)
    if args.out:
        shutil.copyfile(path, args.out)
    for name, value in asdict(summary).items():
        print(f"{name}: {value}")
    print(f"benchmark day: {AS_OF.isoformat()} (Europe/London)")
    print(f"store: {args.out or path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
