"""Sending the outbox: each message in its own transactions, marked `sending` before it leaves and
`sent` after, so a sender killed in between re-sends at most that one message when it restarts
(with the same Message-ID, so mail clients can tell it is the same email). Failures retry with
backoff; after ESCALATE_AFTER attempts business support is told, and after MAX_ATTEMPTS the message
is marked failed and business support told again: nothing is dropped silently.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime

from sqlalchemy import Engine, or_
from sqlmodel import select

from models.records import Activity, OutboxMessage
from models.reminders import Policy
from models.states import OutboxStatus
from services.mail import emails, gate
from services.mail.outbox import QueueReport, queue
from services.mail.recipients import Person, resolve
from services.mail.transports import Transport
from services.settings import get_settings
from services.store.database import transaction

ESCALATE_AFTER = 3
MAX_ATTEMPTS = 12
FIRST_BACKOFF = timedelta(minutes=5)
LONGEST_BACKOFF = timedelta(hours=4)


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """5 minutes, doubling with each failed attempt, at most 4 hours."""
    return min(FIRST_BACKOFF * 2 ** max(attempts - 1, 0), LONGEST_BACKOFF)


def _address(name: str, email: str) -> Address:
    local, _, domain = email.partition("@")
    return Address(display_name=emails.header_safe(name), username=local, domain=domain)


# Headers are written with lines up to RFC 5322's 998 characters: folding at 78 puts a subject with an
# apostrophe on the line after "Subject:", which some mail programs show as an empty subject. The
# bodies are encoded (quoted-printable, 78 characters a line) before this policy is set.
HEADERS = default_policy.clone(max_line_length=998)


def build_message(row: OutboxMessage, *, sent_at: datetime) -> EmailMessage:
    """The email of `row`, dated when it is sent (RFC 5322 §3.6.1), not when it was decided."""
    message = EmailMessage()
    message["From"] = get_settings().mail_from
    message["To"] = _address(row.recipient_name, row.recipient_email)
    if row.cc:
        message["Cc"] = [_address("", email) for email in row.cc]
    message["Subject"] = emails.header_safe(row.subject)
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = (
        f"<{hashlib.sha256(row.idempotency_key.encode()).hexdigest()[:32]}@ilacs-orchestrator>"
    )
    message.set_content(row.body_text)
    message.add_alternative(row.body_html, subtype="html")
    if row.ics:
        message.add_attachment(
            row.ics.encode(), maintype="text", subtype="calendar", filename="key-dates.ics"
        )
    message.policy = HEADERS
    return message


def _due_ids(engine: Engine, now: datetime) -> list[int]:
    with transaction(engine) as session:
        query = select(OutboxMessage.id).where(
            OutboxMessage.status.in_((OutboxStatus.QUEUED, OutboxStatus.SENDING)),
            OutboxMessage.not_before <= now,
            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
        )
        return list(session.exec(query.order_by(OutboxMessage.not_before, OutboxMessage.id)))


def deliver_due(engine: Engine, *, now: datetime, transport: Transport, policy: Policy) -> DeliveryReport:
    """Send every message due by `now` (and any left `sending` by a sender that died)."""
    report = DeliveryReport()
    for message_id in _due_ids(engine, now):
        with transaction(engine) as session:
            row = session.get(OutboxMessage, message_id)
            activity = session.get(Activity, row.activity_id) if row.activity_id else None
            person = Person(
                row.recipient_name, row.recipient_email, row.recipient_role, row.recipient_la_facing
            )
            if activity and not gate.admit(session, activity, person, policy).admitted:
                row.status = OutboxStatus.CANCELLED
                report.cancelled.append(row.idempotency_key)
                continue
            row.status = OutboxStatus.SENDING
            message = build_message(row, sent_at=now)
        try:
            transport.send(message)
        except Exception as exc:  # any delivery failure is retried, then escalated: never dropped
            _failed(engine, message_id, exc, now=now, policy=policy, report=report)
            continue
        with transaction(engine) as session:
            row = session.get(OutboxMessage, message_id)
            row.status, row.sent_at, row.attempts = OutboxStatus.SENT, now, row.attempts + 1
            report.sent.append(row.idempotency_key)
    return report


def _failed(
    engine: Engine, message_id: int, exc: Exception, *, now: datetime, policy: Policy, report
) -> None:
    with transaction(engine) as session:
        row = session.get(OutboxMessage, message_id)
        row.attempts += 1
        row.last_error = emails.header_safe(f"{type(exc).__name__}: {exc}")[:500]
        given_up = row.attempts >= MAX_ATTEMPTS
        row.status = OutboxStatus.FAILED if given_up else OutboxStatus.QUEUED
        row.next_attempt_at = now + backoff(row.attempts)
        report.failed.append(row.idempotency_key)
        if row.stage.startswith("delivery_failing"):
            return  # a warning about a failure is not itself escalated
        if row.attempts == ESCALATE_AFTER or given_up:
            _escalate(session, row, now=now, policy=policy, given_up=given_up)


def _escalate(session, row: OutboxMessage, *, now: datetime, policy: Policy, given_up: bool) -> None:
    """Tell business support (of the activity's region) that a message is not getting through."""
    activity = session.get(Activity, row.activity_id) if row.activity_id else None
    if activity is None:
        return
    support = resolve(session, activity, "business_support", on=now.date())
    if support is None:
        return
    rendered = emails.render(
        "delivery_failing",
        f"Email not delivered after {row.attempts} attempts: {row.subject}",
        {"recipient": support, "failed": row, "given_up": given_up, "embargoed": None},
    )
    stage = "delivery_failing-given-up" if given_up else "delivery_failing"
    queue(
        session,
        activity=activity,
        milestone_key=f"message-{row.id}",
        stage=stage,
        person=support,
        cc=[],
        rendered=rendered,
        not_before=now,
        now=now,
        policy=policy,
        report=QueueReport(),
    )
    row.escalated = True
