"""Commands that change activities: schedule, record, undo, defer, cancel, outcomes, Annex B, calendar
changes."""

from __future__ import annotations

import argparse
import sys

from calendars import LONDON
from interfaces.commands.common import (
    now_or_as_of,
    print_json,
    print_moves,
)
from interfaces.parsing import (
    UsageError,
    _Parser,
    activity_id,
    add_as_of,
    free_text,
    la_code,
    milestone_key,
    parse_day,
    parse_moment,
    person,
    whole_number,
)
from interfaces.render import iso, timeline_json
from models.checks import onsite_warnings
from models.templates import activity_types, shipped_editions
from models.timeline import preview
from services.settings import calendar_in_force, get_settings
from services.validation import check_flags, one_of


def register(sub) -> None:
    schedule = sub.add_parser("schedule", help="register an activity and store its dated milestones")
    schedule.add_argument("activity_type", metavar="TYPE")
    schedule.add_argument("--la", required=True, type=la_code, help="the LA's ONS code, e.g. E09000002")
    schedule.add_argument("--onsite", required=True, help="first day on site, YYYY-MM-DD")
    schedule.add_argument("--lead", required=True, type=person, help="the lead inspector")
    schedule.add_argument("--flag", action="append", help="e.g. first_of_series, by_agreement")
    schedule.add_argument(
        "--override", metavar="REASON", type=free_text, help="schedule inside a closed period, audited"
    )
    schedule.add_argument("--by", type=person, help="who is scheduling it (default: the lead inspector)")
    schedule.add_argument("--json", action="store_true")
    add_as_of(schedule)
    schedule.set_defaults(handler=cmd_schedule)

    done = sub.add_parser("done", help="record that a milestone happened")
    done.add_argument("activity", type=activity_id)
    done.add_argument("key", type=milestone_key)
    done.add_argument("--at", help="when (ISO date-time, London time if no offset; default now)")
    done.add_argument("--by", required=True, type=person)
    done.add_argument("--note", type=free_text)
    add_as_of(done)
    done.set_defaults(handler=cmd_done)

    undo = sub.add_parser("undo", help="take back a recorded actual (audited, never deleted)")
    undo.add_argument("activity", type=activity_id)
    undo.add_argument("key", type=milestone_key)
    undo.add_argument("--by", required=True, type=person)
    undo.add_argument("--reason", required=True, type=free_text)
    add_as_of(undo)
    undo.set_defaults(handler=cmd_undo)

    defer = sub.add_parser(
        "defer", help="move an activity for weather, a power failure or a serious incident"
    )
    defer.add_argument("activity", type=activity_id)
    defer.add_argument("--to", required=True)
    newest = shipped_editions()[-1]
    defer.add_argument(
        "--reason", required=True, help=" | ".join(r.code for r in newest.deferral_reasons if r.allowed)
    )
    defer.add_argument("--by", required=True, type=person)
    defer.add_argument("--override", metavar="REASON", type=free_text)
    add_as_of(defer)
    defer.set_defaults(handler=cmd_defer)

    cancel = sub.add_parser("cancel", help="cancel an activity: audited; those already told are told")
    cancel.add_argument("activity", type=activity_id)
    cancel.add_argument("--reason", required=True, type=free_text)
    cancel.add_argument("--by", required=True, type=person)
    add_as_of(cancel)
    cancel.set_defaults(handler=cmd_cancel)

    outcome = sub.add_parser(
        "outcome", help="record judgements, or a focused visit's area for priority action"
    )
    outcome.add_argument("activity", type=activity_id)
    outcome.add_argument("--by", required=True, type=person)
    grades = "outstanding | good | requires_improvement | inadequate"
    outcome.add_argument("--overall", metavar="GRADE", help=f"overall effectiveness: {grades}")
    outcome.add_argument("--help-and-protection", metavar="GRADE")
    outcome.add_argument("--children-in-care", metavar="GRADE")
    outcome.add_argument("--impact-of-leaders", metavar="GRADE")
    outcome.add_argument("--care-leavers", metavar="GRADE", help="from the April 2026 edition")
    outcome.add_argument(
        "--priority-action", action="store_true", help="a focused visit's area for priority action"
    )
    outcome.add_argument(
        "--partner-concerns",
        action="store_true",
        help="concerns about other agencies' practice: letters to partner chief inspectors (paragraph 234)",
    )
    outcome.add_argument("--note", type=free_text)
    add_as_of(outcome)
    outcome.set_defaults(handler=cmd_outcome)

    request = sub.add_parser("request", help="Annex B: requests for further information")
    request_sub = request.add_subparsers(dest="request_command", required=True, parser_class=_Parser)
    add = request_sub.add_parser("add", help="log a request; it becomes an LA milestone")
    add.add_argument("activity", type=activity_id)
    add.add_argument("--by", required=True, type=person, help="who asked")
    add.add_argument("--type", required=True, help="case-information | general | line-of-enquiry | other")
    add.add_argument("--what", required=True, type=free_text)
    add.add_argument("--why", required=True, type=free_text)
    add.add_argument("--required-by", required=True, help="ISO date-time the information is needed by")
    add_as_of(add)
    add.set_defaults(handler=cmd_request_add)
    answer = request_sub.add_parser("answer", help="record the LA's response")
    answer.add_argument("activity", type=activity_id)
    answer.add_argument("number", type=whole_number(1))
    answer.add_argument("--response", required=True, type=free_text)
    answer.add_argument("--by", required=True, type=person)
    answer.add_argument("--at")
    add_as_of(answer)
    answer.set_defaults(handler=cmd_request_answer)
    listing = request_sub.add_parser("list", help="the activity's Annex B log")
    listing.add_argument("activity", type=activity_id)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_request_list)

    calendar = sub.add_parser("calendar", help="after a calendar change: check, then apply")
    calendar_sub = calendar.add_subparsers(dest="calendar_command", required=True, parser_class=_Parser)
    check = calendar_sub.add_parser("check", help="list open milestones whose dates would change")
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=cmd_calendar)
    apply = calendar_sub.add_parser("apply", help="recompute them in one audited transaction")
    apply.add_argument("--by", required=True, type=person)
    apply.add_argument("--json", action="store_true")
    add_as_of(apply)
    apply.set_defaults(handler=cmd_calendar)


def cmd_schedule(args: argparse.Namespace) -> int:
    from interfaces.registration import Registration, hand_over, register_as_flow_run, register_in_process

    one_of(args.activity_type, activity_types(), "activity type")
    calendar = calendar_in_force()
    onsite = parse_day(args.onsite, "--onsite")
    flags = frozenset(args.flag or ())
    template, timeline = preview(args.activity_type, onsite, flags=flags, calendar=calendar)
    check_flags(template, flags)
    registration = Registration(
        activity_type=args.activity_type,
        la_code=args.la,
        onsite=onsite,
        lead=args.lead,
        flags=tuple(sorted(flags)),
        override=args.override or "",
        actor=args.by or args.lead,
        now=now_or_as_of(args),
        with_milestones=args.json,
    )
    settings = get_settings()
    if settings.prefect_api_url:  # a Prefect server is up: a flow run, the local service's if it can
        stored = hand_over(registration, settings) or register_as_flow_run(registration)
    else:  # no server: the same steps in this process, rather than wait for an embedded server
        stored = register_in_process(registration)
    warnings = [
        w
        for w in onsite_warnings(template, onsite, calendar, flags)
        if not args.override or "period" not in w
    ] + stored["warnings"]
    for warning in warnings:
        print(f"ilacs: warning: {warning}", file=sys.stderr)
    if args.json:
        data = timeline_json(timeline, title=template.title, warnings=warnings)
        print_json({"id": stored["id"], **data, "milestones": stored["milestones"]})
    else:
        print(stored["id"])
    return 0


def cmd_done(args: argparse.Namespace) -> int:
    from services.store import open_store
    from services.tracking import lifecycle
    from services.tracking.unit_of_work import UnitOfWork

    now = now_or_as_of(args)
    at = now if args.at is None else parse_moment(args.at, "--at")
    with UnitOfWork(open_store()) as uow:
        moved = lifecycle.record_actual(
            uow, activity_id=args.activity, key=args.key, at=at, by=args.by, note=args.note or "", now=now
        )
    print_moves(moved)
    return 0


def cmd_undo(args: argparse.Namespace) -> int:
    from services.store import open_store
    from services.tracking import lifecycle
    from services.tracking.unit_of_work import UnitOfWork

    now = now_or_as_of(args)
    with UnitOfWork(open_store()) as uow:
        moved = lifecycle.undo_actual(
            uow, activity_id=args.activity, key=args.key, by=args.by, reason=args.reason, now=now
        )
    print_moves(moved)
    return 0


def cmd_defer(args: argparse.Namespace) -> int:
    from services.store import open_store
    from services.tracking import lifecycle
    from services.tracking.unit_of_work import UnitOfWork

    to, now = parse_day(args.to, "--to"), now_or_as_of(args)
    with UnitOfWork(open_store()) as uow:
        moved = lifecycle.defer(
            uow,
            activity_id=args.activity,
            to=to,
            reason=args.reason,
            by=args.by,
            now=now,
            override=args.override or "",
        )
    print_moves(moved)
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    from services.store import open_store
    from services.tracking import cancellation
    from services.tracking.unit_of_work import UnitOfWork

    with UnitOfWork(open_store()) as uow:
        stopped = cancellation.cancel(
            uow, activity_id=args.activity, reason=args.reason, by=args.by, now=now_or_as_of(args)
        )
    print(f"activity {args.activity} cancelled; {len(stopped)} queued emails cancelled")
    return 0


def cmd_outcome(args: argparse.Namespace) -> int:
    from services.store import open_store
    from services.tracking import outcomes
    from services.tracking.unit_of_work import UnitOfWork

    grades = {
        area: grade
        for area, grade in (
            ("overall_effectiveness", args.overall),
            ("help_and_protection", args.help_and_protection),
            ("children_in_care", args.children_in_care),
            ("impact_of_leaders", args.impact_of_leaders),
            ("care_leavers", args.care_leavers),
        )
        if grade
    }
    if not grades and not args.priority_action and not args.partner_concerns:
        raise UsageError(
            "give at least one judgement (--overall ...), --priority-action or --partner-concerns"
        )
    with UnitOfWork(open_store()) as uow:
        moved = outcomes.record_outcome(
            uow,
            activity_id=args.activity,
            grades=grades,
            priority_action=args.priority_action,
            partner_concerns=args.partner_concerns,
            by=args.by,
            note=args.note or "",
            now=now_or_as_of(args),
        )
    print_moves(moved)
    return 0


def cmd_request_add(args: argparse.Namespace) -> int:
    from services.store import open_store
    from services.tracking import further_information
    from services.tracking.unit_of_work import UnitOfWork

    with UnitOfWork(open_store()) as uow:
        logged = further_information.add_request(
            uow,
            activity_id=args.activity,
            requested_by=args.by,
            request_type=args.type,
            request=args.what,
            reason=args.why,
            required_by=parse_moment(args.required_by, "--required-by"),
            now=now_or_as_of(args),
        )
    print(logged.milestone_key)
    return 0


def cmd_request_answer(args: argparse.Namespace) -> int:
    from services.store import open_store
    from services.tracking import further_information
    from services.tracking.unit_of_work import UnitOfWork

    now = now_or_as_of(args)
    with UnitOfWork(open_store()) as uow:
        further_information.answer_request(
            uow,
            activity_id=args.activity,
            number=args.number,
            response=args.response,
            at=now if args.at is None else parse_moment(args.at, "--at"),
            by=args.by,
            now=now,
        )
    return 0


def cmd_request_list(args: argparse.Namespace) -> int:
    from services.store import open_store
    from services.store.database import transaction
    from services.tracking import further_information

    with transaction(open_store()) as session:
        logged = further_information.requests(session, args.activity)
    rows = [
        {
            "key": r.milestone_key,
            "requested_by": r.requested_by,
            "type": r.request_type,
            "request": r.request,
            "reason": r.reason,
            "required_by": iso(r.required_by and r.required_by.astimezone(LONDON)),
            "response": r.response,
            "responded_at": iso(r.responded_at and r.responded_at.astimezone(LONDON)),
        }
        for r in logged
    ]
    if args.json:
        print_json(rows)
    else:
        for r in rows:
            answered = f"answered {r['responded_at']}" if r["responded_at"] else "awaiting the LA"
            print(f"{r['key']}: {r['type']}: {r['request']} (by {r['required_by']}; {answered})")
    return 0


def cmd_calendar(args: argparse.Namespace) -> int:
    from services.store import open_store
    from services.store.database import transaction
    from services.tracking import calendar_changes
    from services.tracking.unit_of_work import UnitOfWork

    if args.calendar_command == "apply":
        with UnitOfWork(open_store()) as uow:
            found = calendar_changes.apply(uow, by=args.by, now=now_or_as_of(args))
    else:
        with transaction(open_store()) as session:
            found = calendar_changes.review(session, calendar_in_force())
    if args.json:
        print_json(
            {
                "calendar_version": found.calendar_version,
                "blocked": found.blocked,
                "changes": [
                    {
                        "activity": c.activity_id,
                        "key": c.key,
                        "old_target": iso(c.old_target),
                        "new_target": iso(c.new_target),
                        "old_forecast": iso(c.old_forecast),
                        "new_forecast": iso(c.new_forecast),
                    }
                    for c in found.changes
                ],
            }
        )
        return 0
    verb = "recomputed" if args.calendar_command == "apply" else "would change"
    print(f"calendar {found.calendar_version}: {len(found.changes)} open milestones {verb}")
    for c in found.changes:
        print(f"  #{c.activity_id} {c.key}: {iso(c.old_target)} -> {iso(c.new_target)}")
    for line in found.blocked:
        print(f"  {line}")
    return 0
