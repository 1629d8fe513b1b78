"""Passes over the store that queue what is due: the daily sweep over every planned activity (the
backstop), and the pass over one activity in the transaction of a change staff made.

The sweep takes the planned activities a batch at a time, and each batch in a handful of queries
(their milestones, contacts, staff and the rows already queued), whatever their number.
`sweep_in_batches` commits each batch: a sweep killed part-way loses one batch at most, and run
again it queues only what is missing (the idempotency key makes every step happen once).

It also keeps a `SweepRun`: the newest audit entry when it began, a digest of the people, policy and
calendar every answer depends on, and how far its committed batches got. An activity's due steps
depend only on the London day and on those, so when the newest run swept the same day with the same
digest, a sweep takes again only the activities with an audit entry since (every change to an
activity is audited in the transaction that makes it), and those beyond where a killed run stopped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import Engine, func, update
from sqlmodel import Session, select

from calendars import LONDON, WorkingDayCalendar
from models.records import (
    Activity,
    AuditEntry,
    Contact,
    LocalAuthority,
    Milestone,
    NationalContact,
    StaffMember,
    SweepRun,
)
from models.reminders import Policy
from models.states import ActivityStatus
from services.mail.dates_changed import queue_dates_changed
from services.mail.letters import queue_letters
from services.mail.outbox import Known, QueueReport
from services.mail.reminders import Ladders, queue_reminders
from services.store.database import transaction

BATCH = 2000  # activities per batch (and per transaction in `sweep_in_batches`): about a second
# audit entries about no activity that change nothing a sweep reads (accounts, sign-in, feed links);
# any other entry about no activity (an import, say) makes the next sweep a whole one
NOT_ABOUT_MAIL = frozenset(
    {
        "user_add",
        "user_password",
        "user_role",
        "sign_in_lockout",
        "sign_in_unlock",
        "regenerate calendar token",
    }
)


def _planned_ids(session: Session) -> list[int]:
    query = select(Activity.id).where(Activity.status == ActivityStatus.PLANNED).order_by(Activity.id)
    return list(session.exec(query))


def _batches(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _sweep_batch(session: Session, ids: list[int], *, ladders: Ladders) -> QueueReport:
    report = QueueReport()
    as_of, calendar, policy = ladders.as_of, ladders.calendar, ladders.policy
    activities = list(session.exec(select(Activity).where(Activity.id.in_(ids)).order_by(Activity.id)))
    known = Known.load(session, activities)
    queue_letters(
        session, *activities, now=as_of, calendar=calendar, policy=policy, report=report, known=known
    )
    queue_reminders(
        session,
        *activities,
        as_of=as_of,
        calendar=calendar,
        policy=policy,
        report=report,
        known=known,
        ladders=ladders,
    )
    return report


def _merge(total: QueueReport, part: QueueReport) -> None:
    total.queued += part.queued
    total.dropped += part.dropped
    total.cancelled += part.cancelled


def sweep(
    session: Session, *, as_of: datetime, calendar: WorkingDayCalendar, policy: Policy, batch: int = BATCH
) -> QueueReport:
    """The daily backstop, in the caller's transaction: on a working day, queue every due reminder and
    any letter not yet queued, for every planned activity. On a weekend or bank holiday it does
    nothing (cron does not know bank holidays). Its run is recorded as a whole one."""
    report = QueueReport()
    if calendar.is_working_day(as_of.astimezone(LONDON).date()):
        run, planned = _begin(session, as_of=as_of, calendar=calendar, policy=policy)
        ladders = Ladders(as_of=as_of, calendar=calendar, policy=policy)
        for ids in _batches(planned, batch):
            _merge(report, _sweep_batch(session, ids, ladders=ladders))
        run.through, run.finished = max(planned, default=0), True
        session.add(run)
    return report


def sweep_in_batches(
    engine: Engine, *, as_of: datetime, calendar: WorkingDayCalendar, policy: Policy, batch: int = BATCH
) -> QueueReport:
    """`sweep`, each batch of activities in its own transaction with its `SweepRun` moved on; the
    activities a sweep earlier the same day answered, unchanged since, are left out. (Their drops were
    reported by that sweep: `dropped` lists those of the activities swept now.)"""
    report = QueueReport()
    if not calendar.is_working_day(as_of.astimezone(LONDON).date()):
        return report
    with transaction(engine) as session:
        run, planned = _begin(session, as_of=as_of, calendar=calendar, policy=policy)
        todo = _still_to_sweep(session, planned, run)
        session.add(run)
        session.flush()
        run_id = run.id
    ladders = Ladders(as_of=as_of, calendar=calendar, policy=policy)
    for ids in _batches(todo, batch):
        with transaction(engine) as session:
            _merge(report, _sweep_batch(session, ids, ladders=ladders))
            session.execute(update(SweepRun).where(SweepRun.id == run_id).values(through=ids[-1]))
    with transaction(engine) as session:
        finished = {"through": max(planned, default=0), "finished": True}
        session.execute(update(SweepRun).where(SweepRun.id == run_id).values(**finished))
    return report


def _begin(
    session: Session, *, as_of: datetime, calendar: WorkingDayCalendar, policy: Policy
) -> tuple[SweepRun, list[int]]:
    """A new run (not yet added) and the planned activities. The newest audit entry is read first: a
    change committed after it, even one the reads that follow see, counts as changed for the next."""
    newest = session.exec(select(func.coalesce(func.max(AuditEntry.id), 0))).one()
    planned = _planned_ids(session)
    run = SweepRun(
        day=as_of.astimezone(LONDON).date(),
        as_of=as_of,
        audit_id=newest,
        inputs=inputs_digest(session, policy=policy, calendar=calendar),
    )
    return run, planned


def _still_to_sweep(session: Session, planned: list[int], run: SweepRun) -> list[int]:
    """The planned activities whose answer may differ from the one the newest sweep committed, when it
    swept the same day with the same inputs: those it had not reached, and those with an audit entry
    since it began. All of them otherwise (a new day, or a sweep of another day or with other people
    in between, whose rows would stand), or when something not about one activity changed."""
    previous = session.exec(select(SweepRun).order_by(SweepRun.id.desc()).limit(1)).first()
    if previous is None or (previous.day, previous.inputs) != (run.day, run.inputs):
        return planned
    since = select(AuditEntry.activity_id, AuditEntry.action).where(AuditEntry.id > previous.audit_id)
    changed: set[int] = set()
    for activity_id, action in session.exec(since.distinct()):
        if activity_id is None and action not in NOT_ABOUT_MAIL:
            return planned
        changed.add(activity_id)
    return [i for i in planned if i > previous.through or i in changed]


def inputs_digest(session: Session, *, policy: Policy, calendar: WorkingDayCalendar) -> str:
    """A digest of everything besides an activity's own rows and the day that its due emails depend
    on: the LAs, their contacts, Ofsted's staff and the national recipients (imported, not audited),
    the policy and the calendar's days off. Reference rows, thousands at most: milliseconds."""
    digest = hashlib.sha256()
    for model in (LocalAuthority, Contact, StaffMember, NationalContact):
        table = model.__table__
        for row in session.connection().execute(table.select().order_by(table.c.id)):
            digest.update(repr(tuple(row)).encode())
    described = (
        json.dumps(policy.raw, sort_keys=True, default=str),
        policy.send_time,
        policy.quiet_after,
        sorted(policy.short_notice),
        sorted(policy.ladders.items()),
        sorted(policy.overrides.items()),
        sorted(policy.letters.items()),
        sorted(policy.no_reminders),
        sorted(policy.owners.items()),
        calendar.holidays_between(date(calendar.first_year, 1, 1), date(calendar.last_year, 12, 31)),
    )
    digest.update(repr(described).encode())
    return digest.hexdigest()


def after_change(
    session: Session,
    activity_id: int,
    moved: list[tuple[Milestone, dict]],
    *,
    reason: str,
    now: datetime,
    calendar: WorkingDayCalendar,
    policy: Policy,
) -> QueueReport:
    """In the transaction of a change staff made: queue the letters it calls for, one "dates changed"
    email if open dates moved (cancelling reminders queued for the old dates), and whatever reminder
    is now due. The daily sweep does the same again as the backstop."""
    report = QueueReport()
    activity = session.get(Activity, activity_id)
    queue_dates_changed(
        session, activity, moved, reason=reason, now=now, calendar=calendar, policy=policy, report=report
    )
    session.flush()  # the cancellations above are seen by the passes below
    queue_letters(session, activity, now=now, calendar=calendar, policy=policy, report=report)
    if calendar.is_working_day(now.astimezone(LONDON).date()):
        queue_reminders(session, activity, as_of=now, calendar=calendar, policy=policy, report=report)
    return report
