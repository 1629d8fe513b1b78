"""One activity: its working days and milestones, recording what happened, deferring, its key dates."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlmodel import select

from calendars import LONDON
from interfaces.web import lists
from interfaces.web.actions import editable
from interfaces.web.forms import Problems, date_values, read_date, read_moment, text
from interfaces.web.session import (
    RecordId,
    Refused,
    checked_form,
    now_in_london,
    render,
    signed_in_user,
)
from models.records import Assignment, FurtherInformationRequest, Milestone, OutboxMessage, User
from models.states import ActivityStatus, MilestoneStatus
from models.templates import template_for_edition
from services.access import accounts
from services.mail import calendar_files, emails
from services.reports import queries
from services.settings import calendar_in_force
from services.store.database import transaction
from services.tracking import assignments, lifecycle
from services.tracking.unit_of_work import UnitOfWork

router = APIRouter()


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _when_it_falls(m) -> tuple:
    """Milestones by date: when it happened, else its forecast, else its target; undated ones last."""
    moment = m.actual or m.forecast or m.target
    return (moment is None, moment.timestamp() if moment else 0)


def _days(found, stored) -> list[dict]:
    """One entry per calendar day from the first dated milestone to publication (or the last one)."""
    from datetime import timedelta

    calendar = calendar_in_force()
    dated = [m for m in stored if m.target]
    if not dated:
        return []
    first = min(m.target.astimezone(LONDON).date() for m in dated)
    last_one = next((m for m in dated if m.key == "publication"), max(dated, key=lambda m: m.target))
    last = last_one.target.astimezone(LONDON).date()
    by_day: dict = {}
    for m in dated:
        by_day.setdefault(m.forecast.astimezone(LONDON).date() if m.forecast else None, []).append(m.title)
    days, day = [], first
    while day <= last and len(days) < 120:
        reason = calendar.non_working_reason(day)
        names = by_day.get(day, [])
        fieldwork = found.onsite <= day <= found.fieldwork_end and reason is None
        title = (
            f"{emails.govuk_day(day)}"
            + (f": {reason}" if reason else (": fieldwork" if fieldwork else ": working day"))
            + ("; " + "; ".join(names) if names else "")
        )
        days.append(
            {
                "title": title,
                "working": reason is None,
                "milestone": bool(names),
                "fieldwork": fieldwork,
            }
        )
        day += timedelta(days=1)
    return days


def _activity_page(
    request: Request, activity_id: int, *, status: int = 200, errors=None, field_errors=None, form=None
):
    """The page; after a refusal `form` is what was posted, so every field shows what was typed."""
    user = signed_in_user(request)
    with transaction(request.app.state.engine) as session:
        try:
            found, la, stored = queries.show(session, activity_id)
        except lifecycle.TrackingError as exc:
            raise Refused(404, "Page not found", str(exc)) from None
        requests = session.exec(
            select(FurtherInformationRequest).where(FurtherInformationRequest.activity_id == activity_id)
        ).all()
        waived = set(
            session.exec(
                select(Milestone.key).where(
                    Milestone.activity_id == activity_id, Milestone.waived_reason != ""
                )
            )
        )
        assigned = session.exec(
            select(Assignment.milestone_key, User.name)
            .join(User, Assignment.user_id == User.id)
            .where(Assignment.activity_id == activity_id)
        ).all()
        staff = assignments.officers(session) if user.role == "business_support" else []
        sent = session.exec(
            select(OutboxMessage).where(OutboxMessage.activity_id == activity_id).order_by(OutboxMessage.id)
        ).all()
    template = template_for_edition(found.activity_type, found.edition)
    now, calendar = now_in_london(), calendar_in_force()
    by_date = sorted(stored, key=_when_it_falls)
    urgencies = [
        lists.milestone_urgency(m, waived=m.key in waived, now=now, calendar=calendar) for m in by_date
    ]
    milestone_rows = [
        [
            {"text": m.title},
            {"text": m.owner},
            {"text": emails.govuk_when(m.target) if m.target else "–"},
            {"text": emails.govuk_when(m.forecast) if m.forecast else "–"},
            {"text": emails.govuk_when(m.actual) if m.actual else ""},
            lists.tag(u),
        ]
        for m, u in zip(by_date, urgencies, strict=True)
    ]
    next_one = (
        next(  # a cancelled activity has nothing next
            ((m, u) for m, u in zip(by_date, urgencies, strict=True) if m.status == MilestoneStatus.PLANNED),
            None,
        )
        if found.status != ActivityStatus.CANCELLED
        else None
    )
    form = form or {}
    open_items = [
        {"value": m.key, "text": m.title, "selected": m.key == form.get("key")}
        for m in stored
        if m.status == MilestoneStatus.PLANNED
    ]
    chosen = form.get("reason")
    reasons = [
        {"value": r.code, "text": _sentence(r.label), "checked": r.code == chosen}
        for r in template.deferral_reasons  # the refused ones too, so that a refusal can be explained
    ]
    return render(
        request,
        "activity.html",
        days=_days(found, stored),
        status=status,
        title=lists.activity_name(found, la),
        activity=found,
        next_action=next_one,
        assigned=_assigned_rows(assigned, stored),
        officers=[{"value": "", "text": "Choose an officer"}]
        + [{"value": o.username, "text": o.name} for o in staff],
        assignable=[{"value": "", "text": "The whole activity"}]
        + [{"value": m.key, "text": m.title} for m in stored],
        la=la,
        milestone_rows=milestone_rows,
        open_items=open_items,
        reasons=reasons,
        can_edit=accounts.may_edit(user, found),
        errors=errors or [],
        field_errors=field_errors or {},
        values={
            "at": date_values(form, "at", now.date()),
            "at-time": text(form, "at-time") if "at-time" in form else f"{now:%H:%M}",
            "to": date_values(form, "to"),
        },
        requests=[
            [
                {"text": r.request},
                {"text": r.request_type},
                {"text": emails.govuk_when(r.required_by)},
                {"text": r.response or "awaiting the LA"},
            ]
            for r in requests
        ],
        emails=[
            [
                {"text": m.recipient_email},
                {"html": Markup('<a class="govuk-link" href="/emails/{}">{}</a>').format(m.id, m.subject)},
                {"text": m.status},
                {"text": emails.govuk_when(m.sent_at) if m.sent_at else ""},
            ]
            for m in sent
        ],
    )


def _assigned_rows(assigned, stored) -> list[dict]:
    """The summary list of who looks after the activity and which of its milestones."""
    titles = {m.key: m.title for m in stored}
    return [
        {
            "key": {"text": titles.get(key, "The whole activity") if key else "The whole activity"},
            "value": {"text": name},
        }
        for key, name in sorted(assigned)
    ]


@router.get("/activities/{activity_id}")
def activity(request: Request, activity_id: RecordId):
    return _activity_page(request, activity_id)


def _refused(request: Request, activity_id: int, problems: Problems, form: dict):
    return _activity_page(
        request,
        activity_id,
        status=400,
        errors=problems.summary(),
        field_errors=problems.inline(),
        form=form,
    )


@router.post("/activities/{activity_id}/actual")
async def record_actual(request: Request, activity_id: RecordId):
    form = await checked_form(request)
    user, _, _ = editable(request, activity_id)
    key, problems = text(form, "key"), Problems()
    at = read_moment(form, "at", "it happened", problems)  # London time, as the command line reads it
    if not problems:
        try:
            with UnitOfWork(request.app.state.engine) as uow:
                moved = lifecycle.record_actual(
                    uow, activity_id=activity_id, key=key, at=at, by=user.name, note="", now=now_in_london()
                )
        except ValueError as exc:
            problems.add("key", str(exc))
    if problems:
        return _refused(request, activity_id, problems, form)
    request.session["flash"] = f"Recorded: {key.replace('_', ' ')}. {len(moved)} dates updated."
    return RedirectResponse(f"/activities/{activity_id}", status_code=303)


@router.post("/activities/{activity_id}/defer")
async def defer(request: Request, activity_id: RecordId):
    form = await checked_form(request)
    user, _, _ = editable(request, activity_id)
    problems = Problems()
    to = read_date(form, "to", "the new first day on site", problems)
    reason = text(form, "reason")
    if not reason:  # an empty form names both fields, not only the first
        problems.add("reason", "select why the activity is deferred")
    if not problems:
        try:
            with UnitOfWork(request.app.state.engine) as uow:
                lifecycle.defer(
                    uow, activity_id=activity_id, to=to, reason=reason, by=user.name, now=now_in_london()
                )
        except ValueError as exc:
            if "defer" in str(exc) or "reason" in str(exc):
                problems.add("reason", str(exc))
            else:
                problems.add("to", str(exc), anchor="to-day")
    if problems:
        return _refused(request, activity_id, problems, form)
    request.session["flash"] = f"Deferred to {emails.govuk_day(to)}. Every milestone has been re-planned."
    return RedirectResponse(f"/activities/{activity_id}", status_code=303)


@router.get("/activities/{activity_id}/key-dates.ics")
def activity_calendar(request: Request, activity_id: RecordId) -> Response:
    signed_in_user(request)
    with transaction(request.app.state.engine) as session:
        try:
            found, _, _ = queries.show(session, activity_id)
        except lifecycle.TrackingError as exc:
            raise Refused(404, "Page not found", str(exc)) from None
        ics = calendar_files.activity_calendar(session, found, for_la=False)
    return Response(
        ics,
        media_type="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="activity-{activity_id}.ics"'},
    )
