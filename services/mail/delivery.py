"""Sending the outbox: each message in its own transactions, marked `sending` before it leaves and
`sent` after, so a sender killed in between re-sends at most that one message when it restarts
(with the same Message-ID, so mail clients can tell it is the same email). Failures retry with
backoff; after ESCALATE_AFTER attempts business support is told, and after MAX_ATTEMPTS the message
is marked failed and business support told again: nothing is dropped silently.
"""

from __future__ import annotations

import base64
import hashlib
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import Compat32
from email.utils import format_datetime, formataddr

from sqlalchemy import Engine, bindparam, or_, update
from sqlmodel import Session, select

from calendars import WorkingDayCalendar
from models.records import Activity, OutboxMessage
from models.reminders import Policy
from models.states import OutboxStatus
from services.mail import emails
from services.mail.context import Facts
from services.mail.outbox import Known, QueueReport, queue
from services.mail.recipients import Person, resolve
from services.mail.reminders import render_queued
from services.mail.transports import Transport
from services.settings import get_settings
from services.store.database import transaction

ESCALATE_AFTER = 3
MAX_ATTEMPTS = 12
FIRST_BACKOFF = timedelta(minutes=5)
LONGEST_BACKOFF = timedelta(hours=4)
BATCH = 200  # messages loaded together


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """5 minutes, doubling with each failed attempt, at most 4 hours."""
    return min(FIRST_BACKOFF * 2 ** max(attempts - 1, 0), LONGEST_BACKOFF)


def _header(text: str) -> str:
    """`text` as RFC 2047 encoded words when it is not ASCII (each short enough to follow "Subject: " on
    one line, or a parser reads a leading space), written
    here because `email.header.Header` spent more time choosing an encoding than the rest of the
    message cost."""
    text = emails.header_safe(text)
    if text.isascii():
        return text
    words, word = [], b""
    for ch in text:
        raw = ch.encode()
        if len(word) + len(raw) > 36:  # 48 base64 characters: after "Subject: ", within 78
            words.append(word)
            word = b""
        word += raw
    words.append(word)
    return " ".join(f"=?utf-8?b?{base64.b64encode(w).decode()}?=" for w in words)


class _Headers(Compat32):
    """compat32 with lines up to RFC 5322's 998 characters (a subject folded at 78 is shown cut short by
    some mail programs), writing a header that is already one ASCII line that fits as it is: every
    header the sender writes is (names and subjects as encoded words, `header_safe`), and running them
    through `email.header.Header`'s folding was a third of the cost of writing a message. Anything else
    is folded as compat32 folds it."""

    def _one_line(self, name: str, value) -> str | None:
        if (
            isinstance(value, str)
            and value.isascii()
            and value.isprintable()
            and len(name) + len(value) + 2 <= self.max_line_length
        ):
            return f"{name}: {value}{self.linesep}"
        return None

    def fold(self, name: str, value) -> str:
        return self._one_line(name, value) or super().fold(name, value)

    def fold_binary(self, name: str, value) -> bytes:
        line = self._one_line(name, value)
        return line.encode("ascii") if line else super().fold_binary(name, value)


HEADERS = _Headers(max_line_length=998)


def _part(content: str, subtype: str) -> MIMENonMultipart:
    """A UTF-8 text part, base64 in lines of 76 (what `MIMEText` writes, without its choice of encoding
    by charset, which cost as much as the rest of the part)."""
    part = MIMENonMultipart("text", subtype, charset="utf-8")
    part["Content-Transfer-Encoding"] = "base64"
    part.set_payload(base64.encodebytes(content.encode()).decode("ascii"))
    return part


def build_message(row: OutboxMessage, *, sent_at: datetime) -> Message:
    """The email of `row`, dated when it is sent (RFC 5322 §3.6.1): text and HTML alternatives, and the
    calendar file if there is one, as MIME parts built directly (a third of the cost of `EmailMessage`'s
    header parsing, which dominated the sender). The multipart boundaries come from the Message-ID's
    digest: '.' is not base64's, so no body line can be a boundary."""
    digest = hashlib.sha256(row.idempotency_key.encode()).hexdigest()[:32]
    body = MIMEMultipart(
        "alternative",
        boundary=f"ilacs.{digest}.alternative",
        _subparts=[_part(row.body_text, "plain"), _part(row.body_html, "html")],
    )
    message = body
    if row.ics:
        message = MIMEMultipart("mixed", boundary=f"ilacs.{digest}.mixed", _subparts=[body])
        calendar = _part(row.ics, "calendar")
        calendar.add_header("Content-Disposition", "attachment", filename="key-dates.ics")
        message.attach(calendar)
    message["From"] = get_settings().mail_from
    message["To"] = formataddr((emails.header_safe(row.recipient_name), row.recipient_email), "utf-8")
    if row.cc:
        message["Cc"] = ", ".join(row.cc)
    message["Subject"] = _header(row.subject)
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = f"<{digest}@ilacs-orchestrator>"
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


def deliver_due(
    engine: Engine, *, now: datetime, transport: Transport, policy: Policy, batch: int = BATCH
) -> DeliveryReport:
    """Send every message due by `now` (and any left `sending` by a sender that died), over one
    connection when the transport holds one (`SmtpTransport` as a context manager)."""
    from services.settings import calendar_in_force

    report = DeliveryReport()
    ids = _due_ids(engine, now)
    calendar = calendar_in_force()
    held = transport if isinstance(transport, AbstractContextManager) else nullcontext()
    with held:
        for start in range(0, len(ids), batch):
            _deliver_batch(
                engine,
                ids[start : start + batch],
                now=now,
                transport=transport,
                policy=policy,
                report=report,
                calendar=calendar,
            )
    return report


_OUTBOX = OutboxMessage.__table__
# The two marks of each message's commit, built once: core statements over the table, not the ORM's
# flush, which cost more than the rest of the commit.
MARK_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("sent_id"))
    .values(status=OutboxStatus.SENT, sent_at=bindparam("sent_at"), attempts=_OUTBOX.c.attempts + 1)
)
MARK_SENDING = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("sending_id"))
    .values(
        status=OutboxStatus.SENDING,
        body_text=bindparam("text"),
        body_html=bindparam("html"),
        ics=bindparam("calendar"),
    )
)
MARK_CANCELLED = (
    update(_OUTBOX).where(_OUTBOX.c.id == bindparam("cancelled_id")).values(status=OutboxStatus.CANCELLED)
)


def _deliver_batch(
    engine: Engine,
    ids: list[int],
    *,
    now: datetime,
    transport: Transport,
    policy: Policy,
    report: DeliveryReport,
    calendar: WorkingDayCalendar,
) -> None:
    """A batch loaded in a few queries (`Facts`, `Known`); then each message rendered (if it was queued
    unrendered) and marked `sending` with its body in the same commit that marks the one before it
    `sent`, so that a sender killed at any point has at most one message accepted by SMTP and not
    marked sent."""
    with Session(engine) as session:
        rows = list(
            session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .order_by(OutboxMessage.not_before, OutboxMessage.id)
            )
        )
        facts = Facts.load(session, [r.activity_id for r in rows if r.activity_id], calendar=calendar)
        known = Known.load(session, list(facts.activities.values()))
        session.expunge_all()  # read-only from here: the marks are written by the statements above
    sent: OutboxMessage | None = None
    cancelled: list[int] = []
    with engine.connect() as connection:
        try:
            for row in rows:
                activity = facts.activities.get(row.activity_id)
                person = Person(
                    row.recipient_name, row.recipient_email, row.recipient_role, row.recipient_la_facing
                )
                if activity and not known.verdict(activity, person, policy).admitted:
                    cancelled.append(row.id)
                    report.cancelled.append(row.idempotency_key)
                    continue
                if not row.body_text:
                    rendered = render_queued(session, row, policy, facts=facts)
                    row.body_text, row.body_html, row.ics = rendered.text, rendered.html, rendered.ics
                _mark(connection, sent, now=now, cancelled=cancelled)
                connection.execute(
                    MARK_SENDING,
                    {"sending_id": row.id, "text": row.body_text, "html": row.body_html, "calendar": row.ics},
                )
                connection.commit()  # this one `sending`, the one before `sent`, together
                sent, cancelled = None, []
                try:
                    transport.send(build_message(row, sent_at=now))
                except Exception as exc:  # any delivery failure is retried, then escalated: never dropped
                    _failed(engine, row.id, exc, now=now, policy=policy, report=report)
                    continue
                report.sent.append(row.idempotency_key)
                sent = row
        finally:
            if sent is not None or cancelled:
                _mark(connection, sent, now=now, cancelled=cancelled)
                connection.commit()


def _mark(connection, sent: OutboxMessage | None, *, now: datetime, cancelled: list[int]) -> None:
    """Mark the message SMTP accepted last `sent`, and those the gate stopped `cancelled`."""
    if sent is not None:
        connection.execute(MARK_SENT, {"sent_id": sent.id, "sent_at": now})
    if cancelled:
        connection.execute(MARK_CANCELLED, [{"cancelled_id": i} for i in cancelled])


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
