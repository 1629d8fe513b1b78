"""Reminders: for each open milestone, the current step of its ladder in the policy (before, on and
after its forecast day), queued for the step's day; steps no longer due are cancelled.

Worked out over plain rows for many activities at once (the daily sweep) or for one (a change staff
made): no query per milestone or per message, and no rendering — a reminder is rendered when it is
sent (`render_queued`), from the row and the milestone as they are then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from calendars import LONDON, WorkingDayCalendar
from models.records import Activity, Milestone, OutboxMessage
from models.reminders import Policy, Step, latest_due_step, send_moment
from models.states import MilestoneStatus, OutboxStatus
from models.templates import edition_named, shipped_editions
from services.mail import emails
from services.mail.context import Facts
from services.mail.outbox import DecodeOnce, Draft, Known, QueueReport, existing_rows, queue_drafts
from services.mail.recipients import Directory, Person
from services.reports.queries import as_milestone_date

NOT_REMINDERS = ("letter", "dates_changed", "delivery_failing")  # stages a reminder pass leaves alone


@dataclass(frozen=True)
class OpenMilestone:
    """What a reminder needs of a milestone still to be done."""

    activity_id: int
    key: str
    title: str
    owner: str
    forecast: datetime


def open_milestones(session: Session, activity_ids: list[int], *, before: datetime) -> list[OpenMilestone]:
    """One query: the planned milestones of these activities with a forecast before `before` and no
    actual."""
    forecast = DecodeOnce(Milestone.forecast, session)
    query = (
        select(Milestone.activity_id, Milestone.key, Milestone.title, Milestone.owner, forecast.column)
        .where(
            Milestone.activity_id.in_(activity_ids),
            Milestone.status == MilestoneStatus.PLANNED,
            Milestone.actual.is_(None),
            Milestone.forecast.is_not(None),
            Milestone.forecast < before,
        )
        .order_by(Milestone.activity_id, Milestone.position)
    )
    return [OpenMilestone(*row[:4], forecast(row[4])) for row in session.connection().execute(query)]


class Ladders:
    """The due step of a ladder and when it leaves, worked out once per forecast day and kept: many
    milestones share a day, and the sweep asks for thousands of them."""

    def __init__(self, *, as_of: datetime, calendar: WorkingDayCalendar, policy: Policy) -> None:
        self.as_of, self.calendar, self.policy = as_of, calendar, policy
        self._due: dict[tuple, tuple[Step, datetime] | None] = {}
        self._steps: dict[tuple[str, str, str], tuple[Policy, tuple[Step, ...]]] = {}

    def horizon(self) -> datetime:
        """No milestone due after this has a step due by `as_of`: the longest notice any ladder gives,
        in working days from today, and a week to spare for forecasts on days off."""
        policies = [self.policy.for_edition(edition) for edition in shipped_editions()]
        ladders = [steps for p in policies for _, _, steps in p.ladders.values()] + [
            steps for p in policies for steps in p.overrides.values()
        ]
        notice = max((-s.offset for steps in ladders for s in steps), default=0)
        today = self.as_of.astimezone(LONDON).date()
        last = self.calendar.add_working_days(today, max(notice, 0)) + timedelta(days=7)
        return datetime.combine(last, time(0), tzinfo=LONDON)

    def due(self, key: str, owner: str, edition: str, forecast: datetime) -> tuple[Step, datetime] | None:
        """The newest step of milestone `key`'s ladder (by its owner and the activity's edition) due by
        `as_of`, and the moment it leaves."""
        asked = (key, owner, edition, forecast)
        found = self._due.get(asked, self)
        if found is self:
            forecast_day = forecast.astimezone(LONDON).date()
            if (key, owner, edition) not in self._steps:
                policy = self.policy.for_edition(edition_named(edition))
                self._steps[(key, owner, edition)] = (policy, policy.steps_for(key, owner))
            policy, steps = self._steps[(key, owner, edition)]
            step = latest_due_step(steps, forecast, self.as_of, self.calendar)
            found = step and (
                step,
                send_moment(self.calendar.add_working_days(forecast_day, step.offset), policy, self.calendar),
            )
            self._due[asked] = found
        return found


def reminder_drafts(
    activities: dict[int, Activity],
    milestones: list[OpenMilestone],
    directory: Directory,
    ladders: Ladders,
) -> tuple[list[Draft], set[str]]:
    """The current step of every open milestone, as drafts (not rendered), and their keys. The
    milestones come by activity: its recipients are resolved once per step and owner, and a subject
    worked out once for all the milestones sharing a title, a day and an LA."""
    drafts: list[Draft] = []
    subjects: dict[tuple, str] = {}
    on = ladders.as_of.astimezone(LONDON).date()
    activity_id = None
    for row in milestones:
        if row.activity_id != activity_id:
            activity_id, activity = row.activity_id, activities[row.activity_id]
            edition, la_name = activity.edition, directory.las[activity.la_id].name
            people: dict[tuple, tuple[list[Person], list[Person]]] = {}  # by step and owner
        due = ladders.due(row.key, row.owner, edition, row.forecast)
        if due is None:
            continue
        step, not_before = due
        addressed = (id(step), row.owner)  # the policy holds its steps: an id is theirs throughout
        if addressed not in people:
            people[addressed] = (
                directory.resolve_all(activity, step.to, on=on, milestone_owner=row.owner),
                directory.resolve_all(activity, step.cc, on=on, milestone_owner=row.owner),
            )
        to, cc = people[addressed]
        for person in to:
            asked = (row.title, row.forecast, step.offset, step.courtesy, person.la_facing, la_name)
            subject = subjects.get(asked)
            if subject is None:
                subject = subjects[asked] = reminder_subject(row.title, row.forecast, step, person, la_name)
            drafts.append(Draft(activity, row.key, step.stage, person, cc, subject, not_before))
    return drafts, {d.key for d in drafts}


def queue_reminders(
    session: Session,
    *activities: Activity,
    as_of: datetime,
    calendar: WorkingDayCalendar,
    policy: Policy,
    report: QueueReport,
    known: Known | None = None,
    ladders: Ladders | None = None,
) -> None:
    """Queue the current step of every open milestone's ladder of these activities, and cancel queued
    steps no longer due: a handful of queries however many activities. (The sweep passes the same
    `ladders` to every batch.)"""
    known = known or Known.load(session, list(activities))
    by_id = {a.id: a for a in activities}
    ladders = ladders or Ladders(as_of=as_of, calendar=calendar, policy=policy)
    milestones = open_milestones(session, sorted(by_id), before=ladders.horizon())
    drafts, current = reminder_drafts(by_id, milestones, known.directory, ladders)
    existing = existing_rows(session, sorted(by_id), current)
    queue_drafts(session, drafts, existing=existing, known=known, now=as_of, policy=policy, report=report)
    stale = [
        key
        for key, row in existing.items()
        if row.status == OutboxStatus.QUEUED and row.stage not in NOT_REMINDERS and key not in current
    ]
    if stale:
        session.execute(
            update(OutboxMessage), [{"id": existing[k].id, "status": OutboxStatus.CANCELLED} for k in stale]
        )
        report.cancelled.extend(stale)


def reminder_subject(title: str, forecast: datetime, step: Step, person: Person, la: str) -> str:
    if step.courtesy:
        subject = f"Optional: {title} before {emails.govuk_when(forecast.astimezone(LONDON))} – {la}"
    elif step.stage == "due":
        subject = f"Due today: {title} – {la}"
    elif step.offset < 0:
        subject = f"Reminder: {title} due {emails.govuk_when(forecast.astimezone(LONDON))} – {la}"
    elif person.la_facing:
        subject = f"Overdue: {title} – {la}"
    else:
        subject = f"Overdue by {step.offset} working days: {title} – {la}"
    return emails.header_safe(subject)


def render_reminder(
    session: Session, activity: Activity, row: Milestone, step: Step, person: Person
) -> emails.Rendered:
    """The reminder of `step` about milestone `row`, for `person`, with its subject."""
    return reminder_email(_facts(session, [activity.id]), activity, row, step, person)


def reminder_email(
    facts: Facts, activity: Activity, row: Milestone, step: Step, person: Person
) -> emails.Rendered:
    """`render_reminder` from facts already loaded (the sender's batch)."""
    milestone = as_milestone_date(row)
    context = facts.context(activity, person) | {
        "milestone": milestone,
        "stage": step.stage,
        "days": abs(step.offset),
        "courtesy": step.courtesy,
    }
    return emails.render(
        "reminder",
        reminder_subject(milestone.title, milestone.forecast, step, person, context["la"].name),
        context,
        ics=facts.calendar_file(activity, for_la=person.la_facing, keys=[row.key], fieldwork=False),
    )


def render_queued(
    session: Session, message: OutboxMessage, policy: Policy, *, facts: Facts | None = None
) -> emails.Rendered:
    """The body of a queued reminder, rendered when it is sent: its step from the policy, its milestone
    and activity as they are now, its recipient as queued (from `facts` when the caller loaded them
    for a batch)."""
    facts = facts or _facts(session, [message.activity_id])
    activity = facts.activities[message.activity_id]
    row = facts.milestones[activity.id][message.milestone_key]
    steps = policy.for_edition(edition_named(activity.edition)).steps_for(row.key, row.owner)
    step = next(s for s in steps if s.stage == message.stage)
    person = Person(
        message.recipient_name, message.recipient_email, message.recipient_role, message.recipient_la_facing
    )
    return reminder_email(facts, activity, row, step, person)


def _facts(session: Session, activity_ids: list[int]) -> Facts:
    from services.settings import calendar_in_force

    return Facts.load(session, activity_ids, calendar=calendar_in_force())
