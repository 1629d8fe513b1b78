"""The business support dashboard: FastAPI, Jinja2 with the GOV.UK Frontend macros (govuk-frontend-jinja,
through a PrefixLoader) and GOV.UK Frontend's own CSS and JavaScript, installed from npm by the Makefile.

Everything works without JavaScript: plain links and forms. Nothing is built at import time: the store
and the templates are opened in `create_app` / the lifespan.
"""

from __future__ import annotations

import hmac
import os
import secrets
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, PrefixLoader, select_autoescape
from starlette.middleware.sessions import SessionMiddleware

from services import emails
from services.database import ilacs_home, open_store

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FRONTEND = ROOT / ".web" / "node_modules" / "govuk-frontend" / "dist" / "govuk"


def frontend_dir() -> Path:
    return Path(os.environ.get("ILACS_GOVUK_FRONTEND_DIR") or DEFAULT_FRONTEND)


def secret_key() -> str:
    """ILACS_SECRET_KEY, or one made once and kept (owner-only) in ILACS_HOME."""
    if os.environ.get("ILACS_SECRET_KEY"):
        return os.environ["ILACS_SECRET_KEY"]
    path = ilacs_home() / "secret-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


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


def feed_token(key: str, region: str) -> str:
    """The token in a region's subscribable calendar URL (calendar apps cannot sign in)."""
    return hmac.new(key.encode(), f"feed:{region}".encode(), "sha256").hexdigest()[:32]


def create_app(*, database_url: str | None = None, secure_cookies: bool = True) -> FastAPI:
    """The app. Session cookies are HttpOnly and SameSite=Strict always, and Secure unless
    `secure_cookies` is False (plain http on loopback, where browsers would not send them back)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.engine = open_store(database_url)
        yield

    app = FastAPI(title="ILACS timelines", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    key = secret_key()
    app.state.secret_key = key
    app.state.templates = templates()
    app.add_middleware(
        SessionMiddleware,
        secret_key=key,
        session_cookie="ilacs_session",
        same_site="strict",
        https_only=secure_cookies,
        max_age=8 * 3600,
    )

    @app.get("/assets/govuk-frontend.min.css", include_in_schema=False)
    def stylesheet() -> FileResponse:
        return FileResponse(frontend_dir() / "govuk-frontend.min.css", media_type="text/css")

    @app.get("/assets/govuk-frontend.min.js", include_in_schema=False)
    def script() -> FileResponse:
        return FileResponse(frontend_dir() / "govuk-frontend.min.js", media_type="text/javascript")

    if (frontend_dir() / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=frontend_dir() / "assets"), name="assets")

    from interfaces.web import activity, overview, session, today

    for module in (session, today, activity, overview):
        app.include_router(module.router)

    @app.exception_handler(session.SignInNeeded)
    async def sign_in_first(request: Request, _exc) -> RedirectResponse:
        return RedirectResponse("/sign-in", status_code=303)

    @app.exception_handler(session.Refused)
    async def refused(request: Request, exc: session.Refused) -> HTMLResponse:
        return session.render(request, "error.html", status=exc.status, title=exc.title, message=exc.message)

    return app
