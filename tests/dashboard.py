"""The people and the inspection the dashboard tests share, so each test says only what it adds: four
staff, one of each role and a second inspector, all signing in with PASSWORD, and a standard inspection
at Barking and Dagenham led by Ann Lead."""

from __future__ import annotations

import re
from datetime import date, datetime

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from calendars import LONDON, england_calendar
from services.access import accounts
from services.store.database import transaction
from services.tracking import lifecycle
from tests.helpers import day

PASSWORD = "correct horse battery staple"
CREATED = datetime(2025, 1, 2, 9, 0, tzinfo=LONDON)  # when the staff and the inspection were added
ONSITE = day("Monday 2025-06-09")
STAFF = {  # username: name, role
    "bea": ("Bea Support", "business_support"),
    "ann": ("Ann Lead", "inspector"),
    "ian": ("Ian Other", "inspector"),
    "vic": ("Vic Viewer", "viewer"),
}


def add_staff(engine: Engine, *usernames: str, now: datetime = CREATED) -> None:
    """The staff named (all four when none is), each with PASSWORD."""
    with transaction(engine) as session:
        for username in usernames or STAFF:
            name, role = STAFF[username]
            accounts.add_user(session, username=username, name=name, role=role, password=PASSWORD, now=now)


def add_staff_and_inspection(engine: Engine, onsite: date = ONSITE) -> int:
    """All four staff, and Ann Lead's standard inspection at E09000002 scheduled by Bea; its id."""
    add_staff(engine)
    return add_activity(engine, "standard-inspection", "E09000002", onsite)


def add_activity(engine: Engine, activity_type: str, la_code: str, onsite: date) -> int:
    """Ann Lead's activity at `la_code`, scheduled by Bea through the service; its id."""
    with transaction(engine) as session:
        return lifecycle.schedule(
            session,
            activity_type=activity_type,
            la_code=la_code,
            onsite=onsite,
            lead="Ann Lead",
            actor="Bea",
            now=CREATED,
            calendar=england_calendar(),
        ).id


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client: TestClient, username: str) -> str:
    """Signs `username` in with PASSWORD; the CSRF token of their pages."""
    token = csrf_token(client.get("/sign-in").text)
    response = client.post("/sign-in", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 200  # followed the redirect to Today
    return csrf_token(client.get("/").text)
