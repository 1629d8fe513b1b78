"""Reminders: for each open milestone, the current step of its ladder in the policy (before, on and
after its forecast day), queued for the step's day; steps no longer due are cancelled."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from calendars import LONDON, WorkingDayCalendar
from models.records import Activity, Milestone, OutboxMessage
from models.reminders import Policy, Step, latest_due_step, send_moment
from models.states import MilestoneStatus, OutboxStatus
from models.templates import edition_named
from services.mail import emails
from services.mail.context import activity_context, milestones_by_key
from services.mail.outbox import QueueReport, idempotency_key, queue
from services.mail.recipients import Person, resolve_all
from services.reports.queries import as_milestone_date

NOT_REMINDERS = ("letter", "dates_changed", "delivery_failing")  # stages a reminder pass leaves alone


def queue_reminders(
    session: Session,
    activity: Activity,
    *,
    as_of: datetime,
    calendar: WorkingDayCalendar,
    policy: Policy,
    report: QueueReport,
) -> None:
    """Queue the current step of every open milestone's ladder, and cancel queued steps no longer due."""
    rows = milestones_by_key(session, activity.id)
    policy = policy.for_edition(edition_named(activity.edition))
    current: set[str] = set()
    on = as_of.astimezone(LONDON).date()
    for row in rows.values():
        if row.status != MilestoneStatus.PLANNED or row.actual or not row.forecast:
            continue
        step = latest_due_step(policy.steps_for(row.key, row.owner), row.forecast, as_of, calendar)
        if step is None:
            continue
        day = calendar.add_working_days(row.forecast.astimezone(LONDON).date(), step.offset)
        for person in resolve_all(session, activity, step.to, on=on, milestone_owner=row.owner):
            current.add(idempotency_key(activity.id, row.key, step.stage, person.email))
            rendered = render_reminder(session, activity, row, step, person)
            queue(
                session,
                activity=activity,
                milestone_key=row.key,
                stage=step.stage,
                person=person,
                cc=resolve_all(session, activity, step.cc, on=on, milestone_owner=row.owner),
                rendered=rendered,
                not_before=send_moment(day, policy, calendar),
                now=as_of,
                policy=policy,
                report=report,
            )
    stale = session.exec(
        select(OutboxMessage).where(
            OutboxMessage.activity_id == activity.id,
            OutboxMessage.status == OutboxStatus.QUEUED,
            OutboxMessage.stage.not_in(NOT_REMINDERS),
        )
    )
    for row in stale:
        if row.idempotency_key not in current:
            row.status = OutboxStatus.CANCELLED
            session.add(row)
            report.cancelled.append(row.idempotency_key)


def render_reminder(
    session: Session, activity: Activity, row: Milestone, step: Step, person: Person
) -> emails.Rendered:
    """The reminder of `step` about milestone `row`, for `person`, with its subject."""
    milestone = as_milestone_date(row)
    context = activity_context(session, activity, person) | {
        "milestone": milestone,
        "stage": step.stage,
        "days": abs(step.offset),
        "courtesy": step.courtesy,
    }
    la = context["la"].name
    if step.courtesy:
        subject = f"Optional: {milestone.title} before {emails.govuk_when(milestone.forecast)} – {la}"
    elif step.stage == "due":
        subject = f"Due today: {milestone.title} – {la}"
    elif step.offset < 0:
        subject = f"Reminder: {milestone.title} due {emails.govuk_when(milestone.forecast)} – {la}"
    elif person.la_facing:
        subject = f"Overdue: {milestone.title} – {la}"
    else:
        subject = f"Overdue by {step.offset} working days: {milestone.title} – {la}"
    return emails.render(
        "reminder",
        subject,
        context,
        key_dates=[(f"{milestone.title} ({la})", milestone.forecast)],
        uid_prefix=f"activity{activity.id}-{row.key}",
        now=milestone.forecast,
    )
