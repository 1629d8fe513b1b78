"""Sign-in lock-outs: business support see who must wait before signing in again, and can clear one."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from markupsafe import Markup

from interfaces.web.session import (
    RecordId,
    Refused,
    checked_form,
    csrf_token,
    now_in_london,
    render,
    signed_in_user,
)
from models.records import SignInThrottle, User
from services.access import sign_in as throttle
from services.mail import emails
from services.store.database import transaction
from services.tracking.unit_of_work import UnitOfWork

router = APIRouter()

CLEAR_FORM = (
    '<form method="post" action="/lock-outs/{}/clear">'
    '<input type="hidden" name="csrf_token" value="{}">'
    '<button class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0">Clear</button></form>'
)
SCOPES = {"account": "account", "address": "client address"}


def _business_support(request: Request) -> User:
    user = signed_in_user(request)
    if user.role != "business_support":
        raise Refused(
            403, "You cannot see sign-in lock-outs", "Only business support can see and clear them."
        )
    return user


@router.get("/lock-outs")
def lockouts_page(request: Request):
    _business_support(request)
    with transaction(request.app.state.engine) as session:
        rows = throttle.lockouts(session, now=now_in_london())
    token = csrf_token(request)
    table = [
        [
            {"text": SCOPES[r.scope].capitalize()},
            {"text": r.key},
            {"text": str(r.failures)},
            {"text": emails.govuk_when(r.locked_until)},
            {"html": Markup(CLEAR_FORM).format(r.id, token)},
        ]
        for r in rows
    ]
    head = [{"text": t} for t in ("Who", "Name or address", "Failed sign-ins", "Locked until", "")]
    limits = throttle.LIMITS
    lead = [
        f"After {limits['account']} failed sign-ins for one account, or {limits['address']} from one client "
        "address, the next must wait; each further failure doubles the wait, up to an hour. Clear a lock-out "
        "once you know who was signing in."
    ]
    if not rows:
        lead.append("No one is locked out.")
    return render(
        request,
        "simple.html",
        title="Sign-in lock-outs",
        active="lock-outs",
        head=head,
        rows=table,
        lead=lead,
    )


@router.post("/lock-outs/{lock_id}/clear")
async def clear(request: Request, lock_id: RecordId):
    await checked_form(request)
    user = _business_support(request)
    with UnitOfWork(request.app.state.engine) as uow:
        count = uow.session.get(SignInThrottle, lock_id)
        if count is None:
            raise Refused(404, "Nothing to clear", "That lock-out has been cleared already, or never was.")
        throttle.clear(uow.session, count, by=user.name, now=now_in_london())
    request.session["flash"] = f"Cleared the lock-out of {SCOPES[count.scope]} {count.key}."
    return RedirectResponse("/lock-outs", status_code=303)
