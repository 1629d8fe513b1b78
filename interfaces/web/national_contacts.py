"""National contacts: the DfE's inspections and interventions team and the partner inspectorates the
framework copies letters to [003 ¶118, ¶126, ¶204, ¶224, ¶233]. Everyone signed in sees who is in
force; business support add one or end one, through the same service as `ilacs import national`, each
change audited under their name."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlmodel import select

from interfaces.web.actions import REFUSED
from interfaces.web.forms import Problems, read_date, text
from interfaces.web.session import RecordId, Refused, checked_form, now_in_london, render, signed_in_user
from models.records import NATIONAL_ROLES, NationalContact, User
from services.store.database import transaction
from services.store.reference_data import add_national_contact, end_national_contact
from services.tracking.unit_of_work import UnitOfWork

router = APIRouter()
ROLE_LABELS = {
    "dfe_inspections_team": "DfE inspections and interventions team",
    "partner_inspectorate": "Partner inspectorate",
}
FIELDS = ("role", "organisation", "name", "email")
DATE_PARTS = ("day", "month", "year")


def _business_support(request: Request) -> User:
    user = signed_in_user(request)
    if user.role != "business_support":
        raise Refused(403, "You cannot change national contacts", "Only business support can add or end one.")
    return user


def _contacts(request: Request) -> list[NationalContact]:
    with transaction(request.app.state.engine) as session:
        query = select(NationalContact).order_by(NationalContact.role, NationalContact.organisation)
        return list(session.exec(query.order_by(NationalContact.valid_from, NationalContact.id)))


def _listing(request: Request, *, status: int = 200, problems: Problems | None = None, values=None):
    user = signed_in_user(request)
    today = now_in_london().date()
    rows = [
        {
            "contact": c,
            "role": ROLE_LABELS[c.role],
            "in_force": c.valid_from <= today and (c.valid_to is None or c.valid_to >= today),
        }
        for c in _contacts(request)
    ]
    return render(
        request,
        "national_contacts.html",
        status=status,
        title="National contacts",
        active="national-contacts",
        contacts=rows,
        roles=[
            {"value": role, "text": ROLE_LABELS[role], "checked": (values or {}).get("role") == role}
            for role in NATIONAL_ROLES
        ],
        may_change=user.role == "business_support",
        errors=problems.summary() if problems else [],
        field_errors=problems.inline() if problems else {},
        values=values or {},
    )


@router.get("/national-contacts")
def national_contacts_page(request: Request):
    return _listing(request)


def _parts(form: dict, name: str) -> dict[str, str]:
    return {part: text(form, f"{name}-{part}").strip() for part in DATE_PARTS}


@router.post("/national-contacts")
async def add(request: Request):
    form = await checked_form(request)
    user = _business_support(request)
    problems = Problems()
    values = {field: text(form, field).strip() for field in FIELDS}
    values |= {"valid_from": _parts(form, "valid_from"), "valid_to": _parts(form, "valid_to")}
    if values["role"] not in NATIONAL_ROLES:
        problems.add("role", "choose whether it is the DfE's team or a partner inspectorate")
    for field, label in (
        ("organisation", "the organisation"),
        ("name", "who it is"),
        ("email", "the email address"),
    ):
        if not values[field]:
            problems.add(field, f"enter {label}")
    first = read_date(form, "valid_from", "the first day", problems)
    last = read_date(form, "valid_to", "the last day", problems) if any(values["valid_to"].values()) else None
    if not problems:
        row = {field: values[field] for field in FIELDS}
        row |= {"valid_from": first.isoformat(), "valid_to": last.isoformat() if last else ""}
        try:
            with UnitOfWork(request.app.state.engine) as uow:
                add_national_contact(uow.session, row, by=user.name, now=now_in_london())
        except REFUSED as exc:
            message = str(exc)
            field = next((f for f in ("valid_to", "email", "role") if f in message), "organisation")
            problems.add(field, message, anchor=f"{field}-day" if field == "valid_to" else None)
    if problems:
        return _listing(request, status=400, problems=problems, values=values)
    request.session["flash"] = f"Added {values['name']} ({values['organisation']}) from {first:%-d %B %Y}."
    return RedirectResponse("/national-contacts", status_code=303)


def _found(request: Request, contact_id: int) -> NationalContact:
    with transaction(request.app.state.engine) as session:
        found = session.get(NationalContact, contact_id)
    if found is None:
        raise Refused(404, "Page not found", "There is no such national contact.")
    return found


def _end_page(request: Request, found: NationalContact, *, status=200, problems=None, values=None):
    return render(
        request,
        "national_contact_end.html",
        status=status,
        title="End a national contact",
        active="national-contacts",
        contact=found,
        role=ROLE_LABELS[found.role],
        errors=problems.summary() if problems else [],
        field_errors=problems.inline() if problems else {},
        values=values or {},
    )


@router.get("/national-contacts/{contact_id}/end")
def end_page(request: Request, contact_id: RecordId):
    _business_support(request)
    today = now_in_london().date()
    values = {"valid_to": {"day": str(today.day), "month": str(today.month), "year": str(today.year)}}
    return _end_page(request, _found(request, contact_id), values=values)


@router.post("/national-contacts/{contact_id}/end")
async def end(request: Request, contact_id: RecordId):
    form = await checked_form(request)
    user = _business_support(request)
    found = _found(request, contact_id)
    problems = Problems()
    last: date | None = read_date(form, "valid_to", "the last day", problems)
    if last is not None:
        try:
            with UnitOfWork(request.app.state.engine) as uow:
                end_national_contact(uow.session, contact_id, last, by=user.name, now=now_in_london())
        except REFUSED as exc:
            problems.add("valid_to", str(exc), anchor="valid_to-day")
    if problems:
        return _end_page(
            request, found, status=400, problems=problems, values={"valid_to": _parts(form, "valid_to")}
        )
    request.session["flash"] = f"{found.name} ({found.organisation}) is copied in until {last:%-d %B %Y}."
    return RedirectResponse("/national-contacts", status_code=303)
