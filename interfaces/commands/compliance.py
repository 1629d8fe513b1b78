"""Commands for the compliance audit: the report, variance reasons, waivers."""

from __future__ import annotations

import argparse

from calendars import england_calendar
from interfaces.commands.common import (
    now_or_as_of,
    write_whole_file,
)
from interfaces.parsing import UsageError, parse_day
from services.store import open_store
from services.store.database import transaction


def cmd_compliance(args: argparse.Namespace) -> int:
    from interfaces.compliance_report import render
    from services.reports import queries
    from services.reports.compliance import build_report

    if args.format == "xlsx" and args.output is None:
        raise UsageError("--format xlsx needs --output FILE.xlsx")
    with transaction(open_store()) as session:
        queries.Filters(region=args.region, activity_type=args.type).check(session)
        report = build_report(
            session, start=parse_day(args.start, "--from"), end=parse_day(args.end, "--to"),
            as_of=now_or_as_of(args), calendar=england_calendar(), region=args.region,
            activity_type=args.type, owner=args.owner,
        )  # fmt: skip
    output = render(report, args.format)
    if args.output is not None:
        write_whole_file(args.output, output if isinstance(output, bytes) else output.encode("utf-8"))
        print(f"wrote {args.output}: {report.integrity}")
    else:
        print(output)
    return 0 if report.integrity.verified else 1


def cmd_variance(args: argparse.Namespace) -> int:
    from services.reports.compliance import record_variance

    with transaction(open_store()) as session:
        record_variance(
            session,
            activity_id=args.activity,
            key=args.key,
            code=args.reason,
            by=args.by,
            now=now_or_as_of(args),
        )
    return 0


def cmd_waive(args: argparse.Namespace) -> int:
    from services.reports.compliance import waive

    with transaction(open_store()) as session:
        waive(
            session,
            activity_id=args.activity,
            key=args.key,
            reason=args.reason,
            by=args.by,
            now=now_or_as_of(args),
        )
    return 0
