"""Commands for the compliance audit: the report, variance reasons, waivers."""

from __future__ import annotations

import argparse

from interfaces.commands.common import (
    now_or_as_of,
    write_whole_file,
)
from interfaces.parsing import (
    UsageError,
    _Parser,
    activity_id,
    add_as_of,
    free_text,
    milestone_key,
    output_file,
    parse_day,
    person,
)
from services.settings import calendar_in_force


def register(sub) -> None:
    compliance = sub.add_parser("compliance", help="the compliance audit")
    compliance_sub = compliance.add_subparsers(dest="compliance_command", required=True, parser_class=_Parser)
    report = compliance_sub.add_parser(
        "report", help="milestones met, late and overdue, by key, region, month"
    )
    report.add_argument("--from", dest="start", required=True, help="first target day, YYYY-MM-DD")
    report.add_argument("--to", dest="end", required=True, help="last target day, YYYY-MM-DD")
    report.add_argument("--region")
    report.add_argument("--type")
    report.add_argument("--owner", choices=("ofsted", "la"))
    report.add_argument("--format", default="table", choices=("table", "json", "csv", "html", "xlsx"))
    report.add_argument("--output", type=output_file, help="write to this file (needed for xlsx)")
    add_as_of(report)
    report.set_defaults(handler=cmd_compliance)
    variance = sub.add_parser("variance", help="say why a milestone was late (a reason from the list)")
    variance.add_argument("activity", type=activity_id)
    variance.add_argument("key", type=milestone_key)
    variance.add_argument("--reason", required=True, help="e.g. severe-weather, additional-moderation")
    variance.add_argument("--by", required=True, type=person)
    add_as_of(variance)
    variance.set_defaults(handler=cmd_variance)
    waive = sub.add_parser("waive", help="take a milestone out of compliance, with the reason")
    waive.add_argument("activity", type=activity_id)
    waive.add_argument("key", type=milestone_key)
    waive.add_argument("--reason", required=True, type=free_text)
    waive.add_argument("--by", required=True, type=person)
    add_as_of(waive)
    waive.set_defaults(handler=cmd_waive)


def cmd_compliance(args: argparse.Namespace) -> int:
    from interfaces.compliance_report import render
    from services.reports.compliance import build_report
    from services.store import open_store
    from services.store.database import transaction

    if args.format == "xlsx" and args.output is None:
        raise UsageError("--format xlsx needs --output FILE.xlsx")
    with transaction(open_store()) as session:
        if args.region is not None or args.type is not None:  # a misspelt one is refused, not an empty report
            from services.reports import queries  # imported only when needed

            queries.Filters(region=args.region, activity_type=args.type).check(session)
        report = build_report(
            session,
            start=parse_day(args.start, "--from"),
            end=parse_day(args.end, "--to"),
            as_of=now_or_as_of(args),
            calendar=calendar_in_force(),
            region=args.region,
            activity_type=args.type,
            owner=args.owner,
        )
    output = render(report, args.format)
    if args.output is not None:
        write_whole_file(args.output, output if isinstance(output, bytes) else output.encode("utf-8"))
        print(f"wrote {args.output}: {report.integrity}")
    else:
        print(output)
    return 0 if report.integrity.verified else 1


def cmd_variance(args: argparse.Namespace) -> int:
    from services.reports.compliance import record_variance
    from services.store import open_store
    from services.store.database import transaction

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
    from services.store import open_store
    from services.store.database import transaction

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
