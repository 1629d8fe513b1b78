"""Commands around the activity flows: preview one's milestones (`timeline`), run one of each type through
Prefect (`demo`), serve them with the rest of the local service (`serve`). Prefect is imported only by
the two that run flows, so a preview answers at once."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from datetime import datetime, time

import pendulum

from calendars import LONDON
from interfaces.parsing import parse_actuals, parse_day, whole_number
from interfaces.render import timeline_json, timeline_table
from models.checks import onsite_warnings
from models.templates import activity_types, types_with
from models.timeline import plan, template_in_force
from services.settings import calendar_in_force, get_settings
from services.validation import check_flags, one_of


def register(sub) -> None:
    timeline = sub.add_parser("timeline", help="preview every milestone of an activity")
    timeline.add_argument(
        "activity_type", metavar="TYPE", help=f"one of {', '.join(types_with('previewed'))} (and more)"
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
    service.add_argument("--prefect-port", type=port, help="default: ILACS_PREFECT_PORT, else 4200")
    service.add_argument("--sink-port", type=port, help="default: ILACS_SINK_PORT, else 1025")
    service.add_argument("--web-port", type=port, help="default: ILACS_WEB_PORT, else 8000")
    service.add_argument("--ready-file", help="write the Prefect server's pid here once serving (for tests)")
    service.set_defaults(handler=cmd_serve)


def cmd_timeline(args: argparse.Namespace) -> int:
    one_of(args.activity_type, activity_types(), "activity type")
    calendar = calendar_in_force()
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

    now = pendulum.now(LONDON)
    if args.as_of is not None:
        now = pendulum.instance(datetime.combine(parse_day(args.as_of, "--as-of"), time(9, 0)), tz=LONDON)
    print(f"Store: {make_url(get_settings().store_url).render_as_string(hide_password=True)}")
    show_demonstration(open_store(), now)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from pathlib import Path

    from interfaces.service import serve

    ports = {name: getattr(args, name) for name in ("prefect_port", "sink_port", "web_port")}
    settings = dataclasses.replace(get_settings(), **{name: port for name, port in ports.items() if port})
    ready = Path(args.ready_file) if args.ready_file else None
    return serve(settings, demo=args.demo, ready_file=ready)
