"""Commands for the national programme: plan, accept, compare."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from datetime import date
from pathlib import Path

from calendars import england_calendar
from interfaces.commands.common import (
    now_or_as_of,
    print_json,
)
from interfaces.parsing import UsageError, parse_day
from services.database import open_store, transaction
from services.reference_data import read_csv_file


def _programme(session, args: argparse.Namespace, **rule_overrides):
    from models.programme import load_rules, plan_programme
    from services import programme

    start = parse_day(args.start, "--from")
    end = date(start.year + args.years, start.month, min(start.day, 28))
    rules = load_rules(**rule_overrides)
    states = programme.starting_states(
        session,
        region=args.region,
        deteriorating=frozenset(args.deteriorating or ()),
        jtai=frozenset(args.jtai or ()),
    )
    send = {}
    if args.send:
        for row in csv.DictReader(io.StringIO(read_csv_file(Path(args.send)))):
            send.setdefault(row["la_code"], []).append(
                (date.fromisoformat(row["start"]), date.fromisoformat(row["end"]))
            )
    return plan_programme(
        states, start=start, end=end, rules=rules, calendar=england_calendar(),
        bookings=programme.bookings(session, start), send_inspections=send,
    )  # fmt: skip


def _capacity(pairs: list[str] | None) -> dict:
    from models.programme import shipped_rules

    caps = {"*": shipped_rules().capacity("*")}
    for pair in pairs or ():
        region, _, number = pair.rpartition("=")
        if not region or not number.isdigit():
            raise UsageError(f"--capacity {pair!r}: use REGION=N, e.g. 'London=6'")
        caps[region] = int(number)
    return {"inspectors_per_region": caps}


def _programme_json(plan) -> dict:
    def planned(p) -> dict:
        return {
            "la": p.code, "name": p.name, "region": p.region, "activity_type": p.activity_type,
            "onsite": p.onsite.isoformat(), "window": [d.isoformat() for d in p.window], "reasons": p.reasons,
        }  # fmt: skip

    def unplaced(u) -> dict:
        return {
            "la": u.code, "name": u.name, "region": u.region, "activity_type": u.activity_type,
            "window": [d.isoformat() for d in u.window], "reason": u.reason,
        }  # fmt: skip

    return {
        "planned": [planned(p) for p in plan.planned],
        "unplaced": [unplaced(u) for u in plan.unplaced],
        "notes": plan.notes,
    }


def cmd_programme(args: argparse.Namespace) -> int:
    from models.programme import compare
    from services import programme

    with transaction(open_store()) as session:
        plan = _programme(session, args, **_capacity(args.capacity))
        if args.programme_command == "compare":
            baseline = _programme(session, args, **_capacity(None))
            print("\n".join(compare(baseline, plan)) or "nothing moves")
            return 0
        if args.programme_command == "accept":
            ids = programme.accept(
                session, plan, actor=args.by, now=now_or_as_of(args), calendar=england_calendar()
            )
            print(f"registered {len(ids)} activities")
            return 0
    if args.json:
        print_json(_programme_json(plan))
    elif args.csv:
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(
            ["la_code", "name", "region", "activity_type", "onsite", "window_from", "window_to", "why"]
        )
        for p in plan.planned:
            out.writerow(
                [p.code, p.name, p.region, p.activity_type, p.onsite, *p.window, " | ".join(p.reasons)]
            )
    else:
        for p in plan.planned:
            print(f"{p.onsite}  {p.activity_type:<20} {p.name} ({p.region})")
            for reason in p.reasons:
                print(f"            {reason}")
        for u in plan.unplaced:
            window = f"window {u.window[0]} to {u.window[1]}"
            print(f"NOT PLACED  {u.activity_type:<20} {u.name} ({u.region}), {window}: {u.reason}")
        for note in plan.notes:
            print(f"note: {note}")
        print(f"{len(plan.planned)} planned, {len(plan.unplaced)} not placed")
    return 0
