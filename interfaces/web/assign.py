"""Assigning work (business support) and My work (what is assigned to the signed-in officer)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from interfaces.web import lists
from interfaces.web.activity import _activity_page
from interfaces.web.session import RecordId, Refused, checked_form, now_in_london, render, signed_in_user
from services.mail import emails
from services.reports import worklists
from services.settings import calendar_in_force
from services.store.database import transaction
from services.tracking import assignments, lifecycle
from services.tracking.unit_of_work import UnitOfWork

router = APIRouter()


@router.post("/activities/{activity_id}/assign")
async def assign(request: Request, activity_id: RecordId):
    form = await checked_form(request)
    user = signed_in_user(request)
    if user.role != "business_support":
        raise Refused(403, "You cannot assign work", "Only business support can assign work.")
    username, key = str(form.get("officer", "")), str(form.get("milestone", ""))
    try:
        with UnitOfWork(request.app.state.engine) as uow:
            assignments.assign(
                uow,
                activity_id=activity_id,
                milestone_key=key,
                username=username,
                by=user.name,
                now=now_in_london(),
            )
    except lifecycle.TrackingError as exc:
        if "no activity" in str(exc):
            raise Refused(404, "Page not found", str(exc)) from None
        field = "officer" if "officer" in str(exc) else "milestone"
        message = (
            "Choose an officer from the list" if field == "officer" else "Choose what to assign from the list"
        )
        return _activity_page(
            request,
            activity_id,
            status=400,
            errors=[{"text": message, "href": f"#{field}"}],
            field_errors={field: {"text": message}},
        )
    request.session["flash"] = "Assigned."
    return RedirectResponse(f"/activities/{activity_id}#assigned", status_code=303)


@router.get("/my-work")
def my_work(request: Request):
    user = signed_in_user(request)
    now, calendar = now_in_london(), calendar_in_force()
    with transaction(request.app.state.engine) as session:
        page = worklists.assigned_to(session, user.id, number=lists.page_number(request))
    rows = []
    for assignment, activity, la, milestone in page.rows:
        state = lists.milestone_urgency(milestone, now=now, calendar=calendar) if milestone else None
        deadline = (milestone.target or milestone.forecast) if milestone else None
        rows.append(
            [
                lists.tag(state) if state else {"text": "Nothing open"},
                {"html": lists.link_to(activity, la)},
                {
                    "text": ("" if assignment.milestone_key else "Whole activity, next: ")
                    + (milestone.title if milestone else "")
                },
                {"text": emails.govuk_when(deadline) if deadline else ""},
            ]
        )
    return render(
        request,
        "my_work.html",
        title="My work",
        active="my-work",
        rows=rows,
        showing=lists.showing(page),
        pagination=lists.pagination(request, page),
    )
