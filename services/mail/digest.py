"""The daily digest (07:30 each working day). Business support's: per region, what is due today and in
the next 5 working days, what is overdue, which emails have not been delivered, and the state of the
audit chain against its newest checkpoint. Every officer's, business support's included: the items
assigned to them (an officer is the staff member and the dashboard user of the same name)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from calendars import LONDON, WorkingDayCalendar
from models.records import Assignment, OutboxMessage, StaffMember, User
from models.reminders import Policy
from models.states import OutboxStatus
from services.mail import emails
from services.mail.outbox import QueueReport, queue
from services.mail.recipients import Person
from services.reports import queries, worklists
from services.store import audit


def queue_digests(
    session: Session, *, as_of: datetime, calendar: WorkingDayCalendar, policy: Policy
) -> QueueReport:
    """One digest per business support officer (their region, and what is assigned to them) and one per
    other officer with assigned work due or overdue; nothing on a non-working day."""
    report = QueueReport()
    today = as_of.astimezone(LONDON).date()
    if not calendar.is_working_day(today):
        return report
    end_of_today = datetime.combine(today, datetime.max.time(), tzinfo=LONDON)
    chain = str(audit.verify(session))  # the newest checkpoint, or what is wrong, for whoever reads it
    assigned = select(User.name).join(Assignment, Assignment.user_id == User.id)
    officers = session.exec(
        select(StaffMember)
        .where((StaffMember.role == "business_support") | StaffMember.name.in_(assigned))
        .order_by(StaffMember.name)
    )
    sending = {"as_of": as_of, "policy": policy, "report": report}
    for officer in officers:
        mine = worklists.assigned_items(session, officer.name, as_of=as_of, calendar=calendar)
        person = Person(officer.name, officer.email, officer.role, la_facing=False)
        context = {"recipient": person, "embargoed": None, "today": today, "mine": mine, "region": None}
        if officer.role != "business_support":
            if mine:  # an officer with nothing of their own due is not written to
                _queue(session, person, f"Your work, {emails.govuk_day(today)}", context, **sending)
            continue
        filters = queries.Filters(region=officer.ofsted_region)
        soon = queries.due(session, as_of=as_of, within=5, calendar=calendar, filters=filters)
        due_today = [i for i in soon if i.milestone.forecast <= end_of_today]
        failing = session.exec(
            select(OutboxMessage).where(
                OutboxMessage.status.in_((OutboxStatus.FAILED, OutboxStatus.QUEUED)),
                OutboxMessage.attempts > 0,
            )
        ).all()
        context |= {
            "region": officer.ofsted_region or "all regions",
            "due_today": due_today,
            "due_soon": [i for i in soon if i not in due_today],
            "overdue": queries.overdue(session, as_of=as_of, filters=filters),
            "failed": failing,
            "audit_chain": chain,
        }
        subject = f"Daily summary, {emails.govuk_day(today)}: {context['region']}"
        _queue(session, person, subject, context, **sending)
    return report


def _queue(
    session: Session, person: Person, subject: str, context: dict, *, as_of: datetime, policy: Policy, report
) -> None:
    """One digest, at the policy's digest time: once a day per officer, whatever runs it again."""
    today = context["today"]
    rendered = emails.render("digest", subject, context)
    queue(
        session,
        activity=None,
        milestone_key=f"digest-{today.isoformat()}",
        stage="digest",
        person=person,
        cc=[],
        rendered=rendered,
        not_before=datetime.combine(today, policy.digest_time, tzinfo=LONDON),
        now=as_of,
        policy=policy,
        report=report,
    )
