"""The outbox: every email is a row, written in the caller's transaction under an idempotency key
(activity, milestone, stage, recipient), so a sweep run twice, or a change replayed, queues nothing
new, and a step once sent is never sent again. The sender (delivery.py) takes the rows from here.

What to queue is decided elsewhere: reminders.py, letters.py, dates_changed.py, digest.py; sweep.py
runs them over the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from json import dumps
from operator import itemgetter
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import JSON, String, any_, bindparam, type_coerce, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from models.records import Activity, Milestone, OutboxMessage
from models.reminders import Policy
from models.states import OutboxStatus
from services.mail import emails, gate
from services.mail.recipients import Directory, Person
from services.store import audit
from services.tracking.events import MailQueued

if TYPE_CHECKING:
    from services.tracking.unit_of_work import UnitOfWork

SENT_OR_SENDING = (OutboxStatus.SENT, OutboxStatus.SENDING, OutboxStatus.FAILED)
RESENDABLE = (OutboxStatus.FAILED, OutboxStatus.CANCELLED)
OUTBOX = OutboxMessage.__table__
KEYS_PER_QUERY = 2000  # bound parameters per statement, well under SQLite's and PostgreSQL's limits
ROWS_PER_ARRAY = 20000  # rows per PostgreSQL insert, each column one array parameter


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


@dataclass(frozen=True)
class Draft:
    """An email decided on, not yet queued. `rendered` is None for a reminder: its body is rendered
    once, when it is sent (delivery.py), so that the daily sweep renders nothing."""

    activity: Activity | None
    milestone_key: str
    stage: str
    person: Person
    cc: list[Person]
    subject: str
    not_before: datetime
    rendered: emails.Rendered | None = None
    embargoed: bool = False

    @cached_property
    def key(self) -> str:
        return idempotency_key(
            self.activity.id if self.activity else 0, self.milestone_key, self.stage, self.person.email
        )


@dataclass
class Known:
    """What queueing needs to know about the activities in hand, loaded once for all of them: who holds
    each role, and what the gate asks (whose notification is recorded, who is a contact of which LA)."""

    directory: Directory
    notified: set[int]  # activities whose notification is recorded

    @classmethod
    def load(cls, session: Session, activities: list[Activity]) -> Known:
        """Four queries, however many activities."""
        by_id = {a.id: a for a in activities}
        keys = sorted({gate.notification_key(a) for a in activities})
        query = select(Milestone.activity_id, Milestone.key).where(
            Milestone.activity_id.in_(sorted(by_id)), Milestone.key.in_(keys), Milestone.actual.is_not(None)
        )
        recorded = session.exec(query) if activities else []
        notified = {i for i, key in recorded if key == gate.notification_key(by_id[i])}
        return cls(Directory.load(session, [a.la_id for a in activities]), notified)

    def verdict(self, activity: Activity | None, person: Person, policy: Policy) -> gate.Verdict:
        return gate.verdict(
            activity,
            person,
            policy,
            notified=activity is not None and activity.id in self.notified,
            la_emails=self.directory.contact_emails(activity.la_id) if activity else set(),
        )


class Existing(NamedTuple):
    """The columns of a queued or sent row that queueing compares (after `id` and `stage`, in the order
    `queue_drafts` writes them)."""

    id: int
    stage: str
    recipient_name: str
    recipient_role: str
    recipient_la_facing: bool
    cc: list[str]
    subject: str
    embargoed: bool
    not_before: datetime
    status: OutboxStatus


class DecodeOnce:
    """A column read as stored (`type_coerce(column, String)`) and decoded by its own type once per
    distinct stored value: thousands of rows share a forecast, a send time or a list of copies."""

    def __init__(self, column, session: Session) -> None:
        self.column = type_coerce(column, String)
        dialect = session.get_bind().dialect
        self._process = column.type.dialect_impl(dialect).result_processor(dialect, None) or (lambda v: v)
        self._seen: dict = {}

    def __call__(self, raw):
        if isinstance(raw, list | dict):  # JSON the driver decoded already (psycopg): final, unhashable
            return raw
        if raw not in self._seen:
            self._seen[raw] = self._process(raw)
        return self._seen[raw]


def existing_rows(session: Session, activity_ids: list[int], keys: set[str]) -> dict[str, Existing]:
    """The rows still queued for these activities, then any other row under one of `keys`, by key: plain
    rows (no ORM objects), each distinct list of copies and send time decoded once."""
    cc, not_before = DecodeOnce(OutboxMessage.cc, session), DecodeOnce(OutboxMessage.not_before, session)
    status = DecodeOnce(OutboxMessage.status, session)
    decoders = {"cc": cc, "not_before": not_before, "status": status}
    columns = [decoders[n].column if n in decoders else getattr(OutboxMessage, n) for n in Existing._fields]
    connection, found = session.connection(), {}

    def read(query) -> None:
        for key, *values in connection.execute(query):
            values[5], values[8], values[9] = cc(values[5]), not_before(values[8]), status(values[9])
            found[key] = Existing(*values)

    if activity_ids:
        read(
            select(OutboxMessage.idempotency_key, *columns).where(
                OutboxMessage.activity_id.in_(activity_ids), OutboxMessage.status == OutboxStatus.QUEUED
            )
        )
    missing = sorted(keys - found.keys())
    if missing and connection.dialect.name == "postgresql":  # one array, not thousands of parameters
        wanted = bindparam("keys", missing, type_=postgresql.ARRAY(String))
        read(
            select(OutboxMessage.idempotency_key, *columns).where(
                OutboxMessage.idempotency_key == any_(wanted)
            )
        )
        return found
    for chunk in _chunks(missing):
        read(select(OutboxMessage.idempotency_key, *columns).where(OutboxMessage.idempotency_key.in_(chunk)))
    return found


def _chunks(items: list, size: int = KEYS_PER_QUERY) -> list[list]:
    return [items[start : start + size] for start in range(0, len(items), size)]


class _Admitted:
    """The gate's verdicts for one pass. Drafts share their activity, people and list of copies (the
    sweep's thousands): each verdict and list of copies is worked out once, by the objects' ids (all
    alive while the drafts are)."""

    def __init__(self, known: Known, policy: Policy) -> None:
        self.known, self.policy = known, policy
        self._verdicts: dict[tuple[int, int], gate.Verdict] = {}
        self._copies: dict[tuple[int, int, int], list[str]] = {}

    def verdict(self, activity: Activity | None, person: Person) -> gate.Verdict:
        asked = (id(activity), id(person))
        if asked not in self._verdicts:
            self._verdicts[asked] = self.known.verdict(activity, person, self.policy)
        return self._verdicts[asked]

    def copies(self, draft: Draft) -> list[str]:
        """The emails copied: each admitted person copied but the recipient."""
        asked = (id(draft.activity), id(draft.person), id(draft.cc))
        if asked not in self._copies:
            self._copies[asked] = [
                p.email
                for p in draft.cc
                if p.email != draft.person.email and self.verdict(draft.activity, p).admitted
            ]
        return list(self._copies[asked])


def queue_drafts(
    session: Session,
    drafts: list[Draft],
    *,
    existing: dict[str, Existing],
    known: Known,
    now: datetime,
    policy: Policy,
    report: QueueReport,
) -> None:
    """Queue each draft through the gate. A key already sent is left alone (never twice); a key queued
    or cancelled before is brought up to date; new keys are inserted together, skipping any key a
    concurrent pass inserted first."""
    inserts: list[dict] = []
    updates: list[dict] = []
    admitted = _Admitted(known, policy)
    for draft in drafts:
        key = draft.key
        found = admitted.verdict(draft.activity, draft.person)
        if not found.admitted:
            report.dropped.append(f"{key} ({found.reason})")
            continue
        row = existing.get(key)
        if row is not None and row.status in SENT_OR_SENDING:
            continue
        person = draft.person
        values = {
            "recipient_name": person.name,
            "recipient_role": person.role,
            "recipient_la_facing": person.la_facing,
            "cc": admitted.copies(draft),
            "subject": draft.subject,
            "embargoed": draft.embargoed,
            "not_before": draft.not_before,
            "status": OutboxStatus.QUEUED,
        }
        rendered = draft.rendered
        if row is None:
            inserts.append(
                values
                | _bodies(rendered)
                | {
                    "idempotency_key": key,
                    "activity_id": draft.activity.id if draft.activity else None,
                    "milestone_key": draft.milestone_key,
                    "stage": draft.stage,
                    "recipient_email": person.email,
                    "created_at": now,
                    "attempts": 0,
                    "next_attempt_at": None,
                    "last_error": "",
                    "escalated": False,
                    "sent_at": None,
                }
            )
            report.queued.append(key)
            continue
        if (
            row.status != OutboxStatus.QUEUED
            or row.not_before != draft.not_before
            or row.subject != draft.subject
        ):
            report.queued.append(key)
        if rendered is not None or row[2:] != tuple(values.values()):
            updates.append(values | _bodies(rendered) | {"id": row.id})
    if inserts:
        _insert_new(session, inserts)
    if updates:
        session.execute(update(OutboxMessage), updates)


def _insert_new(session: Session, rows: list[dict]) -> None:
    """Insert rows, skipping any key a concurrent pass inserted first (`ON CONFLICT (idempotency_key) DO
    NOTHING`), with no ORM objects and no per-row binding: each column's value encoded once per
    distinct value (thousands of rows share a send time, a status, a list of copies) by the column's
    own type. SQLite takes them through its executemany; PostgreSQL as one array a column."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _insert_by_columns(connection, rows)
        return
    statement = sqlite_insert(OUTBOX).values({name: bindparam(name) for name in rows[0]})
    compiled = statement.on_conflict_do_nothing(index_elements=["idempotency_key"]).compile(
        dialect=connection.dialect
    )
    names = list(compiled.positiontup)
    encoded = [tuple(values) for values in _encoded(connection.dialect, names, rows)]
    for chunk in _chunks(encoded):
        connection.exec_driver_sql(compiled.string, chunk)


def _insert_by_columns(connection, rows: list[dict]) -> None:
    """PostgreSQL: `INSERT … SELECT … FROM unnest(column arrays)`, a statement per 20,000 rows rather
    than a statement a row; a column with one value in all of them (the send time of most, the
    status, the empty bodies) goes as that one value. The copies (JSON) go as text, as the JSON type
    would write them."""
    dialect, names = connection.dialect, list(rows[0])
    json = {n for n in names if isinstance(OUTBOX.c[n].type, JSON)}
    types = {n: "TEXT" if n in json else OUTBOX.c[n].type.compile(dialect) for n in names}
    text_rows = [row | {n: dumps(row[n]) for n in json} for row in rows]
    for chunk in _chunks(text_rows, ROWS_PER_ARRAY):
        columns = dict(
            zip(names, map(list, zip(*_encoded(dialect, names, chunk, plain=json), strict=True)), strict=True)
        )
        single = {n for n, values in columns.items() if n != "idempotency_key" and len(set(values)) == 1}
        varying = [n for n in names if n not in single]
        picked = [f"%({n})s::{types[n]}" if n in single else f"given.{n}" for n in names]
        picked = [f"{p}::json" if n in json else p for n, p in zip(names, picked, strict=True)]
        arrays = ", ".join(f"%({n})s::{types[n]}[]" for n in varying)
        sql = (
            f"INSERT INTO {OUTBOX.name} ({', '.join(names)}) SELECT {', '.join(picked)} "
            f"FROM unnest({arrays}) AS given({', '.join(varying)}) ON CONFLICT (idempotency_key) DO NOTHING"
        )
        params = {n: values[0] if n in single else values for n, values in columns.items()}
        connection.exec_driver_sql(sql, params)


def _encoded(dialect, names: list[str], rows: list[dict], *, plain: frozenset | set = frozenset()):
    """Each row's values in the order of `names`, bound by their columns' types (but `plain`'s), each
    distinct value once."""
    processed = [
        (at, process, {})
        for at, name in enumerate(names)
        if name not in plain
        and (process := OUTBOX.c[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None
    ]
    values_of = itemgetter(*names)
    for row in rows:
        values = list(values_of(row))
        for at, process, seen in processed:
            value = values[at]
            once = tuple(value) if isinstance(value, list) else value
            if once not in seen:
                seen[once] = process(value)
            values[at] = seen[once]
        yield values


def _bodies(rendered: emails.Rendered | None) -> dict:
    """The stored bodies: the rendered email, or empty for one rendered when it is sent."""
    if rendered is None:
        return {"body_text": "", "body_html": "", "ics": None}
    return {"body_text": rendered.text, "body_html": rendered.html, "ics": rendered.ics}


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
    """Queue one email (`queue_drafts` for one). `activity` is None for internal mail about many (digests)."""
    draft = Draft(
        activity, milestone_key, stage, person, cc, rendered.subject, not_before, rendered, embargoed
    )
    session.flush()  # rows added earlier in this transaction count as existing
    queue_drafts(
        session,
        [draft],
        existing=existing_rows(session, [], {draft.key}),
        known=Known.load(session, [activity] if activity else []),
        now=now,
        policy=policy,
        report=report,
    )


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
