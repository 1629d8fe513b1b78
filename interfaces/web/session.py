"""Signing in and out, CSRF, and rendering: what every page of the dashboard shares.

The signed cookie carries a random session id, the CSRF token and a flash message; who is signed in is
the session's row in the store (services/access/accounts.py), so ending it there ends it for every copy of the
cookie. Sign-in attempts are throttled per account name and per client address (services/access/sign_in.py).
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta
from math import ceil
from typing import Annotated

import pendulum
from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BeforeValidator

from calendars import LONDON
from interfaces.parsing import MAX_ID
from models.records import User
from services.access import accounts
from services.access import sign_in as throttle
from services.mail import emails
from services.store.database import transaction

router = APIRouter()


class SignInNeeded(Exception):
    pass


class Refused(Exception):
    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


def _digits(value: object) -> object:
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise ValueError("not a record id")
    return value


# A record's id in a URL: digits only, 1 to 2**63 - 1 (what SQLite and PostgreSQL hold); anything else
# fails validation, which the app answers with a 404 page, before any query could overflow.
RecordId = Annotated[int, BeforeValidator(_digits), Path(ge=1, le=MAX_ID)]


def csrf_token(request: Request) -> str:
    if "csrf" not in request.session:
        request.session["csrf"] = secrets.token_urlsafe(32)
    return request.session["csrf"]


async def checked_form(request: Request) -> dict:
    """The posted form, once its CSRF token is checked: a forged or stale form is refused. Compared as
    bytes: compare_digest refuses str with non-ASCII characters."""
    form = dict(await request.form())
    expected, given = request.session.get("csrf", ""), form.get("csrf_token", "")
    if (
        not expected
        or not isinstance(given, str)
        or not hmac.compare_digest(given.encode(), expected.encode())
    ):
        raise Refused(
            403,
            "This form could not be accepted",
            "It has expired or did not come from this service. Go back, reload the page and try again.",
        )
    if any(isinstance(value, str) and "\x00" in value for value in form.values()):  # PostgreSQL refuses NUL
        raise Refused(400, "This form could not be accepted", "It contains a character that is not text.")
    return form


_UNKNOWN = object()


def current_user(request: Request) -> User | None:
    """The user of the request's live session, if any (looked up once per request)."""
    user = getattr(request.state, "user", _UNKNOWN)
    if user is _UNKNOWN:
        token, user = request.session.get("sid"), None
        if isinstance(token, str):
            with transaction(request.app.state.engine) as session:
                user = accounts.session_user(session, token, now=now_in_london())
        if user is None:
            request.session.pop("sid", None)
        request.state.user = user
    return user


def signed_in_user(request: Request) -> User:
    user = current_user(request)
    if user is None:
        raise SignInNeeded
    return user


def render(request: Request, name: str, *, status: int = 200, **context) -> HTMLResponse:
    page = request.app.state.templates.get_template(f"ilacs/{name}").render(
        user=current_user(request),
        csrf_token=csrf_token(request),
        cspNonce=getattr(request.state, "csp_nonce", None),  # GOV.UK Frontend's template reads this
        flash=request.session.pop("flash", None),
        **context,
    )
    return HTMLResponse(page, status_code=status)


def now_in_london() -> datetime:
    return pendulum.now(LONDON)


@router.get("/sign-in")
def sign_in_page(request: Request) -> HTMLResponse:
    return render(request, "sign_in.html", title="Sign in")


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    form = await checked_form(request)
    now = now_in_london()
    with transaction(request.app.state.engine) as session:
        result = throttle.attempt(
            session,
            username=str(form.get("username", "")),
            password=str(form.get("password", "")),
            address=request.client.host if request.client else "unknown",
            now=now,
        )
        token = accounts.start_session(session, result.user, now=now) if result.user else None
        if token and isinstance(request.session.get("sid"), str):  # whoever signed in here before is out
            accounts.end_session(session, request.session["sid"], now=now)
    if result.locked_until is not None:
        seconds = ceil((result.locked_until - now).total_seconds())
        # GOV.UK times show no seconds: round up, so "after 9:02am" is never too early
        after = (result.locked_until + timedelta(seconds=59, microseconds=999_999)).replace(
            second=0, microsecond=0
        )
        response = render(
            request,
            "sign_in.html",
            status=429,
            title="Sign in",
            error=f"Too many failed sign-ins. Try again after {emails.govuk_when(after)}",
        )
        response.headers["Retry-After"] = str(seconds)
        return response
    if token is None:
        return render(
            request,
            "sign_in.html",
            status=400,
            title="Sign in",
            error="Enter a correct username and password",
        )
    request.session.clear()
    request.session.update({"sid": token, "csrf": secrets.token_urlsafe(32)})
    return RedirectResponse("/", status_code=303)


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    """Ends the session in the store, so a copy of the cookie signs no one in."""
    await checked_form(request)
    token = request.session.get("sid")
    if isinstance(token, str):
        with transaction(request.app.state.engine) as session:
            accounts.end_session(session, token, now=now_in_london())
    request.session.clear()
    return RedirectResponse("/sign-in", status_code=303)
