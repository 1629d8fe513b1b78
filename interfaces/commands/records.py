"""Commands that read the store, check the audit chain, and import reference data and history."""

from __future__ import annotations

import argparse
from pathlib import Path

from calendars import england_calendar
from interfaces.commands.common import (
    now_or_as_of,
    print_json,
)
from interfaces.render import milestone_json, milestones_table
from services.reports import queries
from services.store import audit, open_store
from services.store.database import transaction
from services.store.reference_data import (
    import_contacts,
    import_local_authorities,
    import_staff,
    read_csv_file,
)


def _filters(session, args: argparse.Namespace) -> queries.Filters:
    filters = queries.Filters(region=args.region, la_code=args.la, owner=args.owner, activity_type=args.type)
    return filters.check(session)


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
            filters=_filters(session, args),
        )
    if args.json:
        print_json(_due_json(items))
    else:
        print(_due_table(items, when="forecast"))
    return 0


def cmd_overdue(args: argparse.Namespace) -> int:
    with transaction(open_store()) as session:
        items = queries.overdue(session, as_of=now_or_as_of(args), filters=_filters(session, args))
    if args.json:
        print_json(_due_json(items))
    else:
        print(_due_table(items, when="target"))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with transaction(open_store()) as session:
        found, la, stored = queries.show(session, args.activity)
    if args.json:
        print_json({
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


def cmd_audit_checkpoint(args: argparse.Namespace) -> int:
    """Exit 1, anchoring nothing, when the chain does not verify."""
    with transaction(open_store()) as session:
        try:
            point = audit.checkpoint(session, now=now_or_as_of(args))
        except audit.ChainBroken as exc:
            print(exc)
            return 1
    print(f"kept the {point} in {audit.checkpoint_file()}")
    return 0


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


def cmd_import_history(args: argparse.Namespace) -> int:
    from services.reports.history import import_history

    text = read_csv_file(Path(args.file))
    with transaction(open_store()) as session:
        done = import_history(
            session, text, source=Path(args.file).name, actor=args.by, now=now_or_as_of(args),
            calendar=england_calendar(),
        )  # fmt: skip
    skipped = f"; skipped {len(done.skipped)} rows already in the store" if done.skipped else ""
    print(f"imported {len(done.ids)} past activities from {args.file}{skipped}")
    return 0
