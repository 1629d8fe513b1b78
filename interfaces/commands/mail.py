"""Commands for reminders and email: the sweep, the sender, previews."""

from __future__ import annotations

import argparse

from calendars import england_calendar
from interfaces.commands.common import (
    now_or_as_of,
)
from services.store import open_store
from services.store.database import transaction


def cmd_sweep(args: argparse.Namespace) -> int:
    from models.reminders import shipped_policy
    from services.mail import outbox

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
    from services.mail.delivery import deliver_due
    from services.mail.transports import transport_from_settings

    report = deliver_due(
        open_store(), now=now_or_as_of(args), transport=transport_from_settings(), policy=shipped_policy()
    )
    print(f"sent {len(report.sent)}, failed {len(report.failed)}, cancelled {len(report.cancelled)}")
    return 0 if not report.failed else 1


def cmd_email_preview(args: argparse.Namespace) -> int:
    from models.reminders import shipped_policy
    from services.mail import outbox

    with transaction(open_store()) as session:
        person, rendered = outbox.preview(
            session, args.activity, args.key, args.stage, now=now_or_as_of(args), policy=shipped_policy()
        )
    print(f"To: {person.name} <{person.email}> ({person.role.replace('_', ' ')})")
    print(f"Subject: {rendered.subject}")
    print()
    print(rendered.html if args.html else rendered.text)
    return 0
