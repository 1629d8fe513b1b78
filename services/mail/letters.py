"""Letters to the DCS (the link person copied): one when staff record a milestone the policy writes
about (confirmation, draft, final report, publication ...), and one when the lead inspector logs an
Annex B request for further information. A letter the policy addresses to a national role (`to`: the
DfE told an inspection has started [003 ¶204]) goes to it instead of the DCS. Each carries the dates
that matter to it; none is sent in quiet hours."""

from __future__ import annotations

from datetime import datetime, time

from sqlmodel import Session, select

from calendars import LONDON, WorkingDayCalendar
from models.records import Activity, FurtherInformationRequest, Milestone
from models.reminders import Policy, outside_quiet_hours
from models.states import MilestoneStatus
from services.mail import calendar_files, emails, gate
from services.mail.context import activity_context, milestones_by_key, open_forecast
from services.mail.outbox import (
    SENT_OR_SENDING,
    Draft,
    Known,
    QueueReport,
    existing_rows,
    idempotency_key,
    queue,
    queue_drafts,
)
from services.mail.recipients import Person, resolve, resolve_all

NO_DCS = "no DCS, senior manager or chief executive on record"


def queue_letters(
    session: Session,
    *activities: Activity,
    now: datetime,
    calendar: WorkingDayCalendar,
    policy: Policy,
    report: QueueReport,
    known: Known | None = None,
) -> None:
    """A letter to the DCS (link person copied) for each recorded milestone the policy writes about.
    Only a letter not yet sent is rendered: the sweep looks at every activity every day."""
    known = known or Known.load(session, list(activities))
    by_id = {a.id: a for a in activities}
    recorded = session.exec(
        select(Milestone.activity_id, Milestone.key, Milestone.actual)
        .where(
            Milestone.activity_id.in_(sorted(by_id)),
            Milestone.key.in_(sorted(policy.letters)),
            Milestone.actual.is_not(None),
        )
        .order_by(Milestone.activity_id, Milestone.position)
    ).all()
    addressed = []
    for activity_id, key, actual in recorded:
        activity = by_id[activity_id]
        on = actual.astimezone(LONDON).date()
        to = policy.letters[key].to
        dcs = known.directory.resolve(activity, to, on=on)
        if dcs is None:
            report.dropped.append(
                f"{activity.id}:{key}:letter ({NO_DCS if to == 'dcs' else f'no {to} on record'})"
            )
            continue
        addressed.append((activity, key, actual, dcs, on))
    keys = {idempotency_key(a.id, key, "letter", dcs.email) for a, key, _, dcs, _ in addressed}
    existing = existing_rows(session, [], keys)
    drafts = []
    for activity, key, actual, dcs, on in addressed:
        letter = policy.letters[key]
        cc = known.directory.resolve_all(activity, letter.cc, on=on)
        not_before = outside_quiet_hours(actual, policy, calendar)
        row = existing.get(idempotency_key(activity.id, key, "letter", dcs.email))
        if not known.verdict(activity, dcs, policy).admitted or (row and row.status in SENT_OR_SENDING):
            # not rendered: `queue_drafts` reports it dropped, or leaves it alone as sent
            drafts.append(Draft(activity, key, "letter", dcs, cc, "", not_before))
            continue
        rows = milestones_by_key(session, activity.id)
        rendered, publication = render_letter(session, activity, rows, letter.template, dcs)
        embargoed = letter.embargoed and publication is not None
        drafts.append(
            Draft(activity, key, "letter", dcs, cc, rendered.subject, not_before, rendered, embargoed)
        )
    queue_drafts(session, drafts, existing=existing, known=known, now=now, policy=policy, report=report)


def _dated(*pairs: tuple[str, datetime | None]) -> list[tuple[str, datetime]]:
    return [(label, moment) for label, moment in pairs if moment]


def _on_site(activity: Activity, rows: dict[str, Milestone]) -> datetime:
    """When the inspectors arrive: the fieldwork_start milestone's time (an inspection's Monday
    afternoon), or 09:00 on the first day where the type has none."""
    start = open_forecast(rows, "fieldwork_start")
    return start or datetime.combine(activity.onsite, time(9, 0), tzinfo=LONDON)


def render_letter(
    session: Session,
    activity: Activity,
    rows: dict[str, Milestone],
    template: str,
    person: Person,
) -> tuple[emails.Rendered, datetime | None]:
    """A letter to the DCS with the dates that matter to it, and its subject; and the publication
    date, when the letter is embargoed until it."""
    context = activity_context(session, activity, person)
    la, what = context["la"].name, context["title"].lower()
    paper = "report" if context["graded"] else "letter"
    publication = open_forecast(rows, "publication")
    comments_due = open_forecast(rows, "factual_accuracy_comments")
    action_plan_due = open_forecast(rows, "action_plan_due")
    before_onsite = [
        r
        for r in rows.values()
        if r.owner == "LA"
        and r.forecast
        and r.status == MilestoneStatus.PLANNED
        and r.forecast.date() < activity.onsite
    ]
    la_deadlines = [(r.title, r.forecast.astimezone(LONDON)) for r in before_onsite]
    on_site = [("Inspectors on site", _on_site(activity, rows))]
    # the subject, the dates in the letter, and the milestones (with the days on site or not) in its .ics
    subject, key_dates, ics_keys, ics_fieldwork = {
        "confirmation": (
            f"Confirmation: {what} of {la}'s children's services",
            la_deadlines + on_site,
            [r.key for r in before_onsite],
            True,
        ),
        "data_request": (
            f"Information request: {what} of {la}'s children's services",
            la_deadlines + on_site,
            [r.key for r in before_onsite],
            True,
        ),
        "draft_for_factual_accuracy": (
            f"Draft for factual accuracy: {what} of {la}",
            _dated(("Factual accuracy comments due", comments_due)),
            ["factual_accuracy_comments"],
            False,
        ),
        "final_under_embargo": (
            f"Final {paper}: {what} of {la}",
            _dated(("Publication", publication), ("Action plan due", action_plan_due)),
            ["publication", "action_plan_due"],
            False,
        ),
        "published": (
            f"Published: {what} of {la}",
            _dated(("Action plan due", action_plan_due)),
            ["action_plan_due"],
            False,
        ),
        "apv_confirmation": (
            f"Action planning visit: {la}",
            _dated(
                ("Action planning visit", open_forecast(rows, "action_planning_visit")),
                ("Final agenda circulated", open_forecast(rows, "apv_agenda_circulated")),
            ),
            ["action_planning_visit", "apv_agenda_circulated"],
            False,
        ),
        "engagement_letter": (f"Annual engagement meeting: {la}", [], [], False),
        "action_plan_review": (f"Action plan review: {la}", [], [], False),
        "dfe_informed": (f"Started: {what} of {la}'s children's services", [], [], False),
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
    ics = (
        calendar_files.activity_calendar(
            session, activity, for_la=True, keys=ics_keys, fieldwork=ics_fieldwork
        )
        if key_dates
        else None
    )
    rendered = emails.render(template, subject, context, ics=ics)
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
    rendered = emails.render(
        "further_information_request",
        f"Further information requested: {context['title'].lower()} of {context['la'].name}",
        context,
        ics=calendar_files.activity_calendar(
            session, activity, for_la=True, keys=[request.milestone_key], fieldwork=False
        ),
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
