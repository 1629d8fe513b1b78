"""Business support's daily digest (07:30 each working day): per region, what is due today and in the
next 5 working days, what is overdue, which emails have not been delivered, and the state of the audit
chain against its newest checkpoint."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from calendars import LONDON, WorkingDayCalendar
from models.records import OutboxMessage, StaffMember
from models.reminders import Policy
from models.states import OutboxStatus
from services.mail import emails
from services.mail.outbox import QueueReport, queue
from services.mail.recipients import Person
from services.reports import queries
from services.store import audit


def queue_digests(
    session: Session, *, as_of: datetime, calendar: WorkingDayCalendar, policy: Policy
) -> QueueReport:
    """One digest per business support officer, for their region; nothing on a non-working day."""
    report = QueueReport()
    today = as_of.astimezone(LONDON).date()
    if not calendar.is_working_day(today):
        return report
    end_of_today = datetime.combine(today, datetime.max.time(), tzinfo=LONDON)
    chain = str(audit.verify(session))  # the newest checkpoint, or what is wrong, for whoever reads it
    officers = session.exec(
        select(StaffMember).where(StaffMember.role == "business_support").order_by(StaffMember.name)
    )
    for officer in officers:
        filters = queries.Filters(region=officer.ofsted_region)
        soon = queries.due(session, as_of=as_of, within=5, calendar=calendar, filters=filters)
        due_today = [i for i in soon if i.milestone.forecast <= end_of_today]
        failing = session.exec(
            select(OutboxMessage).where(
                OutboxMessage.status.in_((OutboxStatus.FAILED, OutboxStatus.QUEUED)),
                OutboxMessage.attempts > 0,
            )
        ).all()
        person = Person(officer.name, officer.email, "business_support", la_facing=False)
        context = {
            "recipient": person,
            "embargoed": None,
            "region": officer.ofsted_region or "all regions",
            "today": today,
            "due_today": due_today,
            "due_soon": [i for i in soon if i not in due_today],
            "overdue": queries.overdue(session, as_of=as_of, filters=filters),
            "failed": failing,
            "audit_chain": chain,
        }
        rendered = emails.render(
            "digest",
            f"Daily summary, {emails.govuk_day(today)}: {context['region']}",
            context,
        )
        at_half_seven = datetime.combine(today, policy.digest_time, tzinfo=LONDON)
        queue(
            session,
            activity=None,
            milestone_key=f"digest-{today.isoformat()}",
            stage="digest",
            person=person,
            cc=[],
            rendered=rendered,
            not_before=at_half_seven,
            now=as_of,
            policy=policy,
            report=report,
        )
    return report
