"""The arguments of the store's commands. The commands themselves (interfaces/commands/) load only
when one runs, so `ilacs timeline` does not pay for the database libraries."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable

from interfaces.parsing import (
    _Parser,
    activity_id,
    free_text,
    la_code,
    milestone_key,
    output_file,
    person,
    whole_number,
)

COMMANDS = {  # each command's module in interfaces/commands/
    "cmd_schedule": "activities",
    "cmd_done": "activities",
    "cmd_undo": "activities",
    "cmd_defer": "activities",
    "cmd_outcome": "activities",
    "cmd_request_add": "activities",
    "cmd_request_answer": "activities",
    "cmd_request_list": "activities",
    "cmd_calendar": "activities",
    "cmd_due": "records",
    "cmd_overdue": "records",
    "cmd_show": "records",
    "cmd_audit_verify": "records",
    "cmd_audit_checkpoint": "records",
    "cmd_import": "records",
    "cmd_import_history": "records",
    "cmd_sweep": "mail",
    "cmd_send": "mail",
    "cmd_email_preview": "mail",
    "cmd_compliance": "compliance",
    "cmd_variance": "compliance",
    "cmd_waive": "compliance",
    "cmd_programme": "programme",
    "cmd_user_add": "accounts",
    "cmd_user_password": "accounts",
    "cmd_user_role": "accounts",
    "cmd_user_unlock": "accounts",
    "cmd_web": "accounts",
}


class _Lazy:
    """`_lazy.cmd_done` is a handler that imports the command's module only when it is called."""

    def __getattr__(self, name: str) -> Callable[[argparse.Namespace], int]:
        module = f"interfaces.commands.{COMMANDS[name]}"

        def handler(args: argparse.Namespace) -> int:
            return getattr(importlib.import_module(module), name)(args)

        return handler


_lazy = _Lazy()


def add_store_commands(sub) -> None:
    """Register the store's commands on the `ilacs` sub-parser."""
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
    schedule.set_defaults(handler=_lazy.cmd_schedule)

    done = sub.add_parser("done", help="record that a milestone happened")
    done.add_argument("activity", type=activity_id)
    done.add_argument("key", type=milestone_key)
    done.add_argument("--at", help="when (ISO date-time, London time if no offset; default now)")
    done.add_argument("--by", required=True, type=person)
    done.add_argument("--note", type=free_text)
    done.set_defaults(handler=_lazy.cmd_done)

    undo = sub.add_parser("undo", help="take back a recorded actual (audited, never deleted)")
    undo.add_argument("activity", type=activity_id)
    undo.add_argument("key", type=milestone_key)
    undo.add_argument("--by", required=True, type=person)
    undo.add_argument("--reason", required=True, type=free_text)
    undo.set_defaults(handler=_lazy.cmd_undo)

    defer = sub.add_parser(
        "defer", help="move an activity for weather, a power failure or a serious incident"
    )
    defer.add_argument("activity", type=activity_id)
    defer.add_argument("--to", required=True)
    defer.add_argument("--reason", required=True, help="weather | power-failure | serious-incident")
    defer.add_argument("--by", required=True, type=person)
    defer.add_argument("--override", metavar="REASON", type=free_text)
    defer.set_defaults(handler=_lazy.cmd_defer)

    for name, handler, text in (
        ("due", _lazy.cmd_due, "open milestones forecast in the next N working days"),
        ("overdue", _lazy.cmd_overdue, "open milestones past their target"),
    ):
        query = sub.add_parser(name, help=text)
        if name == "due":
            query.add_argument(
                "--within", type=whole_number(0), default=5, help="working days ahead (default 5)"
            )
        query.add_argument("--region")
        query.add_argument("--la", type=la_code, help="ONS code")
        query.add_argument("--owner", help="e.g. LA or Ofsted")
        query.add_argument("--type")
        query.add_argument("--json", action="store_true")
        query.set_defaults(handler=handler)

    show = sub.add_parser("show", help="one activity and every milestone")
    show.add_argument("activity", type=activity_id)
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_lazy.cmd_show)

    audit_parser = sub.add_parser("audit", help="the audit log")
    audit_sub = audit_parser.add_subparsers(dest="audit_command", required=True, parser_class=_Parser)
    audit_sub.add_parser(
        "verify", help="check every seal and link, and the end against the checkpoints"
    ).set_defaults(handler=_lazy.cmd_audit_verify)
    audit_sub.add_parser(
        "checkpoint", help="verify, then sign and keep a checkpoint outside the database"
    ).set_defaults(handler=_lazy.cmd_audit_checkpoint)

    importer = sub.add_parser("import", help="reference data from CSV (all rows or none)")
    importer.add_argument("what", choices=("las", "contacts", "staff", "history"))
    importer.add_argument("file")
    importer.add_argument(
        "--by", default="import", type=person, help="who is importing (history: recorded on each actual)"
    )
    importer.set_defaults(handler=_lazy.cmd_import)

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
    outcome.add_argument(
        "--priority-action", action="store_true", help="a focused visit's area for priority action"
    )
    outcome.add_argument("--note", type=free_text)
    outcome.set_defaults(handler=_lazy.cmd_outcome)

    request = sub.add_parser("request", help="Annex B: requests for further information")
    request_sub = request.add_subparsers(dest="request_command", required=True, parser_class=_Parser)
    add = request_sub.add_parser("add", help="log a request; it becomes an LA milestone")
    add.add_argument("activity", type=activity_id)
    add.add_argument("--by", required=True, type=person, help="who asked")
    add.add_argument("--type", required=True, help="case-information | general | line-of-enquiry | other")
    add.add_argument("--what", required=True, type=free_text)
    add.add_argument("--why", required=True, type=free_text)
    add.add_argument("--required-by", required=True, help="ISO date-time the information is needed by")
    add.set_defaults(handler=_lazy.cmd_request_add)
    answer = request_sub.add_parser("answer", help="record the LA's response")
    answer.add_argument("activity", type=activity_id)
    answer.add_argument("number", type=whole_number(1))
    answer.add_argument("--response", required=True, type=free_text)
    answer.add_argument("--by", required=True, type=person)
    answer.add_argument("--at")
    answer.set_defaults(handler=_lazy.cmd_request_answer)
    listing = request_sub.add_parser("list", help="the activity's Annex B log")
    listing.add_argument("activity", type=activity_id)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_lazy.cmd_request_list)

    calendar = sub.add_parser("calendar", help="after a calendar change: check, then apply")
    calendar_sub = calendar.add_subparsers(dest="calendar_command", required=True, parser_class=_Parser)
    check = calendar_sub.add_parser("check", help="list open milestones whose dates would change")
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=_lazy.cmd_calendar)
    apply = calendar_sub.add_parser("apply", help="recompute them in one audited transaction")
    apply.add_argument("--by", required=True, type=person)
    apply.add_argument("--json", action="store_true")
    apply.set_defaults(handler=_lazy.cmd_calendar)

    sweep = sub.add_parser("sweep", help="queue the reminders and letters due now (the daily backstop)")
    sweep.set_defaults(handler=_lazy.cmd_sweep)
    send = sub.add_parser("send", help="deliver the outbox's messages that are due")
    send.set_defaults(handler=_lazy.cmd_send)
    email = sub.add_parser("email", help="emails")
    email_sub = email.add_subparsers(dest="email_command", required=True, parser_class=_Parser)
    preview = email_sub.add_parser("preview", help="show the email a milestone gets at a stage")
    preview.add_argument("activity", type=activity_id)
    preview.add_argument("key", type=milestone_key)
    preview.add_argument("stage", help="letter, before-N, due or overdue+N")
    preview.add_argument("--html", action="store_true", help="the HTML part instead of the text")
    preview.set_defaults(handler=_lazy.cmd_email_preview)

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
    report.set_defaults(handler=_lazy.cmd_compliance)
    variance = sub.add_parser("variance", help="say why a milestone was late (a reason from the list)")
    variance.add_argument("activity", type=activity_id)
    variance.add_argument("key", type=milestone_key)
    variance.add_argument("--reason", required=True, help="e.g. severe-weather, additional-moderation")
    variance.add_argument("--by", required=True, type=person)
    variance.set_defaults(handler=_lazy.cmd_variance)
    waive = sub.add_parser("waive", help="take a milestone out of compliance, with the reason")
    waive.add_argument("activity", type=activity_id)
    waive.add_argument("key", type=milestone_key)
    waive.add_argument("--reason", required=True, type=free_text)
    waive.add_argument("--by", required=True, type=person)
    waive.set_defaults(handler=_lazy.cmd_waive)

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
        planner.set_defaults(handler=_lazy.cmd_programme)
        planners.append(planner)
    planners[0].add_argument("--json", action="store_true")
    planners[0].add_argument("--csv", action="store_true")
    planners[1].add_argument("--by", required=True, type=person)

    user = sub.add_parser("user", help="dashboard accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True, parser_class=_Parser)
    add_user = user_sub.add_parser("add", help="add a local account")
    add_user.add_argument("username")
    add_user.add_argument(
        "--name", required=True, help="as on activities (an inspector's lead_inspector name)"
    )
    add_user.add_argument("--role", required=True, help="business_support | inspector | viewer")
    add_user.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add_user.set_defaults(handler=_lazy.cmd_user_add)
    password = user_sub.add_parser("password", help="set a new password; every session of the user ends")
    password.add_argument("username")
    password.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    password.set_defaults(handler=_lazy.cmd_user_password)
    role = user_sub.add_parser("role", help="change a user's role; every session of the user ends")
    role.add_argument("username")
    role.add_argument("--role", required=True, help="business_support | inspector | viewer")
    role.add_argument("--by", required=True, type=person, help="who is changing it")
    role.set_defaults(handler=_lazy.cmd_user_role)
    unlock = user_sub.add_parser("unlock", help="clear an account's failed sign-ins and its lock-out")
    unlock.add_argument("username")
    unlock.add_argument("--by", required=True, type=person, help="who is clearing it")
    unlock.set_defaults(handler=_lazy.cmd_user_unlock)
    web = sub.add_parser("web", help="serve the dashboard alone (make run serves it with everything else)")
    web.add_argument("--host", default="127.0.0.1")
    web.add_argument("--port", type=whole_number(1, 65535), default=8000)
    web.set_defaults(handler=_lazy.cmd_web)

    judges_now = [
        sub.choices[n]
        for n in ("schedule", "done", "undo", "defer", "due", "overdue", "outcome", "sweep", "send")
    ]
    for parser in [*judges_now, add, answer, apply, preview, report, variance, waive, importer, planners[1]]:
        parser.add_argument("--as-of", help="judge 'now' as this date-time (replays; default: the clock)")
