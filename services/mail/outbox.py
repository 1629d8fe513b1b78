"""Deciding what to send: reminders by the policy's ladders, letters when staff record a milestone,
and one "dates changed" email when dates move. Every decision is an outbox row, written in the
caller's transaction under an idempotency key (activity, milestone, stage, recipient), so a sweep
run twice, or a change replayed, queues nothing new, and a step once sent is never sent again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from calendars import LONDON, WorkingDayCalendar
from models.records import Activity, LocalAuthority, Milestone, OutboxMessage
from models.reminders import Policy, Step, latest_due_step, outside_quiet_hours, send_moment
from models.templates import template_for_edition
from models.timeline import PLANNED
from services.mail import emails, gate
from services.mail.recipients import Person, resolve
from services.reports.queries import as_milestone_date

GRADED = ("standard-inspection", "short-inspection")
SENT_OR_SENDING = ("sent", "sending", "failed")


@dataclass
class SweepReport:
    queued: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)


def idempotency_key(activity_id: int, milestone_key: str, stage: str, email: str) -> str:
    return f"{activity_id}:{milestone_key}:{stage}:{email.lower()}"


def _existing(session: Session, key: str) -> OutboxMessage | None:
    return session.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).first()


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
    report: SweepReport,
    embargoed: bool = False,
) -> None:
    """Queue one email through the gate. A key already sent is left alone (never twice); a key queued
    or cancelled before is brought up to date. `activity` is None for internal mail about many (digests)."""
    key = idempotency_key(activity.id if activity else 0, milestone_key, stage, person.email)
    verdict = gate.admit(session, activity, person, policy)
    if not verdict.admitted:
        report.dropped.append(f"{key} ({verdict.reason})")
        return
    row = _existing(session, key)
    if row is not None and row.status in SENT_OR_SENDING:
        return
    admitted_cc = [
        p.email for p in cc if p.email != person.email and gate.admit(session, activity, p, policy).admitted
    ]
    subject = rendered.subject
    row = row or OutboxMessage(
        idempotency_key=key,
        activity_id=activity.id if activity else None,
        milestone_key=milestone_key,
        stage=stage,
        recipient_email=person.email,
        recipient_name="",
        recipient_role="",
        subject="",
        body_text="",
        body_html="",
        created_at=now,
        not_before=not_before,
    )
    changed = (
        row.id is None or row.status != "queued" or row.not_before != not_before or row.subject != subject
    )
    row.recipient_name, row.recipient_role, row.cc = person.name, person.role, admitted_cc
    row.recipient_la_facing = person.la_facing
    row.subject, row.body_text, row.body_html, row.ics = subject, rendered.text, rendered.html, rendered.ics
    row.embargoed, row.not_before, row.status = embargoed, not_before, "queued"
    session.add(row)
    if changed:
        report.queued.append(key)


def _context(session: Session, activity: Activity, person: Person) -> dict:
    template = template_for_edition(activity.activity_type, activity.edition)
    return {
        "activity": activity,
        "la": session.get(LocalAuthority, activity.la_id),
        "recipient": person,
        "title": template.title,
        "graded": activity.activity_type in GRADED,
        "onsite": activity.onsite,
        "fieldwork_end": activity.fieldwork_end,
        "embargoed": None,
    }


def _rows(session: Session, activity_id: int) -> dict[str, Milestone]:
    query = select(Milestone).where(Milestone.activity_id == activity_id).order_by(Milestone.position)
    return {m.key: m for m in session.exec(query)}


def _target(rows: dict[str, Milestone], key: str) -> datetime | None:
    row = rows.get(key)
    return row.forecast.astimezone(LONDON) if row and row.forecast and row.status == PLANNED else None


def _people(session: Session, activity: Activity, roles: tuple[str, ...], owner: str, on) -> list[Person]:
    found = [resolve(session, activity, r, on=on, milestone_owner=owner) for r in roles]
    return [p for p in dict.fromkeys(found) if p is not None]


def queue_reminders(
    session: Session,
    activity: Activity,
    *,
    as_of: datetime,
    calendar: WorkingDayCalendar,
    policy: Policy,
    report: SweepReport,
) -> None:
    """Queue the current step of every open milestone's ladder, and cancel queued steps no longer due."""
    rows = _rows(session, activity.id)
    current: set[str] = set()
    on = as_of.astimezone(LONDON).date()
    for row in rows.values():
        if row.status != PLANNED or row.actual or not row.forecast:
            continue
        step = latest_due_step(policy.steps_for(row.key), row.forecast, as_of, calendar)
        if step is None:
            continue
        day = calendar.add_working_days(row.forecast.astimezone(LONDON).date(), step.offset)
        for person in _people(session, activity, step.to, row.owner, on):
            current.add(idempotency_key(activity.id, row.key, step.stage, person.email))
            rendered = _reminder(session, activity, row, step, person)
            queue(
                session,
                activity=activity,
                milestone_key=row.key,
                stage=step.stage,
                person=person,
                cc=_people(session, activity, step.cc, row.owner, on),
                rendered=rendered,
                not_before=send_moment(day, policy, calendar),
                now=as_of,
                policy=policy,
                report=report,
            )
    stale = session.exec(
        select(OutboxMessage).where(
            OutboxMessage.activity_id == activity.id,
            OutboxMessage.status == "queued",
            OutboxMessage.stage.not_in(("letter", "dates_changed", "delivery_failing")),
        )
    )
    for row in stale:
        if row.idempotency_key not in current:
            row.status = "cancelled"
            session.add(row)
            report.cancelled.append(row.idempotency_key)


def _reminder(
    session: Session, activity: Activity, row: Milestone, step: Step, person: Person
) -> emails.Rendered:
    milestone = as_milestone_date(row)
    context = _context(session, activity, person) | {
        "milestone": milestone,
        "stage": step.stage,
        "days": abs(step.offset),
    }
    la = context["la"].name
    if step.stage == "due":
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


def queue_letters(
    session: Session,
    activity: Activity,
    *,
    now: datetime,
    calendar: WorkingDayCalendar,
    policy: Policy,
    report: SweepReport,
) -> None:
    """A letter to the DCS (link person copied) for each recorded milestone the policy writes about."""
    rows = _rows(session, activity.id)
    for key, letter in policy.letters.items():
        row = rows.get(key)
        if row is None or row.actual is None:
            continue
        on = row.actual.astimezone(LONDON).date()
        dcs = resolve(session, activity, "dcs", on=on)
        if dcs is None:
            report.dropped.append(
                f"{activity.id}:{key}:letter (no DCS, senior manager or chief executive on record)"
            )
            continue
        rendered, publication = _letter(session, activity, rows, letter.template, dcs, now)
        queue(
            session,
            activity=activity,
            milestone_key=key,
            stage="letter",
            person=dcs,
            cc=_people(session, activity, ("link_person",), "", on),
            rendered=rendered,
            not_before=outside_quiet_hours(row.actual, policy, calendar),
            now=now,
            policy=policy,
            report=report,
            embargoed=letter.embargoed and publication is not None,
        )


def _dated(*pairs: tuple[str, datetime | None]) -> list[tuple[str, datetime]]:
    return [(label, moment) for label, moment in pairs if moment]


def _letter(
    session: Session,
    activity: Activity,
    rows: dict[str, Milestone],
    template: str,
    person: Person,
    now: datetime,
) -> tuple[emails.Rendered, datetime | None]:
    """A letter to the DCS with the dates that matter to it, and its subject."""
    context = _context(session, activity, person)
    la, what = context["la"].name, context["title"].lower()
    paper = "report" if context["graded"] else "letter"
    publication = _target(rows, "publication")
    comments_due, action_plan_due = (
        _target(rows, "factual_accuracy_comments"),
        _target(rows, "action_plan_due"),
    )
    la_deadlines = [
        (r.title, r.forecast.astimezone(LONDON))
        for r in rows.values()
        if r.owner == "LA" and r.forecast and r.status == PLANNED and r.forecast.date() < activity.onsite
    ]
    on_site = [("Inspectors on site", _at_nine(activity.onsite))]
    subject, key_dates = {
        "confirmation": (f"Confirmation: {what} of {la}'s children's services", la_deadlines + on_site),
        "data_request": (
            f"Information request: {what} of {la}'s children's services",
            la_deadlines + on_site,
        ),
        "draft_for_factual_accuracy": (
            f"Draft for factual accuracy: {what} of {la}",
            _dated(("Factual accuracy comments due", comments_due)),
        ),
        "final_under_embargo": (
            f"Final {paper}: {what} of {la}",
            _dated(("Publication", publication), ("Action plan due", action_plan_due)),
        ),
        "published": (f"Published: {what} of {la}", _dated(("Action plan due", action_plan_due))),
        "apv_confirmation": (
            f"Action planning visit: {la}",
            _dated(
                ("Action planning visit", _target(rows, "action_planning_visit")),
                ("Final agenda circulated", _target(rows, "apv_agenda_circulated")),
            ),
        ),
        "engagement_letter": (f"Annual engagement meeting: {la}", []),
    }[template]
    embargoed = publication if template == "final_under_embargo" else None
    if embargoed:
        subject = gate.embargo_subject(subject)
    context |= {
        "la_deadlines": la_deadlines,
        "comments_due": comments_due,
        "action_plan_due": action_plan_due,
        "children_summary": "children_summary_sent" in rows,
        "key_dates": key_dates,
        "embargoed": embargoed,
    }
    rendered = emails.render(
        template, subject, context, key_dates=key_dates, uid_prefix=f"activity{activity.id}", now=now
    )
    return rendered, publication


def _london(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(LONDON)


def _at_nine(day) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=LONDON)


def queue_dates_changed(
    session: Session,
    activity: Activity,
    moved: list[tuple[Milestone, dict]],
    *,
    reason: str,
    now: datetime,
    calendar: WorkingDayCalendar,
    policy: Policy,
    report: SweepReport,
) -> None:
    """One email to the people affected (the DCS, link person copied, and the lead inspector) listing the
    open milestones whose dates moved; queued reminders for the old dates are cancelled."""
    changes = [
        (
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
                OutboxMessage.status == "queued",
                OutboxMessage.stage != "letter",
            )
        ):
            stale.status = "cancelled"
            session.add(stale)
            report.cancelled.append(stale.idempotency_key)
    digest = hashlib.sha256(
        repr([(t, o.isoformat(), n.isoformat()) for t, o, n in changes]).encode()
    ).hexdigest()[:12]
    on = now.astimezone(LONDON).date()
    for person in _people(session, activity, ("dcs", "lead_inspector"), "", on):
        context = _context(session, activity, person) | {"moved": changes, "reason": reason}
        rendered = emails.render(
            "dates_changed",
            f"Dates changed: {context['title'].lower()} of {context['la'].name}",
            context,
            key_dates=[(t, n) for t, _, n in changes],
            uid_prefix=f"activity{activity.id}",
            now=now,
        )
        cc = _people(session, activity, ("link_person",), "", on) if person.la_facing else []
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


def sweep(session: Session, *, as_of: datetime, calendar: WorkingDayCalendar, policy: Policy) -> SweepReport:
    """The daily backstop: on a working day, queue every due reminder and any letter not yet queued.
    On a weekend or bank holiday it does nothing (cron does not know bank holidays)."""
    report = SweepReport()
    if not calendar.is_working_day(as_of.astimezone(LONDON).date()):
        return report
    for activity in session.exec(select(Activity).where(Activity.status == "planned").order_by(Activity.id)):
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
) -> SweepReport:
    """In the transaction of a change staff made: queue the letters it calls for, one "dates changed"
    email if open dates moved (cancelling reminders queued for the old dates), and whatever reminder
    is now due. The daily sweep does the same again as the backstop."""
    report = SweepReport()
    activity = session.get(Activity, activity_id)
    queue_dates_changed(
        session, activity, moved, reason=reason, now=now, calendar=calendar, policy=policy, report=report
    )
    queue_letters(session, activity, now=now, calendar=calendar, policy=policy, report=report)
    if calendar.is_working_day(now.astimezone(LONDON).date()):
        queue_reminders(session, activity, as_of=now, calendar=calendar, policy=policy, report=report)
    return report


def preview(
    session: Session, activity_id: int, key: str, stage: str, *, now: datetime, policy: Policy
) -> tuple[Person, emails.Rendered]:
    """The email that milestone `key` of the activity would get at `stage` ("letter", "due",
    "before-2", "overdue+1" ...), addressed to the first person of that step. Nothing is queued."""
    activity = session.get(Activity, activity_id)
    if activity is None:
        raise ValueError(f"no activity {activity_id}")
    rows = _rows(session, activity_id)
    if key not in rows:
        raise ValueError(f"activity {activity_id} has no milestone {key!r}")
    on = now.astimezone(LONDON).date()
    if stage == "letter":
        if key not in policy.letters:
            raise ValueError(f"no letter is sent for {key}; letters: {', '.join(policy.letters)}")
        person = resolve(session, activity, "dcs", on=on)
        if person is None:
            raise ValueError("no DCS, senior manager or chief executive on record for this LA")
        return person, _letter(session, activity, rows, policy.letters[key].template, person, now)[0]
    steps = {s.stage: s for s in policy.steps_for(key)}
    if stage not in steps:
        raise ValueError(f"{key} has no reminder stage {stage!r}; its stages: {', '.join(steps) or 'none'}")
    people = _people(session, activity, steps[stage].to, rows[key].owner, on)
    if not people:
        raise ValueError(f"nobody holds the role(s) {', '.join(steps[stage].to)} for this activity")
    return people[0], _reminder(session, activity, rows[key], steps[stage], people[0])
