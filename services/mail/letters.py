"""Letters to the DCS (the link person copied): one when staff record a milestone the policy writes
about (confirmation, draft, final report, publication ...), and one when the lead inspector logs an
Annex B request for further information. Each carries the dates that matter to it; none is sent in
quiet hours."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from calendars import LONDON, WorkingDayCalendar
from models.records import Activity, FurtherInformationRequest, Milestone
from models.reminders import Policy, outside_quiet_hours
from models.states import MilestoneStatus
from services.mail import emails, gate
from services.mail.context import activity_context, milestones_by_key, open_forecast
from services.mail.outbox import QueueReport, queue
from services.mail.recipients import Person, resolve, resolve_all

NO_DCS = "no DCS, senior manager or chief executive on record"


def queue_letters(
    session: Session,
    activity: Activity,
    *,
    now: datetime,
    calendar: WorkingDayCalendar,
    policy: Policy,
    report: QueueReport,
) -> None:
    """A letter to the DCS (link person copied) for each recorded milestone the policy writes about."""
    rows = milestones_by_key(session, activity.id)
    for key, letter in policy.letters.items():
        row = rows.get(key)
        if row is None or row.actual is None:
            continue
        on = row.actual.astimezone(LONDON).date()
        dcs = resolve(session, activity, "dcs", on=on)
        if dcs is None:
            report.dropped.append(f"{activity.id}:{key}:letter ({NO_DCS})")
            continue
        rendered, publication = render_letter(session, activity, rows, letter.template, dcs, now)
        queue(
            session,
            activity=activity,
            milestone_key=key,
            stage="letter",
            person=dcs,
            cc=resolve_all(session, activity, letter.cc, on=on),
            rendered=rendered,
            not_before=outside_quiet_hours(row.actual, policy, calendar),
            now=now,
            policy=policy,
            report=report,
            embargoed=letter.embargoed and publication is not None,
        )


def _dated(*pairs: tuple[str, datetime | None]) -> list[tuple[str, datetime]]:
    return [(label, moment) for label, moment in pairs if moment]


def _at_nine(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=LONDON)


def render_letter(
    session: Session,
    activity: Activity,
    rows: dict[str, Milestone],
    template: str,
    person: Person,
    now: datetime,
) -> tuple[emails.Rendered, datetime | None]:
    """A letter to the DCS with the dates that matter to it, and its subject; and the publication
    date, when the letter is embargoed until it."""
    context = activity_context(session, activity, person)
    la, what = context["la"].name, context["title"].lower()
    paper = "report" if context["graded"] else "letter"
    publication = open_forecast(rows, "publication")
    comments_due = open_forecast(rows, "factual_accuracy_comments")
    action_plan_due = open_forecast(rows, "action_plan_due")
    la_deadlines = [
        (r.title, r.forecast.astimezone(LONDON))
        for r in rows.values()
        if r.owner == "LA"
        and r.forecast
        and r.status == MilestoneStatus.PLANNED
        and r.forecast.date() < activity.onsite
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
                ("Action planning visit", open_forecast(rows, "action_planning_visit")),
                ("Final agenda circulated", open_forecast(rows, "apv_agenda_circulated")),
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


def queue_request(
    session: Session,
    activity: Activity,
    request: FurtherInformationRequest,
    *,
    now: datetime,
    calendar: WorkingDayCalendar,
    policy: Policy,
    report: QueueReport,
) -> None:
    """The Annex B request in writing, as soon as it is logged: what is asked for, why, and by when
    (in the calendar file too). Its reminders follow the LA returns' ladder like any LA deadline."""
    on = now.astimezone(LONDON).date()
    dcs = resolve(session, activity, "dcs", on=on)
    if dcs is None:
        report.dropped.append(f"{activity.id}:{request.milestone_key}:letter ({NO_DCS})")
        return
    context = activity_context(session, activity, dcs) | {"request": request}
    required_by = request.required_by.astimezone(LONDON)
    rendered = emails.render(
        "further_information_request",
        f"Further information requested: {context['title'].lower()} of {context['la'].name}",
        context,
        key_dates=[(f"Further information: {request.request}", required_by)],
        uid_prefix=f"activity{activity.id}-{request.milestone_key}",
        now=now,
    )
    queue(
        session,
        activity=activity,
        milestone_key=request.milestone_key,
        stage="letter",
        person=dcs,
        cc=resolve_all(session, activity, ("link_person",), on=on),
        rendered=rendered,
        not_before=outside_quiet_hours(now, policy, calendar),
        now=now,
        policy=policy,
        report=report,
    )
