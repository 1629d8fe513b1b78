"""The `ilacs` command. Thin: parse, call the models or flows, print. Prefect is imported only by
the commands that run flows, so a preview answers at once."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import datetime, time

import pendulum

from calendars import LONDON, england_calendar
from interfaces.parsing import _Parser, parse_actuals, parse_day, whole_number
from interfaces.render import timeline_json, timeline_table
from interfaces.store_cli import add_store_commands
from models.checks import onsite_warnings
from models.templates import activity_types
from models.timeline import plan, template_in_force
from services.validation import check_flags, one_of

log = logging.getLogger("ilacs")
PREVIEW_TYPES = ("standard-inspection", "short-inspection", "focused-visit", "monitoring-visit")


def cmd_timeline(args: argparse.Namespace) -> int:
    one_of(args.activity_type, activity_types(), "activity type")
    calendar = england_calendar()
    onsite = parse_day(args.onsite, "--onsite")
    template = template_in_force(args.activity_type, onsite, calendar=calendar)
    flags = check_flags(template, args.flag or ())
    timeline = plan(
        template, onsite, calendar=calendar, actuals=parse_actuals(args.actual or []), flags=flags
    )
    warnings = onsite_warnings(template, onsite, calendar, flags)
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
    """The demonstration without the service: Prefect runs the flows on a temporary local server."""
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")  # the tables, not a log line per task
    from sqlalchemy import make_url

    from interfaces.demo_day import show_demonstration
    from services.store import open_store
    from services.store.database import database_url

    now = pendulum.now(LONDON)
    if args.as_of is not None:
        now = pendulum.instance(datetime.combine(parse_day(args.as_of, "--as-of"), time(9, 0)), tz=LONDON)
    print(f"Store: {make_url(database_url()).render_as_string(hide_password=True)}")
    show_demonstration(open_store(), now)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from pathlib import Path

    from interfaces.service import serve

    ready = Path(args.ready_file) if args.ready_file else None
    return serve(
        demo=args.demo,
        prefect_port=args.prefect_port,
        sink_port=args.sink_port,
        web_port=args.web_port,
        ready_file=ready,
    )


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
    service = sub.add_parser("serve", help="the local service: Prefect server, mail sink, served deployments")
    service.add_argument(
        "--demo", action="store_true", help="register the demonstration and run today's mail"
    )
    port = whole_number(1, 65535)
    service.add_argument("--prefect-port", type=port, default=os.environ.get("ILACS_PREFECT_PORT", "4200"))
    service.add_argument("--sink-port", type=port, default=os.environ.get("ILACS_SINK_PORT", "1025"))
    service.add_argument("--web-port", type=port, default=os.environ.get("ILACS_WEB_PORT", "8000"))
    service.add_argument("--ready-file", help="write the Prefect server's pid here once serving (for tests)")
    service.set_defaults(handler=cmd_serve)
    add_store_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command. Input the rules refuse (every ValueError our code raises) is one line and exit
    status 2; anything unexpected is one line and exit status 1 (ILACS_DEBUG=1 shows the traceback)."""
    logging.basicConfig(level=logging.WARNING, format="ilacs: %(levelname)s: %(message)s")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # no telemetry from a local server
    try:
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except ValueError as exc:  # one line even if the message quotes a value with a line break in it
        message = str(exc).replace("\r", "\\r").replace("\n", "\\n")
        print(f"ilacs: error: {message}", file=sys.stderr)
        return 2
    except Exception as exc:
        if os.environ.get("ILACS_DEBUG"):
            raise
        first_line = (str(exc).strip().splitlines() or [""])[0]
        print(f"ilacs: error: {type(exc).__name__}: {first_line}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
