"""Signing in and out, CSRF, and rendering: what every page of the dashboard shares."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

import pendulum
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from calendars import LONDON
from models.records import User
from services import accounts
from services.database import transaction

router = APIRouter()


class SignInNeeded(Exception):
    pass


class Refused(Exception):
    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


def csrf_token(request: Request) -> str:
    if "csrf" not in request.session:
        request.session["csrf"] = secrets.token_urlsafe(32)
    return request.session["csrf"]


async def checked_form(request: Request) -> dict:
    """The posted form, once its CSRF token is checked: a forged or stale form is refused."""
    form = dict(await request.form())
    expected = request.session.get("csrf", "")
    if not expected or not hmac.compare_digest(str(form.get("csrf_token", "")), expected):
        raise Refused(
            403,
            "This form could not be accepted",
            "It has expired or did not come from this service. Go back, reload the page and try again.",
        )
    return form


def signed_in_user(request: Request) -> User:
    user_id = request.session.get("user_id")
    if user_id is None:
        raise SignInNeeded
    with transaction(request.app.state.engine) as session:
        user = session.get(User, user_id)
    if user is None:
        request.session.clear()
        raise SignInNeeded
    return user


def render(request: Request, name: str, *, status: int = 200, **context) -> HTMLResponse:
    user_id = request.session.get("user_id")
    user = None
    if user_id is not None:
        with transaction(request.app.state.engine) as session:
            user = session.get(User, user_id)
    page = request.app.state.templates.get_template(f"ilacs/{name}").render(
        user=user, csrf_token=csrf_token(request), flash=request.session.pop("flash", None), **context
    )
    return HTMLResponse(page, status_code=status)


def now_in_london() -> datetime:
    return pendulum.now(LONDON)


def activity_link(activity_id: int, text: str) -> Markup:
    return Markup('<a class="govuk-link" href="/activities/{}">{}</a>').format(activity_id, text)


@router.get("/sign-in")
def sign_in_page(request: Request) -> HTMLResponse:
    return render(request, "sign_in.html", title="Sign in")


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    form = await checked_form(request)
    with transaction(request.app.state.engine) as session:
        user = accounts.authenticate(session, str(form.get("username", "")), str(form.get("password", "")))
    if user is None:
        return render(
            request,
            "sign_in.html",
            status=400,
            title="Sign in",
            error="Enter a correct username and password",
        )
    request.session.clear()
    request.session.update({"user_id": user.id, "csrf": secrets.token_urlsafe(32)})
    return RedirectResponse("/", status_code=303)


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    await checked_form(request)
    request.session.clear()
    return RedirectResponse("/sign-in", status_code=303)
