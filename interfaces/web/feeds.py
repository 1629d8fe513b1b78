"""Calendar feeds: the page of subscription links (every region's for business support and viewers, an
inspector's own), regenerating a token (business support), and the feeds themselves."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlmodel import select

from interfaces.web.session import Refused, checked_form, csrf_token, now_in_london, render, signed_in_user
from models.records import User
from services.mail import calendar_files
from services.reports import queries, worklists
from services.settings import calendar_in_force
from services.store.database import transaction
from services.tracking import feeds
from services.tracking.unit_of_work import UnitOfWork

router = APIRouter()

REGENERATE = (
    '<form method="post" action="/feeds/regenerate" class="ilacs-inline-form">'
    '<input type="hidden" name="csrf_token" value="{}"><input type="hidden" name="region" value="{}">'
    '<button class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0">Regenerate'
    '<span class="govuk-visually-hidden"> the link for {}</span></button></form>'
)
INVALID = ("This calendar link is not valid", "Copy the link again from the dashboard's Calendar feeds page.")


def _url(request: Request, path: str, scope: str, session) -> str:
    key = request.app.state.secret_key
    current = feeds.token(key, scope, feeds.version(session, scope))
    return f"{str(request.base_url).rstrip('/')}{path}?token={current}"


@router.get("/feeds")
def feeds_page(request: Request):
    user = signed_in_user(request)
    with transaction(request.app.state.engine) as session:
        regions = (
            []
            if user.role == "inspector"
            else [(r, _url(request, f"/regions/{r}.ics", r, session)) for r in queries.regions(session)]
        )
        own = (
            _url(request, f"/inspectors/{user.username}.ics", feeds.inspector_scope(user.username), session)
            if user.role == "inspector"
            else None
        )
    token = csrf_token(request)
    link = Markup('<code class="ilacs-feed-url">{}</code>')
    rows = [
        {
            "key": {"text": region},
            "value": {
                "html": link.format(url)
                + (
                    Markup(REGENERATE).format(token, region, region)
                    if user.role == "business_support"
                    else ""
                )
            },
        }
        for region, url in regions
    ]
    return render(request, "feeds.html", title="Calendar feeds", active="feeds", rows=rows, own=own)


@router.post("/feeds/regenerate")
async def regenerate(request: Request):
    form = await checked_form(request)
    user = signed_in_user(request)
    if user.role != "business_support":
        raise Refused(403, "You cannot regenerate calendar links", "Only business support can do that.")
    region = str(form.get("region", ""))
    with transaction(request.app.state.engine) as session:
        known = queries.regions(session)
    if region not in known:
        raise Refused(400, "There is no such region", "Go back and choose a region from the list.")
    with UnitOfWork(request.app.state.engine) as uow:
        feeds.regenerate(uow, scope=region, by=user.name, now=now_in_london())
    request.session["flash"] = f"{region}'s calendar link has been regenerated: the old link no longer works."
    return RedirectResponse("/feeds", status_code=303)


@router.get("/regions/{region}.ics")
def region_calendar(request: Request, region: str, token: str = "") -> Response:
    """A region's open milestones in the next year, for calendar apps: the URL carries a token."""
    with transaction(request.app.state.engine) as session:
        if not feeds.valid(session, request.app.state.secret_key, region, token):
            raise Refused(403, *INVALID)
        items = queries.due(
            session,
            as_of=now_in_london(),
            within=260,
            calendar=calendar_in_force(),
            filters=queries.Filters(region=region),
        )
        ics = calendar_files.feed_calendar(session, region, items)
    return Response(ics, media_type="text/calendar")


@router.get("/inspectors/{username}.ics")
def inspector_calendar(request: Request, username: str, token: str = "") -> Response:
    """The open milestones of the activities an inspector leads, for their calendar app."""
    with transaction(request.app.state.engine) as session:
        if not feeds.valid(session, request.app.state.secret_key, feeds.inspector_scope(username), token):
            raise Refused(403, *INVALID)
        inspector = session.exec(select(User).where(User.username == username)).first()
        if inspector is None:
            raise Refused(403, *INVALID)
        items = worklists.led_by(session, inspector.name, as_of=now_in_london())
        ics = calendar_files.feed_calendar(session, inspector.name, items)
    return Response(ics, media_type="text/calendar")
