"""Commands that read the store, check the audit chain, and import reference data and history."""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from interfaces.commands.common import (
    now_or_as_of,
    print_json,
)
from interfaces.parsing import _Parser, activity_id, add_as_of, la_code, person, whole_number
from interfaces.render import milestone_json, milestones_table
from services.settings import calendar_in_force

if TYPE_CHECKING:
    from services.reports import queries


PAGE_SIZE = 50  # rows a page of `due` and `overdue`, unless --limit says otherwise
SECTIONS = {"today": "due today", "later": "later", "ofsted": "Ofsted's", "la": "the LA's"}


def register(sub) -> None:
    for name, handler, text in (
        ("due", cmd_due, "open milestones forecast in the next N working days"),
        ("overdue", cmd_overdue, "open milestones past their target"),
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
        query.add_argument("--limit", type=whole_number(1, 10_000), default=PAGE_SIZE, help="rows a page")
        query.add_argument("--page", type=whole_number(1), default=1, help="which page (default 1)")
        query.add_argument("--json", action="store_true")
        add_as_of(query)
        query.set_defaults(handler=handler)

    show = sub.add_parser("show", help="one activity and every milestone")
    show.add_argument("activity", type=activity_id)
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=cmd_show)

    audit_parser = sub.add_parser("audit", help="the audit log")
    audit_sub = audit_parser.add_subparsers(dest="audit_command", required=True, parser_class=_Parser)
    audit_sub.add_parser(
        "verify", help="check every seal and link, and the end against the checkpoints"
    ).set_defaults(handler=cmd_audit_verify)
    audit_sub.add_parser(
        "checkpoint", help="verify, then sign and keep a checkpoint outside the database"
    ).set_defaults(handler=cmd_audit_checkpoint)

    importer = sub.add_parser("import", help="reference data from CSV (all rows or none)")
    importer.add_argument(
        "what",
        choices=("las", "contacts", "national", "staff", "history", "judgements"),
        help="judgements: published inspections with their judgements, as models/reference_data has them",
    )
    importer.add_argument("file")
    importer.add_argument(
        "--by", default="import", type=person, help="who is importing (history: recorded on each actual)"
    )
    add_as_of(importer)
    importer.set_defaults(handler=cmd_import)


def _filters(read, args: argparse.Namespace) -> queries.Filters:
    from services.reports import queries

    filters = queries.Filters(region=args.region, la_code=args.la, owner=args.owner, activity_type=args.type)
    return filters.check(read)


def _page_json(page: queries.Page) -> dict:
    """The counts first, then the page's rows (keys, not titles: for other tools)."""
    return {
        "total": page.total,
        "sections": page.sections,
        "page": page.number,
        "pages": page.pages,
        "limit": page.limit,
        "items": [
            {
                "activity": i.activity.id,
                "activity_type": i.activity.activity_type,
                "la": i.la.ons_code,
                "la_name": i.la.name,
                "region": i.la.ofsted_region,
                **milestone_json(i.milestone),
            }
            for i in page.items
        ],
    }


def _page_table(page: queries.Page, *, what: str, when: str) -> str:
    """The counts on the first line, then one line a milestone, by its title."""
    if not page.total:
        return f"{what}: nothing"
    sections = ", ".join(f"{SECTIONS[name]} {n:,}" for name, n in page.sections.items())
    first, last = page.offset + 1, page.offset + len(page.items)
    more = f"; --page {page.number + 1} for more" if page.number < page.pages else ""
    lines = [
        f"{what}: {page.total:,} ({sections}); rows {first:,} to {last:,}, "
        f"page {page.number:,} of {page.pages:,}{more}"
    ]
    for i in page.items:
        moment = getattr(i.milestone, when)
        kind = i.activity.activity_type.replace("-", " ")
        lines.append(
            f"{moment:%a %d %b %Y %H:%M}  #{i.activity.id} {i.la.name} ({kind})  "
            f"{i.milestone.title}  [{i.milestone.owner}]"
        )
    return "\n".join(lines)


def _print_page(args: argparse.Namespace, page: queries.Page, *, what: str, when: str) -> None:
    if args.json:
        print_json(_page_json(page))
    else:
        print(_page_table(page, what=what, when=when))


def cmd_due(args: argparse.Namespace) -> int:
    from services.reports import queries
    from services.store.reads import open_reader

    with open_reader() as read:
        page = queries.due_page(
            read,
            as_of=now_or_as_of(args),
            within=args.within,
            calendar=calendar_in_force(),
            filters=_filters(read, args),
            limit=args.limit,
            offset=(args.page - 1) * args.limit,
        )
    days = {0: "today", 1: "by the end of the next working day"}.get(
        args.within, f"in the next {args.within} working days"
    )
    _print_page(args, page, what=f"due {days}", when="forecast")
    return 0


def cmd_overdue(args: argparse.Namespace) -> int:
    from services.reports import queries
    from services.store.reads import open_reader

    with open_reader() as read:
        page = queries.overdue_page(
            read,
            as_of=now_or_as_of(args),
            filters=_filters(read, args),
            limit=args.limit,
            offset=(args.page - 1) * args.limit,
        )
    _print_page(args, page, what="overdue", when="target")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from models.programme import in_words, labelled
    from models.templates import edition_named
    from services.reports import queries
    from services.store.reads import open_reader

    with open_reader() as read:
        found, la, stored = queries.activity_in_full(read, args.activity)
        grades = queries.judgements(read, [found.id]).get(found.id, {})
    edition = edition_named(found.edition)
    graded = labelled(edition, grades)
    if args.json:
        print_json(
            {
                "id": found.id,
                "activity_type": found.activity_type,
                "la": la.ons_code,
                "la_name": la.name,
                "region": la.ofsted_region,
                "onsite": found.onsite.isoformat(),
                "fieldwork_end": found.fieldwork_end.isoformat(),
                "status": found.status,
                "lead": found.lead_inspector,
                "flags": found.flags,
                "edition": found.edition,
                "judgements": [
                    {"area": area, "label": label, "grade": grades[area]}
                    for area, label in edition.judgements
                    if area in grades
                ],
                "milestones": [milestone_json(m) for m in stored],
            }
        )
    else:
        print(f"#{found.id} {found.activity_type} at {la.name} ({la.ons_code}, {la.ofsted_region})")
        print(f"on site {found.onsite:%A %d %B %Y} to {found.fieldwork_end:%A %d %B %Y}")
        print(f"lead inspector {found.lead_inspector}")
        if graded:
            print(textwrap.fill(f"judged {in_words(graded)}", width=100))
        print(milestones_table(stored))
    return 0


def cmd_audit_verify(_args: argparse.Namespace) -> int:
    from services.store import audit, open_store
    from services.store.database import transaction

    with transaction(open_store()) as session:
        check = audit.verify(session)
    print(check)
    return 0 if check.verified else 1


def cmd_audit_checkpoint(args: argparse.Namespace) -> int:
    """Exit 1, anchoring nothing, when the chain does not verify."""
    from services.store import audit, open_store
    from services.store.database import transaction

    with transaction(open_store()) as session:
        try:
            point = audit.checkpoint(session, now=now_or_as_of(args))
        except audit.ChainBroken as exc:
            print(exc)
            return 1
    print(f"kept the {point} in {audit.checkpoint_file()}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from services.store import open_store
    from services.store.reference_data import (
        import_contacts,
        import_local_authorities,
        import_national_contacts,
        import_staff,
        read_csv_file,
    )
    from services.tracking.unit_of_work import UnitOfWork

    if args.what in ("history", "judgements"):
        return cmd_import_history(args)
    importer = {
        "las": import_local_authorities,
        "contacts": import_contacts,
        "national": import_national_contacts,
        "staff": import_staff,
    }[args.what]
    text = read_csv_file(Path(args.file))
    with UnitOfWork(open_store()) as uow:
        if args.what == "national":  # audited with who imported it, like the dashboard's changes
            count = importer(
                uow.session, text, source=Path(args.file).name, by=args.by, now=now_or_as_of(args)
            )
        else:
            count = importer(uow.session, text, source=Path(args.file).name)
    print(f"imported {count} rows from {args.file}")
    return 0


def cmd_import_history(args: argparse.Namespace) -> int:
    from services.reports.history import from_published_judgements, import_history
    from services.store import open_store
    from services.store.reference_data import read_csv_file
    from services.tracking.unit_of_work import UnitOfWork

    text = read_csv_file(Path(args.file))
    if args.what == "judgements":
        text = from_published_judgements(text, Path(args.file).name)
    with UnitOfWork(open_store()) as uow:
        done = import_history(
            uow.session,
            text,
            source=Path(args.file).name,
            actor=args.by,
            now=now_or_as_of(args),
            calendar=uow.calendar,
        )
    skipped = f"; skipped {len(done.skipped)} rows already in the store" if done.skipped else ""
    print(f"imported {len(done.ids)} past activities from {args.file}{skipped}")
    return 0
