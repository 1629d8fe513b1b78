"""Commands for reminders and email: the sweep, the sender, previews."""

from __future__ import annotations

import argparse

from interfaces.commands.common import (
    now_or_as_of,
)
from interfaces.parsing import _Parser, activity_id, add_as_of, milestone_key
from services.settings import calendar_in_force


def register(sub) -> None:
    sweep = sub.add_parser("sweep", help="queue the reminders and letters due now (the daily backstop)")
    add_as_of(sweep)
    sweep.set_defaults(handler=cmd_sweep)
    send = sub.add_parser("send", help="deliver the outbox's messages that are due")
    add_as_of(send)
    send.set_defaults(handler=cmd_send)
    email = sub.add_parser("email", help="emails")
    email_sub = email.add_subparsers(dest="email_command", required=True, parser_class=_Parser)
    preview = email_sub.add_parser("preview", help="show the email a milestone gets at a stage")
    preview.add_argument("activity", type=activity_id)
    preview.add_argument("key", type=milestone_key)
    preview.add_argument("stage", help="letter, before-N, due or overdue+N")
    preview.add_argument("--html", action="store_true", help="the HTML part instead of the text")
    add_as_of(preview)
    preview.set_defaults(handler=cmd_email_preview)


def cmd_sweep(args: argparse.Namespace) -> int:
    from models.reminders import shipped_policy
    from services.mail.sweep import sweep_in_batches
    from services.store import open_store

    report = sweep_in_batches(
        open_store(), as_of=now_or_as_of(args), calendar=calendar_in_force(), policy=shipped_policy()
    )
    print(f"queued {len(report.queued)}, cancelled {len(report.cancelled)}, dropped {len(report.dropped)}")
    for line in report.dropped:
        print(f"  dropped {line}")
    return 0


def cmd_send(args: argparse.Namespace) -> int:
    from models.reminders import shipped_policy
    from services.mail.delivery import deliver_due
    from services.mail.transports import transport_from_settings
    from services.store import open_store

    report = deliver_due(
        open_store(), now=now_or_as_of(args), transport=transport_from_settings(), policy=shipped_policy()
    )
    print(f"sent {len(report.sent)}, failed {len(report.failed)}, cancelled {len(report.cancelled)}")
    return 0 if not report.failed else 1


def cmd_email_preview(args: argparse.Namespace) -> int:
    from models.reminders import shipped_policy
    from services.mail.preview import preview
    from services.store import open_store
    from services.store.database import transaction

    with transaction(open_store()) as session:
        person, rendered = preview(
            session, args.activity, args.key, args.stage, now=now_or_as_of(args), policy=shipped_policy()
        )
    print(f"To: {person.name} <{person.email}> ({person.role.replace('_', ' ')})")
    print(f"Subject: {rendered.subject}")
    print()
    print(rendered.html if args.html else rendered.text)
    return 0
