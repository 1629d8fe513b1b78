"""The "dates changed" email: when a change moves open milestones, one email to the people affected
listing each with its old and new date; reminders queued for the old dates are cancelled."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlmodel import Session, select

from calendars import LONDON, WorkingDayCalendar
from models.records import Activity, Milestone, OutboxMessage
from models.reminders import Policy, outside_quiet_hours
from models.states import OutboxStatus
from services.mail import calendar_files, emails
from services.mail.context import activity_context
from services.mail.outbox import QueueReport, queue
from services.mail.recipients import resolve_all


def queue_dates_changed(
    session: Session,
    activity: Activity,
    moved: list[tuple[Milestone, dict]],
    *,
    reason: str,
    now: datetime,
    calendar: WorkingDayCalendar,
    policy: Policy,
    report: QueueReport,
) -> None:
    """One email to the people affected (the DCS, link person copied, and the lead inspector) listing the
    open milestones whose dates moved; queued reminders for the old dates are cancelled."""
    changes = [
        (
            row.key,
            row.title,
            datetime.fromisoformat(before["forecast"]).astimezone(LONDON),
            row.forecast.astimezone(LONDON),
        )
        for row, before in moved
        if row.actual is None
        and row.forecast
        and before["forecast"]
        and datetime.fromisoformat(before["forecast"]) != row.forecast
    ]
    if not changes:
        return
    for row, _ in moved:
        for stale in session.exec(
            select(OutboxMessage).where(
                OutboxMessage.activity_id == activity.id,
                OutboxMessage.milestone_key == row.key,
                OutboxMessage.status == OutboxStatus.QUEUED,
                OutboxMessage.stage != "letter",
            )
        ):
            stale.status = OutboxStatus.CANCELLED
            session.add(stale)
            report.cancelled.append(stale.idempotency_key)
    digest = hashlib.sha256(
        repr([(t, o.isoformat(), n.isoformat()) for _, t, o, n in changes]).encode()
    ).hexdigest()[:12]
    on = now.astimezone(LONDON).date()
    for person in resolve_all(session, activity, ("dcs", "lead_inspector"), on=on):
        # the LA hears of its own milestones and those it takes part in, not Ofsted's internal steps
        told = [c for c in changes if not person.la_facing or calendar_files.shared_with_la(c[0])]
        if not told:
            continue
        context = activity_context(session, activity, person) | {
            "moved": [(t, o, n) for _, t, o, n in told],
            "reason": reason,
        }
        rendered = emails.render(
            "dates_changed",
            f"Dates changed: {context['title'].lower()} of {context['la'].name}",
            context,
            ics=calendar_files.activity_calendar(
                session,
                activity,
                for_la=person.la_facing,
                keys=[k for k, *_ in told],
                calendar=calendar,
            ),
        )
        cc = resolve_all(session, activity, ("link_person",), on=on) if person.la_facing else []
        queue(
            session,
            activity=activity,
            milestone_key=f"changes-{digest}",
            stage="dates_changed",
            person=person,
            cc=cc,
            rendered=rendered,
            not_before=outside_quiet_hours(now, policy, calendar),
            now=now,
            policy=policy,
            report=report,
        )
