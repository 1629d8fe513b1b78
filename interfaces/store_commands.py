"""The `ilacs` commands that read and change the tracking store. Each converts input, calls one
service inside one transaction, and prints; none starts an embedded Prefect server."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path

import pendulum

from calendars import LONDON, england_calendar
from interfaces.parsing import UsageError, parse_day, parse_moment
from interfaces.render import iso, milestone_json, milestones_table, timeline_json
from models.checks import onsite_warnings
from services import audit, changes, queries, tracking
from services.database import open_store, transaction
from services.reference_data import import_contacts, import_local_authorities, import_staff, read_csv_file


def now_or_as_of(args: argparse.Namespace) -> datetime:
    """`--as-of` (a bare date: the start of that day in London), else the clock."""
    if not getattr(args, "as_of", None):
        return pendulum.now(UTC)
    if len(args.as_of) == 10:
        return datetime.combine(parse_day(args.as_of, "--as-of"), time(0, 0), tzinfo=LONDON)
    return parse_moment(args.as_of, "--as-of")


def _print_json(data: object) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def cmd_schedule(args: argparse.Namespace) -> int:
    calendar = england_calendar()
    onsite = parse_day(args.onsite, "--onsite")
    flags = frozenset(args.flag or ())
    template, timeline = tracking.preview(args.activity_type, onsite, flags=flags, calendar=calendar)
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
            activity_id = tracking.register(
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
        _print_json({"id": activity_id, **data, "milestones": [milestone_json(m) for m in stored]})
    else:
        print(activity_id)
    return 0


def _london(value: str | datetime | None) -> str | None:
    """A stored time (UTC, or its ISO text) as London time, which is what staff read."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(LONDON).isoformat()


def _queue_announcement(session, activity_id: int, report) -> None:
    """When the local service is up and mail was queued, wake its sender once the transaction commits."""
    if report.queued and os.environ.get("PREFECT_API_URL"):
        session.info["announce"] = activity_id


def _notify(session, activity_id: int, moved: list, *, reason: str, now: datetime) -> None:
    """The emails an outcome calls for, queued in its own transaction (the outbox)."""
    from models.reminders import shipped_policy
    from services import outbox

    report = outbox.after_change(
        session,
        activity_id,
        moved,
        reason=reason,
        now=now,
        calendar=england_calendar(),
        policy=shipped_policy(),
    )
    _queue_announcement(session, activity_id, report)


def _announce(session_info: dict) -> None:
    activity_id = session_info.get("announce")
    if activity_id is None:
        return
    from prefect.events import emit_event

    from deployments.local import OUTBOX_QUEUED

    emit_event(event=OUTBOX_QUEUED, resource={"prefect.resource.id": f"ilacs.activity.{activity_id}"})


def _print_moves(moved: list) -> None:
    if not moved:
        print("no dates moved")
    for row, before in moved:
        actual = f"; actual {_london(row.actual)}" if row.actual else ""
        print(
            f"{row.key}: target {_london(before['target'])} -> {_london(row.target)}; "
            f"forecast {_london(before['forecast'])} -> {_london(row.forecast)}{actual}"
        )


def cmd_done(args: argparse.Namespace) -> int:
    now = now_or_as_of(args)
    at = parse_moment(args.at, "--at") if args.at else now
    with transaction(open_store()) as session:
        moved, report = changes.record_actual(
            session, activity_id=args.activity, key=args.key, at=at, by=args.by, note=args.note or "",
            now=now, calendar=england_calendar(),
        )  # fmt: skip
        _queue_announcement(session, args.activity, report)
    _announce(session.info)
    _print_moves(moved)
    return 0


def cmd_undo(args: argparse.Namespace) -> int:
    now = now_or_as_of(args)
    with transaction(open_store()) as session:
        moved, report = changes.undo_actual(
            session, activity_id=args.activity, key=args.key, by=args.by, reason=args.reason,
            now=now, calendar=england_calendar(),
        )  # fmt: skip
        _queue_announcement(session, args.activity, report)
    _announce(session.info)
    _print_moves(moved)
    return 0


def cmd_defer(args: argparse.Namespace) -> int:
    to, now = parse_day(args.to, "--to"), now_or_as_of(args)
    with transaction(open_store()) as session:
        moved, report = changes.defer(
            session, activity_id=args.activity, to=to, reason=args.reason, by=args.by,
            now=now, calendar=england_calendar(), override=args.override or "",
        )  # fmt: skip
        _queue_announcement(session, args.activity, report)
    _announce(session.info)
    _print_moves(moved)
    return 0


def _filters(args: argparse.Namespace) -> queries.Filters:
    return queries.Filters(region=args.region, la_code=args.la, owner=args.owner, activity_type=args.type)


def _due_json(items: list[queries.DueMilestone]) -> list[dict]:
    return [
        {"activity": i.activity.id, "activity_type": i.activity.activity_type, "la": i.la.ons_code,
         "la_name": i.la.name, "region": i.la.ofsted_region, **milestone_json(i.milestone)}
        for i in items
    ]  # fmt: skip


def _due_table(items: list[queries.DueMilestone], *, when: str) -> str:
    if not items:
        return "nothing"
    lines = []
    for i in items:
        moment = getattr(i.milestone, when)
        lines.append(
            f"{moment:%a %d %b %Y %H:%M}  #{i.activity.id} {i.la.name} ({i.activity.activity_type})  "
            f"{i.milestone.key}  [{i.milestone.owner}]"
        )
    return "\n".join(lines)


def cmd_due(args: argparse.Namespace) -> int:
    with transaction(open_store()) as session:
        items = queries.due(
            session,
            as_of=now_or_as_of(args),
            within=args.within,
            calendar=england_calendar(),
            filters=_filters(args),
        )
    if args.json:
        _print_json(_due_json(items))
    else:
        print(_due_table(items, when="forecast"))
    return 0


def cmd_overdue(args: argparse.Namespace) -> int:
    with transaction(open_store()) as session:
        items = queries.overdue(session, as_of=now_or_as_of(args), filters=_filters(args))
    if args.json:
        _print_json(_due_json(items))
    else:
        print(_due_table(items, when="target"))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with transaction(open_store()) as session:
        found, la, stored = queries.show(session, args.activity)
    if args.json:
        _print_json({
            "id": found.id, "activity_type": found.activity_type, "la": la.ons_code, "la_name": la.name,
            "region": la.ofsted_region, "onsite": found.onsite.isoformat(),
            "fieldwork_end": found.fieldwork_end.isoformat(), "status": found.status,
            "lead": found.lead_inspector, "flags": found.flags, "edition": found.edition,
            "milestones": [milestone_json(m) for m in stored],
        })  # fmt: skip
    else:
        print(f"#{found.id} {found.activity_type} at {la.name} ({la.ons_code}, {la.ofsted_region})")
        print(f"on site {found.onsite:%A %d %B %Y} to {found.fieldwork_end:%A %d %B %Y}")
        print(f"lead inspector {found.lead_inspector}")
        print(milestones_table(stored))
    return 0


def cmd_audit_verify(_args: argparse.Namespace) -> int:
    with transaction(open_store()) as session:
        check = audit.verify(session)
    print(check)
    return 0 if check.verified else 1


def cmd_import(args: argparse.Namespace) -> int:
    if args.what == "history":
        return cmd_import_history(args)
    importer = {"las": import_local_authorities, "contacts": import_contacts, "staff": import_staff}[
        args.what
    ]
    text = read_csv_file(Path(args.file))
    with transaction(open_store()) as session:
        count = importer(session, text, source=Path(args.file).name)
    print(f"imported {count} rows from {args.file}")
    return 0


def cmd_outcome(args: argparse.Namespace) -> int:
    from services import outcomes

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
        moved = []
        if grades:
            moved += outcomes.record_judgements(
                session, activity_id=args.activity, grades=grades, by=args.by, now=now, calendar=calendar
            )
        if args.priority_action:
            moved += outcomes.record_priority_action(
                session,
                activity_id=args.activity,
                by=args.by,
                note=args.note or "",
                now=now,
                calendar=calendar,
            )
        _notify(session, args.activity, moved, reason="outcome recorded", now=now)
    _announce(session.info)
    _print_moves(moved)
    return 0


def cmd_request_add(args: argparse.Namespace) -> int:
    from services import further_information

    with transaction(open_store()) as session:
        logged = further_information.add_request(
            session, activity_id=args.activity, requested_by=args.by, request_type=args.type,
            request=args.what, reason=args.why, required_by=parse_moment(args.required_by, "--required-by"),
            now=now_or_as_of(args),
        )  # fmt: skip
    print(logged.milestone_key)
    return 0


def cmd_request_answer(args: argparse.Namespace) -> int:
    from services import further_information

    now = now_or_as_of(args)
    with transaction(open_store()) as session:
        further_information.answer_request(
            session, activity_id=args.activity, number=args.number, response=args.response,
            at=parse_moment(args.at, "--at") if args.at else now, by=args.by, now=now,
        )  # fmt: skip
    return 0


def cmd_request_list(args: argparse.Namespace) -> int:
    from services import further_information

    with transaction(open_store()) as session:
        logged = further_information.requests(session, args.activity)
    rows = [
        {"key": r.milestone_key, "requested_by": r.requested_by, "type": r.request_type, "request": r.request,
         "reason": r.reason, "required_by": iso(r.required_by and r.required_by.astimezone(LONDON)),
         "response": r.response, "responded_at": iso(r.responded_at and r.responded_at.astimezone(LONDON))}
        for r in logged
    ]  # fmt: skip
    if args.json:
        _print_json(rows)
    else:
        for r in rows:
            answered = f"answered {r['responded_at']}" if r["responded_at"] else "awaiting the LA"
            print(f"{r['key']}: {r['type']}: {r['request']} (by {r['required_by']}; {answered})")
    return 0


def cmd_calendar(args: argparse.Namespace) -> int:
    from services import calendar_changes

    calendar = england_calendar()
    with transaction(open_store()) as session:
        if args.calendar_command == "apply":
            found = calendar_changes.apply(session, calendar, by=args.by, now=now_or_as_of(args))
        else:
            found = calendar_changes.review(session, calendar)
    if args.json:
        _print_json({
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


def cmd_sweep(args: argparse.Namespace) -> int:
    from models.reminders import shipped_policy
    from services import outbox

    with transaction(open_store()) as session:
        report = outbox.sweep(
            session, as_of=now_or_as_of(args), calendar=england_calendar(), policy=shipped_policy()
        )
    print(f"queued {len(report.queued)}, cancelled {len(report.cancelled)}, dropped {len(report.dropped)}")
    for line in report.dropped:
        print(f"  dropped {line}")
    return 0


def cmd_send(args: argparse.Namespace) -> int:
    from models.reminders import shipped_policy
    from services.delivery import deliver_due
    from services.transports import transport_from_settings

    report = deliver_due(
        open_store(), now=now_or_as_of(args), transport=transport_from_settings(), policy=shipped_policy()
    )
    print(f"sent {len(report.sent)}, failed {len(report.failed)}, cancelled {len(report.cancelled)}")
    return 0 if not report.failed else 1


def cmd_email_preview(args: argparse.Namespace) -> int:
    from models.reminders import shipped_policy
    from services import outbox

    with transaction(open_store()) as session:
        person, rendered = outbox.preview(
            session, args.activity, args.key, args.stage, now=now_or_as_of(args), policy=shipped_policy()
        )
    print(f"To: {person.name} <{person.email}> ({person.role.replace('_', ' ')})")
    print(f"Subject: {rendered.subject}")
    print()
    print(rendered.html if args.html else rendered.text)
    return 0


def cmd_compliance(args: argparse.Namespace) -> int:
    from interfaces.compliance_report import render
    from services.compliance import build_report

    with transaction(open_store()) as session:
        report = build_report(
            session, start=parse_day(args.start, "--from"), end=parse_day(args.end, "--to"),
            as_of=now_or_as_of(args), calendar=england_calendar(), region=args.region,
            activity_type=args.type, owner=args.owner,
        )  # fmt: skip
    output = render(report, args.format)
    if args.output:
        Path(args.output).write_bytes(output if isinstance(output, bytes) else output.encode("utf-8"))
        print(f"wrote {args.output}: {report.integrity}")
    elif isinstance(output, bytes):
        raise UsageError("--format xlsx needs --output FILE.xlsx")
    else:
        print(output)
    return 0 if report.integrity.verified else 1


def cmd_variance(args: argparse.Namespace) -> int:
    from services.compliance import record_variance

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
    from services.compliance import waive

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


def cmd_import_history(args: argparse.Namespace) -> int:
    from services.history import import_history

    text = read_csv_file(Path(args.file))
    with transaction(open_store()) as session:
        ids = import_history(
            session, text, source=Path(args.file).name, actor=args.by, now=now_or_as_of(args),
            calendar=england_calendar(),
        )  # fmt: skip
    print(f"imported {len(ids)} past activities from {args.file}")
    return 0


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
        _print_json(_programme_json(plan))
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


def cmd_user_add(args: argparse.Namespace) -> int:
    """A dashboard account; the password comes from standard input (never from the command line)."""
    import getpass

    from services.accounts import add_user

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
    with transaction(open_store()) as session:
        user = add_user(
            session,
            username=args.username,
            name=args.name,
            role=args.role,
            password=password,
            now=now_or_as_of(args),
        )
    print(f"added {user.username} ({user.role.replace('_', ' ')})")
    return 0


def cmd_web(args: argparse.Namespace) -> int:
    import uvicorn

    from interfaces.web.app import create_app

    loopback = args.host in (
        "127.0.0.1",
        "localhost",
        "::1",
    )  # plain http there: browsers drop Secure cookies
    uvicorn.run(create_app(secure_cookies=not loopback), host=args.host, port=args.port, log_level="warning")
    return 0
