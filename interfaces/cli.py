"""The `ilacs` command. Thin: parse, call the models or flows, print. Prefect is imported only by
the commands that run flows, so a preview answers at once."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import date, datetime, time

import pendulum

from calendars import LONDON, NonWorkingDayError, OutsideCalendarError, england_calendar
from interfaces.render import timeline_json, timeline_table
from models.checks import onsite_warnings
from models.templates import TemplateError, activity_types
from models.timeline import TimelineError, plan, template_in_force

log = logging.getLogger("ilacs")
PREVIEW_TYPES = ("standard-inspection", "short-inspection", "focused-visit", "monitoring-visit")
END_OF_DAY = time(17, 0)


class UsageError(ValueError):
    """Input the user can correct: shown as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not argparse's usage block
        raise UsageError(message)


def parse_day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{what}: {text!r} is not a date; use YYYY-MM-DD") from None


def parse_moment(text: str, what: str) -> datetime:
    """An ISO date-time; without an offset it is London time; a bare date means 17:00 that day."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), END_OF_DAY, tzinfo=LONDON)
        parsed = pendulum.parse(text, tz=LONDON)
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        raise UsageError(f"{what}: {text!r} is not an ISO date-time, e.g. 2025-02-07T15:30") from None
    if not isinstance(parsed, datetime):
        raise UsageError(f"{what}: {text!r} is not an ISO date-time, e.g. 2025-02-07T15:30")
    return parsed


def parse_actuals(pairs: list[str]) -> dict[str, datetime]:
    actuals = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(
                f"--actual {pair!r}: use KEY=ISO_DATETIME, e.g. draft_report_sent=2025-02-07T15:30"
            )
        actuals[key] = parse_moment(value, f"--actual {key}")
    return actuals


def cmd_timeline(args: argparse.Namespace) -> int:
    if args.activity_type not in activity_types():
        raise UsageError(
            f"unknown activity type {args.activity_type!r}; choose from {', '.join(activity_types())}"
        )
    calendar = england_calendar()
    onsite = parse_day(args.onsite, "--onsite")
    template = template_in_force(args.activity_type, onsite, calendar=calendar)
    flags = frozenset(args.flag or ())
    timeline = plan(
        template, onsite, calendar=calendar, actuals=parse_actuals(args.actual or []), flags=flags
    )
    warnings = onsite_warnings(template, onsite, calendar)
    for warning in warnings:
        print(f"ilacs: warning: {warning}", file=sys.stderr)
    if args.json:
        print(
            json.dumps(
                timeline_json(timeline, title=template.title, warnings=warnings), indent=2, ensure_ascii=False
            )
        )
    else:
        print(timeline_table(timeline, template))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")  # the tables, not a log line per task
    from flows.demo import demonstration  # imports Prefect: only this command pays for it

    as_of = parse_day(args.as_of, "--as-of") if args.as_of else pendulum.now(LONDON).date()
    for template, timeline in demonstration(as_of):
        print(timeline_table(timeline, template))
        print()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ilacs", description="ILACS inspection timelines")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    timeline = sub.add_parser("timeline", help="preview every milestone of an activity")
    timeline.add_argument(
        "activity_type", metavar="TYPE", help=f"one of {', '.join(PREVIEW_TYPES)} (and more)"
    )
    timeline.add_argument("--onsite", required=True, help="first day on site, YYYY-MM-DD")
    timeline.add_argument("--actual", action="append", metavar="KEY=ISO_DATETIME", help="a recorded actual")
    timeline.add_argument(
        "--flag", action="append", help="first_of_series, second_set, priority_action, inadequate_first_year"
    )
    timeline.add_argument("--json", action="store_true", help="machine-readable output")
    timeline.set_defaults(handler=cmd_timeline)
    demo = sub.add_parser("demo", help="run one timeline of each activity type through its Prefect flow")
    demo.add_argument("--as-of", help="the day to plan from (default: today in London)")
    demo.set_defaults(handler=cmd_demo)
    return parser


USER_ERRORS = (UsageError, NonWorkingDayError, OutsideCalendarError, TimelineError, TemplateError)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="ilacs: %(levelname)s: %(message)s")
    try:
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except USER_ERRORS as exc:
        print(f"ilacs: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
