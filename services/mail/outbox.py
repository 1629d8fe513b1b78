"""The outbox: every email is a row, written in the caller's transaction under an idempotency key
(activity, milestone, stage, recipient), so a sweep run twice, or a change replayed, queues nothing
new, and a step once sent is never sent again. The sender (delivery.py) takes the rows from here.

What to queue is decided elsewhere: reminders.py, letters.py, dates_changed.py, digest.py; sweep.py
runs them over the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session, select

from models.records import Activity, OutboxMessage
from models.reminders import Policy
from models.states import OutboxStatus
from services.mail import emails, gate
from services.mail.recipients import Person
from services.store import audit
from services.tracking.events import MailQueued

if TYPE_CHECKING:
    from services.tracking.unit_of_work import UnitOfWork

SENT_OR_SENDING = (OutboxStatus.SENT, OutboxStatus.SENDING, OutboxStatus.FAILED)
RESENDABLE = (OutboxStatus.FAILED, OutboxStatus.CANCELLED)


class NotResendable(ValueError):
    """Only a failed or cancelled email can be queued again."""


@dataclass
class QueueReport:
    """What one pass of queueing did, by idempotency key (dropped: with the reason)."""

    queued: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)


def idempotency_key(activity_id: int, milestone_key: str, stage: str, email: str) -> str:
    return f"{activity_id}:{milestone_key}:{stage}:{email.lower()}"


def _existing(session: Session, key: str) -> OutboxMessage | None:
    return session.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).first()


def queue(
    session: Session,
    *,
    activity: Activity | None,
    milestone_key: str,
    stage: str,
    person: Person,
    cc: list[Person],
    rendered: emails.Rendered,
    not_before: datetime,
    now: datetime,
    policy: Policy,
    report: QueueReport,
    embargoed: bool = False,
) -> None:
    """Queue one email through the gate. A key already sent is left alone (never twice); a key queued
    or cancelled before is brought up to date. `activity` is None for internal mail about many (digests)."""
    key = idempotency_key(activity.id if activity else 0, milestone_key, stage, person.email)
    verdict = gate.admit(session, activity, person, policy)
    if not verdict.admitted:
        report.dropped.append(f"{key} ({verdict.reason})")
        return
    row = _existing(session, key)
    if row is not None and row.status in SENT_OR_SENDING:
        return
    admitted_cc = [
        p.email for p in cc if p.email != person.email and gate.admit(session, activity, p, policy).admitted
    ]
    subject = rendered.subject
    row = row or OutboxMessage(
        idempotency_key=key,
        activity_id=activity.id if activity else None,
        milestone_key=milestone_key,
        stage=stage,
        recipient_email=person.email,
        recipient_name="",
        recipient_role="",
        subject="",
        body_text="",
        body_html="",
        created_at=now,
        not_before=not_before,
    )
    changed = (
        row.id is None
        or row.status != OutboxStatus.QUEUED
        or row.not_before != not_before
        or row.subject != subject
    )
    row.recipient_name, row.recipient_role, row.cc = person.name, person.role, admitted_cc
    row.recipient_la_facing = person.la_facing
    row.subject, row.body_text, row.body_html, row.ics = subject, rendered.text, rendered.html, rendered.ics
    row.embargoed, row.not_before, row.status = embargoed, not_before, OutboxStatus.QUEUED
    session.add(row)
    if changed:
        report.queued.append(key)


def resend(uow: UnitOfWork, message_id: int, *, by: str, now: datetime) -> OutboxMessage:
    """Queue a failed or cancelled email again, due now with its attempts reset; audited with who asked."""
    message = uow.session.get(OutboxMessage, message_id)
    if message is None or message.status not in RESENDABLE:
        raise NotResendable(f"outbox message {message_id} is not a failed or cancelled email")
    before = message.status
    message.status, message.attempts = OutboxStatus.QUEUED, 0
    message.next_attempt_at, message.not_before = None, now
    uow.session.add(message)
    audit.append(
        uow.session,
        at=now,
        actor=by,
        action="resend",
        activity_id=message.activity_id,
        subject=message.idempotency_key,
        before={"status": before},
        after={"status": OutboxStatus.QUEUED},
    )
    uow.collect(MailQueued((message.idempotency_key,)))
    return message
