"""The business support dashboard: FastAPI, Jinja2 with the GOV.UK Frontend macros (govuk-frontend-jinja,
through a PrefixLoader) and GOV.UK Frontend's own CSS and JavaScript, installed from npm by the Makefile.

Everything works without JavaScript: plain links and forms. Nothing is built at import time: the store
and the templates are opened in `create_app` / the lifespan. Every response carries the security headers
(a strict Content-Security-Policy among them); a refusal, a missing page or an unexpected error is a
GOV.UK page, never FastAPI's JSON or a traceback.
"""

from __future__ import annotations

import secrets
from contextlib import asynccontextmanager
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, PrefixLoader, select_autoescape
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from services.access import accounts
from services.mail import emails
from services.settings import get_settings
from services.store import open_store
from services.store.keys import kept_secret


def templates() -> Environment:
    env = Environment(
        loader=PrefixLoader(
            {
                "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates"),
                "ilacs": PackageLoader("interfaces.web", "templates"),
            }
        ),
        autoescape=select_autoescape(("html",)),
    )
    env.filters["when"] = emails.govuk_when
    env.filters["day"] = emails.govuk_day
    return env


def content_security_policy(nonce: str | None) -> str:
    """Scripts, styles, fonts and images from this site only; no inline script but GOV.UK Frontend's
    one line that marks the body as having JavaScript, which carries this response's nonce."""
    scripts = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return (
        f"default-src 'self'; script-src {scripts}; style-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


def security_headers(nonce: str | None, *, hsts: bool) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": content_security_policy(nonce),
        "X-Frame-Options": "DENY",  # frame-ancestors, for browsers that predate it
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    if hsts:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return headers


class SecurityHeaders:
    """ASGI middleware: the security headers on every response, and a fresh CSP nonce for each request
    (in request.state.csp_nonce, which `render` hands to the template)."""

    def __init__(self, app, *, hsts: bool) -> None:
        self.app, self.hsts = app, hsts

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).update(security_headers(nonce, hsts=self.hsts))
            await send(message)

        await self.app(scope, receive, send_with_headers)


UNEXPECTED = """<!DOCTYPE html>
<html lang="en" class="govuk-template"><head><meta charset="utf-8">
<title>Sorry, there is a problem with the service – ILACS timelines – Ofsted</title>
<link rel="stylesheet" href="/assets/govuk-frontend.min.css"></head>
<body class="govuk-template__body"><div class="govuk-width-container"><main class="govuk-main-wrapper">
<h1 class="govuk-heading-l">Sorry, there is a problem with the service</h1>
<p class="govuk-body">Try again later.</p></main></div></body></html>
"""


def create_app(*, database_url: str | None = None, loopback: bool = False) -> FastAPI:
    """The app. Session cookies are HttpOnly and SameSite=Strict always. Off loopback (the default) they
    are Secure too, and responses carry Strict-Transport-Security; served on loopback over plain http,
    neither (browsers would not send Secure cookies back, and HSTS would pin localhost to https)."""
    settings = get_settings()
    frontend = settings.govuk_frontend_dir

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.engine = open_store(database_url or settings.store_url)
        yield

    app = FastAPI(title="ILACS timelines", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    key = kept_secret(settings.secret_key, settings.secret_key_file)
    app.state.secret_key = key
    app.state.templates = templates()
    app.add_middleware(
        SessionMiddleware,
        secret_key=key,
        session_cookie="ilacs_session",
        same_site="strict",
        https_only=not loopback,
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),  # the store ends the session itself
    )
    app.add_middleware(SecurityHeaders, hsts=not loopback)

    @app.get("/assets/govuk-frontend.min.css", include_in_schema=False)
    def stylesheet() -> FileResponse:
        return FileResponse(frontend / "govuk-frontend.min.css", media_type="text/css")

    @app.get("/assets/govuk-frontend.min.js", include_in_schema=False)
    def script() -> FileResponse:
        return FileResponse(frontend / "govuk-frontend.min.js", media_type="text/javascript")

    if (frontend / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=frontend / "assets"), name="assets")
    app.mount("/static", StaticFiles(packages=[("interfaces.web", "static")]), name="static")

    from interfaces.web import (
        actions,
        activity,
        assign,
        feeds,
        find,
        lockouts,
        national_contacts,
        overview,
        session,
        today,
    )

    modules = (session, today, actions, find, activity, assign, overview, feeds, lockouts, national_contacts)
    for module in modules:
        app.include_router(module.router)

    _error_pages(app, session, hsts=not loopback)
    return app


NOT_FOUND = "If you typed the web address, check it is correct. If you pasted it, check you copied all of it."


def _error_pages(app: FastAPI, session, *, hsts: bool) -> None:
    """Every refusal is a GOV.UK page (never FastAPI's JSON), and nothing unexpected shows its details."""

    @app.exception_handler(session.SignInNeeded)
    async def sign_in_first(request: Request, _exc) -> RedirectResponse:
        return RedirectResponse("/sign-in", status_code=303)

    @app.exception_handler(session.Refused)
    async def refused(request: Request, exc: session.Refused) -> HTMLResponse:
        return session.render(request, "error.html", status=exc.status, title=exc.title, message=exc.message)

    @app.exception_handler(RequestValidationError)
    async def no_such_record(request: Request, _exc) -> HTMLResponse:
        """Only a URL's path is validated (forms are read by hand): an id that cannot be a record's."""
        return session.render(request, "error.html", status=404, title="Page not found", message=NOT_FOUND)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        title = "Page not found" if exc.status_code == 404 else HTTPStatus(exc.status_code).phrase
        message = NOT_FOUND if exc.status_code == 404 else "Go back and try again."
        response = session.render(request, "error.html", status=exc.status_code, title=title, message=message)
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, _exc: Exception) -> HTMLResponse:
        """Anything else: a plain page, with no detail (the server's log has the traceback). It is sent
        from outside the middleware, so it carries the security headers itself."""
        return HTMLResponse(UNEXPECTED, status_code=500, headers=security_headers(None, hsts=hsts))
