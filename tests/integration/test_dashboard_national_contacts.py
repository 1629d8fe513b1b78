"""The national contacts screen: business support add and end the DfE's team and the partner
inspectorates, through the same service as `ilacs import national`, each change audited under their
name; a letter is copied to whoever is in force on the day it is sent."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from models.records import Activity, AuditEntry, NationalContact
from services.mail.recipients import resolve_all
from services.store.database import transaction
from tests.dashboard import sign_in
from tests.helpers import day
from tests.integration.test_store_commands import run


@pytest.fixture
def site(staff_and_inspection, database_url, monkeypatch):
    from interfaces.web.app import create_app

    monkeypatch.setenv("ILACS_SECRET_KEY", "test-secret-key-for-the-dashboard-tests")
    with TestClient(create_app(database_url=database_url, loopback=True)) as client:
        yield client


def _form(token: str, **fields: str) -> dict[str, str]:
    base = {
        "csrf_token": token,
        "role": "partner_inspectorate",
        "organisation": "Care Quality Commission",
        "name": "Chief Inspector's office",
        "email": "cqc@example.org",
        "valid_from-day": "1",
        "valid_from-month": "4",
        "valid_from-year": "2025",
    }
    return base | fields


def _audited(store) -> list[tuple[str, str, str]]:
    with transaction(store) as session:
        query = select(AuditEntry).where(AuditEntry.action.like("national_contact%")).order_by(AuditEntry.id)
        return [(e.actor, e.action, e.reason) for e in session.exec(query)]


def test_business_support_add_and_end_a_contact_and_letters_follow_its_days(site, store):
    token = sign_in(site, "bea")
    added = site.post("/national-contacts", data=_form(token))
    assert (
        added.status_code == 200
        and "Added Chief Inspector&#39;s office (Care Quality Commission)" in added.text
    )
    assert "cqc@example.org" in added.text and "In force" in added.text
    path = re.search(r'href="(/national-contacts/\d+/end)"', added.text).group(1)
    page = site.get(path)
    assert page.status_code == 200 and 'name="valid_to-day"' in page.text
    ended = site.post(
        path,
        data={"csrf_token": token, "valid_to-day": "31", "valid_to-month": "10", "valid_to-year": "2025"},
    )
    assert ended.status_code == 200 and "copied in until 31 October 2025" in ended.text
    assert _audited(store) == [
        ("Bea Support", "national_contacts", "added on the dashboard"),
        ("Bea Support", "national_contact_end", ""),
    ]
    # Valid from Tuesday 1 April 2025 to Friday 31 October 2025 (GMT again from 26 October): copied on
    # those days only.
    with transaction(store) as session:
        activity = session.get(Activity, 1)
        copied = {
            d: [p.email for p in resolve_all(session, activity, ("partner_inspectorate",), on=day(d))]
            for d in ("Monday 2025-03-31", "Tuesday 2025-04-01", "Friday 2025-10-31", "Monday 2025-11-03")
        }
    assert copied == {
        "Monday 2025-03-31": [],
        "Tuesday 2025-04-01": ["cqc@example.org"],
        "Friday 2025-10-31": ["cqc@example.org"],
        "Monday 2025-11-03": [],
    }


def test_the_same_contact_twice_updates_it_as_the_import_does(site, store, capsys, tmp_path):
    token = sign_in(site, "bea")
    site.post("/national-contacts", data=_form(token))
    site.post("/national-contacts", data=_form(token, name="CQC chief inspector"))
    csv = tmp_path / "national.csv"
    csv.write_text(
        "role,organisation,name,email,valid_from,valid_to\n"
        "partner_inspectorate,Care Quality Commission,CQC office,cqc@example.org,2025-04-01,\n"
    )
    status, _, err = run(capsys, f"import national {csv} --by 'Bea Support' --as-of 2025-05-01T10:00")
    assert status == 0, err
    with transaction(store) as session:
        assert [c.name for c in session.exec(select(NationalContact))] == ["CQC office"]
    assert [reason for _, _, reason in _audited(store)] == [
        "added on the dashboard",
        "added on the dashboard",
        "import national.csv",
    ]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"role": ""}, "role", "Choose whether it is the DfE"),
        ({"email": "not an address"}, "email", "not an address"),
        (
            {"valid_from-day": "31", "valid_from-month": "2"},
            "valid_from-day",
            "The first day must be a real date",
        ),
        (
            {"valid_to-day": "31", "valid_to-month": "3", "valid_to-year": "2025"},
            "valid_to-day",
            "before valid_from",
        ),
    ],
)
def test_a_wrong_field_is_marked_and_nothing_is_written(site, store, fields, field, message):
    token = sign_in(site, "bea")
    response = site.post("/national-contacts", data=_form(token, **fields))
    assert response.status_code == 400 and "There is a problem" in response.text
    assert f'href="#{field}"' in response.text and message in response.text
    with transaction(store) as session:
        assert session.exec(select(NationalContact)).all() == []
    assert _audited(store) == []


def test_others_see_the_list_but_cannot_change_it(site, store):
    token = sign_in(site, "vic")
    page = site.get("/national-contacts")
    assert page.status_code == 200 and "Add a national contact" not in page.text
    assert site.post("/national-contacts", data=_form(token)).status_code == 403
    assert site.get("/national-contacts/1/end").status_code == 403
    bea = sign_in(site, "bea")
    assert site.post("/national-contacts", data=_form("forged")).status_code == 403
    assert site.post("/national-contacts/999/end", data={"csrf_token": bea}).status_code == 404
