"""Today: what is due and overdue, with its filters and exports."""

from __future__ import annotations

import io

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import select

from calendars import LONDON
from interfaces.spreadsheets import append_row, write_csv
from interfaces.web.session import (
    Refused,
    activity_link,
    now_in_london,
    render,
    signed_in_user,
)
from models.records import OFSTED_REGIONS, LocalAuthority
from services.mail import emails
from services.reports import queries
from services.settings import calendar_in_force
from services.store.database import transaction

router = APIRouter()


OWNERS = ("LA", "Ofsted")


TYPES = ("standard-inspection", "short-inspection", "focused-visit", "monitoring-visit")


def _due_rows(items: list[queries.DueMilestone], when: str) -> list[list[dict]]:
    return [
        [
            {"text": emails.govuk_when(getattr(i.milestone, when))},
            {"html": activity_link(i.activity.id, i.la.name)},
            {"text": i.activity.activity_type.replace("-", " ")},
            {"text": i.milestone.title},
            {"text": i.milestone.owner},
        ]
        for i in items
    ]


def _choices(values, chosen: str | None, label: str) -> list[dict]:
    return [{"value": "", "text": f"All {label}"}] + [
        {"value": v, "text": v.replace("-", " "), "selected": v == chosen} for v in values
    ]


def _lists(request: Request, filters: queries.Filters):
    now, calendar = now_in_london(), calendar_in_force()
    with transaction(request.app.state.engine) as session:
        soon = queries.due(session, as_of=now, within=5, calendar=calendar, filters=filters)
        late = queries.overdue(session, as_of=now, filters=filters)
        regions = sorted(set(session.exec(select(LocalAuthority.ofsted_region)).all()))
    today = [i for i in soon if i.milestone.forecast.astimezone(LONDON).date() == now.date()]
    return now, today, [i for i in soon if i not in today], late, regions


@router.get("/")
def today(request: Request, region: str | None = None, owner: str | None = None, type: str | None = None):  # noqa: A002
    user = signed_in_user(request)
    for value, valid, what in (
        (region, OFSTED_REGIONS, "region"),
        (owner, OWNERS, "owner"),
        (type, TYPES, "type"),
    ):
        if value and value not in valid:  # a hand-made or stale link: say so, rather than show nothing
            raise Refused(
                400, "There is no such filter", f"There is no {what} {value!r}: choose one from the list."
            )
    filters = queries.Filters(region=region or None, owner=owner or None, activity_type=type or None)
    now, due_today, due_soon, late, regions = _lists(request, filters)
    sections = [
        ("Due today", "today", _due_rows(due_today, "forecast")),
        ("Due in the next 5 working days", "soon", _due_rows(due_soon, "forecast")),
        ("Overdue", "overdue", _due_rows(late, "target")),
    ]
    return render(
        request,
        "today.html",
        title="Today",
        active="today",
        today=now.date(),
        sections=sections,
        regions=_choices(regions, region, "regions"),
        owners=_choices(OWNERS, owner, "owners"),
        types=_choices(TYPES, type, "types"),
        user_name=user.name,
    )


def _export_rows(request: Request) -> list[list]:
    signed_in_user(request)
    now, due_today, due_soon, late, _ = _lists(request, queries.Filters())
    rows = [["list", "when", "activity", "la", "activity_type", "milestone", "owner"]]
    for name, items, when in (
        ("due today", due_today, "forecast"),
        ("due soon", due_soon, "forecast"),
        ("overdue", late, "target"),
    ):
        rows += [
            [
                name,
                getattr(i.milestone, when).isoformat(),
                i.activity.id,
                i.la.name,
                i.activity.activity_type,
                i.milestone.key,
                i.milestone.owner,
            ]
            for i in items
        ]
    return rows


@router.get("/exports/due.csv")
def export_csv(request: Request) -> Response:
    out = io.StringIO()
    write_csv(out, _export_rows(request))
    return Response(
        out.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="due-and-overdue.csv"'},
    )


@router.get("/exports/due.xlsx")
def export_xlsx(request: Request) -> Response:
    from openpyxl import Workbook

    book = Workbook()
    for row in _export_rows(request):
        append_row(book.active, row)
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(
        buffer.getvalue(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="due-and-overdue.xlsx"'},
    )
