"""Today: counts first, then what is at risk (overdue, due today), then what is due in the next 5 working
days; each section paged and filtered in SQL, with its urgency tags; exports of what the filters show."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from interfaces.web import lists
from interfaces.web.session import now_in_london, render, signed_in_user
from models.templates import activity_types
from services.mail import emails
from services.reports import queries, worklists
from services.settings import calendar_in_force
from services.store.database import transaction

router = APIRouter()

SECTIONS = {  # at risk first
    "overdue": ("Overdue", "target"),
    "today": ("Due today", "forecast"),
    "soon": ("Due in the next 5 working days", "forecast"),
}


def _filters(request: Request, session) -> queries.Filters:
    """The filters in the query, each checked against what exists (types from the activity-type
    catalogue, regions from the store, owners from the templates)."""
    return queries.Filters(
        region=lists.chosen(request, "region", queries.regions(session), "region"),
        owner=lists.chosen(request, "owner", queries.owners(), "owner"),
        activity_type=lists.chosen(request, "type", activity_types(), "type"),
    )


def _form(request: Request, session, filters: queries.Filters) -> dict:
    return {
        "regions": lists.options(queries.regions(session), filters.region, "All regions"),
        "owners": lists.options(queries.owners(), filters.owner, "All owners"),
        "types": lists.options(activity_types(), filters.activity_type, "All types"),
        "applied": lists.applied(
            [("Region", filters.region), ("Owner", filters.owner), ("Type", filters.activity_type)]
        ),
    }


@router.get("/")
def today(request: Request):
    user = signed_in_user(request)
    now, calendar = now_in_london(), calendar_in_force()
    with transaction(request.app.state.engine) as session:
        try:
            filters = _filters(request, session)
        except lists.FilterError as error:  # a hand-made or stale link: say so, rather than show nothing
            form = _form(request, session, queries.Filters())
            return render(
                request,
                "today.html",
                status=400,
                title="Today",
                active="today",
                today=now.date(),
                sections=[],
                user_name=user.name,
                **form,
                **error.summary(),
            )
        pages = {
            key: worklists.today_section(
                session,
                key,
                as_of=now,
                calendar=calendar,
                filters=filters,
                number=lists.page_number(request, f"{key}_page"),
            )
            for key in SECTIONS
        }
        form = _form(request, session, filters)
    sections = [
        {
            "title": title,
            "anchor": key,
            "total": page.total,
            "showing": lists.showing(page),
            "rows": [
                [
                    lists.tag(lists.milestone_urgency(i.milestone, now=now, calendar=calendar)),
                    {"text": emails.govuk_when(getattr(i.milestone, when))},
                    {"html": lists.link_to(i.activity, i.la)},
                    {"text": i.milestone.title},
                    {"text": i.milestone.owner},
                ]
                for i in page.rows
            ],
            "pagination": lists.pagination(request, page, f"{key}_page", key),
        }
        for key, (title, when) in SECTIONS.items()
        for page in [pages[key]]
    ]
    query = str(request.url.query)
    return render(
        request,
        "today.html",
        title="Today",
        active="today",
        today=now.date(),
        sections=sections,
        user_name=user.name,
        export_query=f"?{query}" if query else "",
        **form,
    )


HEADINGS = (
    "List",
    "Deadline or forecast",
    "Local authority",
    "Activity",
    "Activity number",
    "On site",
    "Milestone",
    "Owner",
    "State",
)


def _export_sheets(request: Request) -> list[tuple[str, tuple, list]]:
    """Every row of each section under the filters on screen (not only the page shown)."""
    signed_in_user(request)
    now, calendar = now_in_london(), calendar_in_force()
    with transaction(request.app.state.engine) as session:
        try:
            filters = _filters(request, session)
        except lists.FilterError as error:
            raise error.refused() from None
        items = {
            "overdue": queries.overdue(session, as_of=now, filters=filters),
            **dict(
                zip(
                    ("today", "soon"),
                    _split_due(
                        queries.due(session, as_of=now, within=5, calendar=calendar, filters=filters), now
                    ),
                    strict=True,
                )
            ),
        }
    sheets = []
    for key, (title, when) in SECTIONS.items():
        rows = [
            [
                title,
                getattr(i.milestone, when),
                i.la.name,
                i.activity.activity_type.replace("-", " "),
                i.activity.id,  # the number the command line takes
                i.activity.onsite,
                i.milestone.title,
                i.milestone.owner,
                lists.milestone_urgency(i.milestone, now=now, calendar=calendar).label,
            ]
            for i in items[key]
        ]
        sheets.append((title, HEADINGS, rows))
    return sheets


def _split_due(items: list[queries.DueMilestone], now) -> tuple[list, list]:
    today = [i for i in items if i.milestone.forecast.date() == now.date()]
    return today, [i for i in items if i not in today]


@router.get("/exports/due.csv")
def export_csv(request: Request) -> Response:
    rows = [row for _, _, section in _export_sheets(request) for row in section]
    return lists.csv_response(HEADINGS, rows, "due-and-overdue.csv")


@router.get("/exports/due.xlsx")
def export_xlsx(request: Request) -> Response:
    return lists.workbook_response(_export_sheets(request), "due-and-overdue.xlsx")
