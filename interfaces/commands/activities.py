"""Commands that change activities: schedule, record, undo, defer, outcomes, Annex B, calendar changes."""

from __future__ import annotations

import argparse
import os
import sys

from calendars import LONDON, england_calendar
from interfaces.commands.common import (
    announce,
    now_or_as_of,
    print_json,
    print_moves,
    queue_announcement,
)
from interfaces.parsing import UsageError, parse_day, parse_moment
from interfaces.render import iso, milestone_json, timeline_json
from models.checks import onsite_warnings
from models.templates import activity_types
from services.reports import queries
from services.store import open_store
from services.store.database import transaction
from services.tracking import changes, lifecycle
from services.validation import check_flags, one_of


def cmd_schedule(args: argparse.Namespace) -> int:
    one_of(args.activity_type, activity_types(), "activity type")
    calendar = england_calendar()
    onsite = parse_day(args.onsite, "--onsite")
    flags = frozenset(args.flag or ())
    template, timeline = lifecycle.preview(args.activity_type, onsite, flags=flags, calendar=calendar)
    check_flags(template, flags)
    now = now_or_as_of(args)
    engine = open_store()
    if os.environ.get("PREFECT_API_URL"):  # the local service is up: run the registration as a flow run
        from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

        from flows.schedule_activity import schedule_activity

        # A run of well under a second needs no crash-detection heartbeat, whose thread costs ~1 s to join.
        with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            activity_id = schedule_activity(
                activity_type=args.activity_type, la_code=args.la, onsite=onsite, lead=args.lead,
                flags=sorted(flags), override=args.override or "", actor=args.by or args.lead, now=now,
            )  # fmt: skip
    else:  # no service: the same steps in this process, rather than wait for an embedded server
        with transaction(engine) as session:
            activity_id = lifecycle.register(
                session, timeline=timeline, template=template, la_code=args.la, lead=args.lead, flags=flags,
                override=args.override or "", actor=args.by or args.lead, now=now,
            ).id  # fmt: skip
    warnings = [
        w
        for w in onsite_warnings(template, onsite, calendar, flags)
        if not args.override or "period" not in w
    ]
    for warning in warnings:
        print(f"ilacs: warning: {warning}", file=sys.stderr)
    if args.json:
        with transaction(engine) as session:
            _, _, stored = queries.show(session, activity_id)
        data = timeline_json(timeline, title=template.title, warnings=warnings)
        print_json({"id": activity_id, **data, "milestones": [milestone_json(m) for m in stored]})
    else:
        print(activity_id)
    return 0


def cmd_done(args: argparse.Namespace) -> int:
    now = now_or_as_of(args)
    at = now if args.at is None else parse_moment(args.at, "--at")
    with transaction(open_store()) as session:
        moved, report = changes.record_actual(
            session, activity_id=args.activity, key=args.key, at=at, by=args.by, note=args.note or "",
            now=now, calendar=england_calendar(),
        )  # fmt: skip
        queue_announcement(session, args.activity, report)
    announce(session.info)
    print_moves(moved)
    return 0


def cmd_undo(args: argparse.Namespace) -> int:
    now = now_or_as_of(args)
    with transaction(open_store()) as session:
        moved, report = changes.undo_actual(
            session, activity_id=args.activity, key=args.key, by=args.by, reason=args.reason,
            now=now, calendar=england_calendar(),
        )  # fmt: skip
        queue_announcement(session, args.activity, report)
    announce(session.info)
    print_moves(moved)
    return 0


def cmd_defer(args: argparse.Namespace) -> int:
    to, now = parse_day(args.to, "--to"), now_or_as_of(args)
    with transaction(open_store()) as session:
        moved, report = changes.defer(
            session, activity_id=args.activity, to=to, reason=args.reason, by=args.by,
            now=now, calendar=england_calendar(), override=args.override or "",
        )  # fmt: skip
        queue_announcement(session, args.activity, report)
    announce(session.info)
    print_moves(moved)
    return 0


def cmd_outcome(args: argparse.Namespace) -> int:
    grades = {
        area: grade
        for area, grade in (
            ("overall_effectiveness", args.overall),
            ("help_and_protection", args.help_and_protection),
            ("children_in_care", args.children_in_care),
            ("impact_of_leaders", args.impact_of_leaders),
        )
        if grade
    }
    if not grades and not args.priority_action:
        raise UsageError("give at least one judgement (--overall ...) or --priority-action")
    now, calendar = now_or_as_of(args), england_calendar()
    with transaction(open_store()) as session:
        moved, report = changes.record_outcome(
            session, activity_id=args.activity, grades=grades, priority_action=args.priority_action,
            by=args.by, note=args.note or "", now=now, calendar=calendar,
        )  # fmt: skip
        queue_announcement(session, args.activity, report)
    announce(session.info)
    print_moves(moved)
    return 0


def cmd_request_add(args: argparse.Namespace) -> int:
    from services.tracking import further_information

    with transaction(open_store()) as session:
        logged = further_information.add_request(
            session, activity_id=args.activity, requested_by=args.by, request_type=args.type,
            request=args.what, reason=args.why, required_by=parse_moment(args.required_by, "--required-by"),
            now=now_or_as_of(args),
        )  # fmt: skip
    print(logged.milestone_key)
    return 0


def cmd_request_answer(args: argparse.Namespace) -> int:
    from services.tracking import further_information

    now = now_or_as_of(args)
    with transaction(open_store()) as session:
        further_information.answer_request(
            session, activity_id=args.activity, number=args.number, response=args.response,
            at=now if args.at is None else parse_moment(args.at, "--at"), by=args.by, now=now,
        )  # fmt: skip
    return 0


def cmd_request_list(args: argparse.Namespace) -> int:
    from services.tracking import further_information

    with transaction(open_store()) as session:
        logged = further_information.requests(session, args.activity)
    rows = [
        {"key": r.milestone_key, "requested_by": r.requested_by, "type": r.request_type, "request": r.request,
         "reason": r.reason, "required_by": iso(r.required_by and r.required_by.astimezone(LONDON)),
         "response": r.response, "responded_at": iso(r.responded_at and r.responded_at.astimezone(LONDON))}
        for r in logged
    ]  # fmt: skip
    if args.json:
        print_json(rows)
    else:
        for r in rows:
            answered = f"answered {r['responded_at']}" if r["responded_at"] else "awaiting the LA"
            print(f"{r['key']}: {r['type']}: {r['request']} (by {r['required_by']}; {answered})")
    return 0


def cmd_calendar(args: argparse.Namespace) -> int:
    from services.tracking import calendar_changes

    calendar = england_calendar()
    with transaction(open_store()) as session:
        if args.calendar_command == "apply":
            found = calendar_changes.apply(session, calendar, by=args.by, now=now_or_as_of(args))
        else:
            found = calendar_changes.review(session, calendar)
    if args.json:
        print_json({
            "calendar_version": found.calendar_version, "blocked": found.blocked,
            "changes": [{"activity": c.activity_id, "key": c.key, "old_target": iso(c.old_target),
                         "new_target": iso(c.new_target), "old_forecast": iso(c.old_forecast),
                         "new_forecast": iso(c.new_forecast)} for c in found.changes],
        })  # fmt: skip
        return 0
    verb = "recomputed" if args.calendar_command == "apply" else "would change"
    print(f"calendar {found.calendar_version}: {len(found.changes)} open milestones {verb}")
    for c in found.changes:
        print(f"  #{c.activity_id} {c.key}: {iso(c.old_target)} -> {iso(c.new_target)}")
    for line in found.blocked:
        print(f"  {line}")
    return 0
