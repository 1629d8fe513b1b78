"""Passes over the store that queue what is due: the daily sweep over every planned activity (the
backstop), and the pass over one activity in the transaction of a change staff made."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from calendars import LONDON, WorkingDayCalendar
from models.records import Activity, Milestone
from models.reminders import Policy
from models.states import ActivityStatus
from services.mail.dates_changed import queue_dates_changed
from services.mail.letters import queue_letters
from services.mail.outbox import QueueReport
from services.mail.reminders import queue_reminders


def sweep(session: Session, *, as_of: datetime, calendar: WorkingDayCalendar, policy: Policy) -> QueueReport:
    """The daily backstop: on a working day, queue every due reminder and any letter not yet queued.
    On a weekend or bank holiday it does nothing (cron does not know bank holidays)."""
    report = QueueReport()
    if not calendar.is_working_day(as_of.astimezone(LONDON).date()):
        return report
    for activity in session.exec(
        select(Activity).where(Activity.status == ActivityStatus.PLANNED).order_by(Activity.id)
    ):
        queue_letters(session, activity, now=as_of, calendar=calendar, policy=policy, report=report)
        queue_reminders(session, activity, as_of=as_of, calendar=calendar, policy=policy, report=report)
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
    queue_letters(session, activity, now=now, calendar=calendar, policy=policy, report=report)
    if calendar.is_working_day(now.astimezone(LONDON).date()):
        queue_reminders(session, activity, as_of=now, calendar=calendar, policy=policy, report=report)
    return report
