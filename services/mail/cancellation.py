"""The cancellation email: one to each person already sent mail about an activity, when it is cancelled.

Only people already told are told it is off; nobody learns of an activity from its cancellation. The
gate still applies: an LA's contact is written to only once the notification is recorded.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from calendars import WorkingDayCalendar
from models.records import Activity, OutboxMessage
from models.reminders import Policy, outside_quiet_hours
from models.states import OutboxStatus
from services.mail import emails
from services.mail.context import activity_context
from services.mail.outbox import QueueReport, queue
from services.mail.recipients import Person

STAGE = "cancellation"


def already_told(session: Session, activity: Activity) -> list[Person]:
    """Everyone an email about `activity` was sent to, once each, in the order they were first told."""
    people: dict[str, Person] = {}
    for row in session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.activity_id == activity.id, OutboxMessage.status == OutboxStatus.SENT)
        .order_by(OutboxMessage.sent_at, OutboxMessage.id)
    ):
        people.setdefault(
            row.recipient_email.lower(),
            Person(row.recipient_name, row.recipient_email, row.recipient_role, row.recipient_la_facing),
        )
    return list(people.values())


def queue_cancellation(
    session: Session,
    activity: Activity,
    *,
    now: datetime,
    calendar: WorkingDayCalendar,
    policy: Policy,
    report: QueueReport,
) -> None:
    """One email to each person already told; the reason is given to Ofsted's staff only (it may be
    internal), the local authority is told that the lead inspector will be in touch."""
    for person in already_told(session, activity):
        context = activity_context(session, activity, person) | {
            "reason": "" if person.la_facing else activity.cancelled_reason
        }
        rendered = emails.render(
            STAGE,
            f"Cancelled: {context['title'].lower()} of {context['la'].name}",
            context,
        )
        queue(
            session,
            activity=activity,
            milestone_key="activity",
            stage=STAGE,
            person=person,
            cc=[],
            rendered=rendered,
            not_before=outside_quiet_hours(now, policy, calendar),
            now=now,
            policy=policy,
            report=report,
        )
