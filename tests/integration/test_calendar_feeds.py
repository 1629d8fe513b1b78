"""Calendar feeds: the page of links by role, regenerating a region's token (business support only,
CSRF, audited, the old link refused), and an inspector's own feed."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from models.records import AuditEntry
from services.store.database import transaction
from tests.dashboard import sign_in

pytestmark = pytest.mark.slow  # sign-ins check argon2 hashes


@pytest.fixture
def site(staff_and_inspection, database_url, monkeypatch):
    from interfaces.web.app import create_app

    monkeypatch.setenv("ILACS_SECRET_KEY", "test-secret-key-for-the-dashboard-tests")
    with TestClient(create_app(database_url=database_url, loopback=True)) as client:
        yield client


def _links(page: str) -> list[str]:
    return [
        u.replace("&amp;", "&") for u in re.findall(r"http://testserver(/[^<\s\"]+\.ics\?token=\w+)", page)
    ]


def test_business_support_regenerate_a_region_link_and_the_old_one_stops_working(site, staff_and_inspection):
    token = sign_in(site, "bea")
    page = site.get("/feeds").text
    london = next(u for u in _links(page) if u.startswith("/regions/London.ics"))
    assert "BEGIN:VCALENDAR" in site.get(london).text
    assert (
        site.post("/feeds/regenerate", data={"region": "London", "csrf_token": "forged"}).status_code == 403
    )
    assert site.post("/feeds/regenerate", data={"region": "Lundon", "csrf_token": token}).status_code == 400
    done = site.post("/feeds/regenerate", data={"region": "London", "csrf_token": token})
    assert done.status_code == 200 and "no longer works" in done.text
    assert site.get(london).status_code == 403
    new = next(u for u in _links(done.text) if u.startswith("/regions/London.ics"))
    assert new != london and "BEGIN:VCALENDAR" in site.get(new).text
    with transaction(staff_and_inspection) as session:
        entries = session.exec(
            select(AuditEntry).where(AuditEntry.action == "regenerate calendar token")
        ).all()
    assert [(e.actor, e.subject, e.after) for e in entries] == [("Bea Support", "London", {"version": 1})]


def test_an_inspector_sees_their_own_feed_only_and_a_viewer_cannot_regenerate(site):
    token = sign_in(site, "ann")
    page = site.get("/feeds").text
    assert [u.split("?")[0] for u in _links(page)] == ["/inspectors/ann.ics"]
    feed = site.get(_links(page)[0])
    assert feed.status_code == 200 and feed.text.startswith("BEGIN:VCALENDAR")
    assert site.post("/feeds/regenerate", data={"region": "London", "csrf_token": token}).status_code == 403
    assert site.get("/inspectors/ian.ics?token=" + _links(page)[0].split("=")[1]).status_code == 403
    site.cookies.clear()
    token = sign_in(site, "vic")
    assert "Regenerate" not in site.get("/feeds").text
    assert site.post("/feeds/regenerate", data={"region": "London", "csrf_token": token}).status_code == 403
