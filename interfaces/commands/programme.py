"""Commands for the national programme: plan, accept, compare."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date
from pathlib import Path

from calendars.england import LAST_YEAR
from interfaces.commands.common import (
    now_or_as_of,
    print_json,
)
from interfaces.parsing import UsageError, _Parser, add_as_of, la_code, parse_day, person, whole_number
from services.settings import calendar_in_force
from services.validation import one_of

_COUNT = re.compile(r"[0-9]{1,9}")


def register(sub) -> None:
    programme = sub.add_parser("programme", help="the national programme: when each LA is next inspected")
    programme_sub = programme.add_subparsers(dest="programme_command", required=True, parser_class=_Parser)
    planners = []
    for name, text in (
        ("plan", "propose a dated programme, with why each activity sits where it does"),
        ("accept", "register the proposed activities in the store"),
        ("compare", "what moves under other capacities (--capacity), against the plan as configured"),
    ):
        planner = programme_sub.add_parser(name, help=text)
        planner.add_argument("--from", dest="start", required=True)
        planner.add_argument("--years", type=whole_number(1), default=3)
        planner.add_argument("--region")
        planner.add_argument(
            "--deteriorating",
            action="append",
            type=la_code,
            metavar="ONS_CODE",
            help="pathway 1 with [003 ¶19]",
        )
        planner.add_argument("--capacity", action="append", metavar="REGION=N", help="inspectors per week")
        planner.add_argument(
            "--jtai", action="append", type=la_code, metavar="ONS_CODE", help="chosen for a JTAI [003 ¶26]"
        )
        planner.add_argument("--send", metavar="FILE.csv", help="LA SEND inspections: la_code,start,end")
        planner.set_defaults(handler=cmd_programme)
        planners.append(planner)
    plan, accept, _ = planners
    plan.add_argument("--json", action="store_true")
    plan.add_argument("--csv", action="store_true")
    accept.add_argument("--by", required=True, type=person)
    add_as_of(accept)


def _inputs(session, args: argparse.Namespace) -> dict:
    """Every option checked against the calendar and the store before anything is planned, so a
    misspelt region or code is refused rather than planned around."""
    from services.reports import queries

    start = parse_day(args.start, "--from")
    if start.year + args.years > LAST_YEAR:
        raise UsageError(
            f"--from {start} with --years {args.years} runs past the calendar's last year, {LAST_YEAR}"
        )
    queries.Filters(region=args.region).check(session)
    queries.check_la_codes(session, args.deteriorating or (), "--deteriorating")
    queries.check_la_codes(session, args.jtai or (), "--jtai")
    return {
        "start": start,
        "end": date(start.year + args.years, start.month, min(start.day, 28)),
        "send": _send_inspections(session, args.send) if args.send is not None else {},
    }


def _send_inspections(session, name: str) -> dict[str, list[tuple[date, date]]]:
    """LA SEND inspections from `--send FILE.csv` (la_code,start,end), every row checked."""
    from services.reports import queries
    from services.store.reference_data import csv_rows, read_csv_file

    source = Path(name).name
    known = queries.la_codes(session)
    send: dict[str, list[tuple[date, date]]] = {}
    for line, row in csv_rows(read_csv_file(Path(name)), ("la_code", "start", "end"), source):
        where = f"{source}: line {line}"
        if row["la_code"] not in known:
            raise UsageError(f"{where}: la_code {row['la_code']!r} is not a known local authority")
        start, end = parse_day(row["start"], f"{where}: start"), parse_day(row["end"], f"{where}: end")
        if end < start:
            raise UsageError(f"{where}: end {end} is before start {start}")
        send.setdefault(row["la_code"], []).append((start, end))
    return send


def _programme(session, args: argparse.Namespace, inputs: dict, **rule_overrides):
    from services.reports import programme

    return programme.plan(
        session,
        region=args.region,
        start=inputs["start"],
        end=inputs["end"],
        calendar=calendar_in_force(),
        deteriorating=frozenset(args.deteriorating or ()),
        jtai=frozenset(args.jtai or ()),
        send_inspections=inputs["send"],
        **rule_overrides,
    )


def _capacity(session, pairs: list[str] | None) -> dict:
    """`--capacity REGION=N` as the rules' inspectors per region; `*` sets every region's."""
    from models.programme import shipped_rules
    from services.reports import queries

    caps = {"*": shipped_rules().capacity("*")}
    given: set[str] = set()
    for pair in pairs or ():
        region, _, number = pair.rpartition("=")
        if not region or not _COUNT.fullmatch(number):
            raise UsageError(f"--capacity {pair!r}: use REGION=N, e.g. 'London=6'")
        if region != "*":
            one_of(region, queries.regions(session), "--capacity region")
        if region in given:
            raise UsageError(f"--capacity {region}: given twice")
        given.add(region)
        caps[region] = int(number)
    return {"inspectors_per_region": caps}


def _programme_json(plan) -> dict:
    def planned(p) -> dict:
        return {
            "la": p.code,
            "name": p.name,
            "region": p.region,
            "activity_type": p.activity_type,
            "onsite": p.onsite.isoformat(),
            "window": [d.isoformat() for d in p.window],
            "reasons": p.reasons,
        }

    def unplaced(u) -> dict:
        return {
            "la": u.code,
            "name": u.name,
            "region": u.region,
            "activity_type": u.activity_type,
            "window": [d.isoformat() for d in u.window],
            "reason": u.reason,
        }

    return {
        "planned": [planned(p) for p in plan.planned],
        "unplaced": [unplaced(u) for u in plan.unplaced],
        "notes": plan.notes,
    }


def cmd_programme(args: argparse.Namespace) -> int:
    from interfaces.spreadsheets import write_csv
    from models.programme import compare
    from services.reports import programme
    from services.store import open_store
    from services.tracking.unit_of_work import UnitOfWork

    with UnitOfWork(open_store()) as uow:  # accept registers what was planned in the same transaction
        session = uow.session
        inputs = _inputs(session, args)
        plan = _programme(session, args, inputs, **_capacity(session, args.capacity))
        if args.programme_command == "compare":
            baseline = _programme(session, args, inputs, **_capacity(session, None))
            print("\n".join(compare(baseline, plan)) or "nothing moves")
            return 0
        if args.programme_command == "accept":
            ids = programme.accept(
                session, plan, actor=args.by, now=now_or_as_of(args), calendar=uow.calendar
            )
            print(f"registered {len(ids)} activities")
            return 0
    if args.json:
        print_json(_programme_json(plan))
    elif args.csv:
        header = ["la_code", "name", "region", "activity_type", "onsite", "window_from", "window_to", "why"]
        rows = [
            [p.code, p.name, p.region, p.activity_type, p.onsite, *p.window, " | ".join(p.reasons)]
            for p in plan.planned
        ]
        write_csv(sys.stdout, [header, *rows])
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
