"""Passes over the store that queue what is due: the daily sweep over every planned activity (the
backstop), and the pass over one activity in the transaction of a change staff made.

The sweep takes the planned activities a batch at a time, and each batch in a handful of queries
(their milestones, contacts, staff and the rows already queued), whatever their number.
`sweep_in_batches` commits each batch: a sweep killed part-way loses one batch at most, and run
again it queues only what is missing (the idempotency key makes every step happen once).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, select

from calendars import LONDON, WorkingDayCalendar
from models.records import Activity, Milestone
from models.reminders import Policy
from models.states import ActivityStatus
from services.mail.dates_changed import queue_dates_changed
from services.mail.letters import queue_letters
from services.mail.outbox import Known, QueueReport
from services.mail.reminders import Ladders, queue_reminders
from services.store.database import transaction

BATCH = 2000  # activities per batch (and per transaction in `sweep_in_batches`): about a second


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
    any letter not yet queued. On a weekend or bank holiday it does nothing (cron does not know bank
    holidays)."""
    report = QueueReport()
    if calendar.is_working_day(as_of.astimezone(LONDON).date()):
        ladders = Ladders(as_of=as_of, calendar=calendar, policy=policy)
        for ids in _batches(_planned_ids(session), batch):
            _merge(report, _sweep_batch(session, ids, ladders=ladders))
    return report


def sweep_in_batches(
    engine: Engine, *, as_of: datetime, calendar: WorkingDayCalendar, policy: Policy, batch: int = BATCH
) -> QueueReport:
    """`sweep`, each batch of activities in its own transaction."""
    report = QueueReport()
    if not calendar.is_working_day(as_of.astimezone(LONDON).date()):
        return report
    with transaction(engine) as session:
        planned = _planned_ids(session)
    ladders = Ladders(as_of=as_of, calendar=calendar, policy=policy)
    for ids in _batches(planned, batch):
        with transaction(engine) as session:
            _merge(report, _sweep_batch(session, ids, ladders=ladders))
    return report


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
