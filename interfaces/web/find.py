"""Find: every activity (search, filters, sort, pages, exports) and every local authority."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from interfaces.web import lists
from interfaces.web.session import now_in_london, render, signed_in_user
from models.templates import activity_types
from services.mail import emails
from services.reports import queries, worklists
from services.store.database import transaction

router = APIRouter()

COLUMNS = (("la", "Activity"), ("type", "Type"), ("onsite", "On site"), ("lead", "Lead inspector"))


def _search(request: Request, session) -> worklists.ActivitySearch:
    """The search in the query, each filter checked against what exists: a FilterError names the field."""
    onsite_from = lists.date_from_query(request, "from", "The first on-site date")
    onsite_to = lists.date_from_query(request, "to", "The last on-site date")
    if onsite_from and onsite_to and onsite_from > onsite_to:
        raise lists.FilterError("to-day", "The last on-site date must be the same as or after the first")
    q = request.query_params.get("q", "")[:200]
    if any(not c.isprintable() for c in q):  # PostgreSQL refuses NUL; no name holds a control character
        raise lists.FilterError("q", "Enter the search without control characters")
    return worklists.ActivitySearch(
        q=q,
        activity_type=lists.chosen(request, "type", activity_types(), "type"),
        region=lists.chosen(request, "region", queries.regions(session), "region"),
        status=lists.chosen(request, "status", worklists.STATUSES, "status"),
        onsite_from=onsite_from,
        onsite_to=onsite_to,
        sort=lists.chosen(request, "sort", worklists.SORTS, "sort") or "onsite",
        descending=lists.chosen(request, "order", ("ascending", "descending"), "order") == "descending",
    )


def _form(request: Request, session, search: worklists.ActivitySearch, field_errors: dict) -> dict:
    return {
        "q": search.q,
        "types": lists.options(activity_types(), search.activity_type, "All types"),
        "regions": lists.options(queries.regions(session), search.region, "All regions"),
        "statuses": lists.options(worklists.STATUSES, search.status, "Any status"),
        "from_items": lists.date_items(request, "from", error="from-day" in field_errors),
        "to_items": lists.date_items(request, "to", error="to-day" in field_errors),
        "applied": lists.applied(
            [
                ("Search", search.q),
                ("Type", search.activity_type),
                ("Region", search.region),
                ("Status", search.status),
                ("On site from", search.onsite_from and emails.govuk_day(search.onsite_from)),
                ("On site to", search.onsite_to and emails.govuk_day(search.onsite_to)),
            ]
        ),
    }


def _headings(request: Request, search: worklists.ActivitySearch) -> list[dict]:
    """Column headings that sort: a link each, aria-sort on the one in force."""
    head = []
    for key, text in COLUMNS:
        current = search.sort == key
        order = "ascending" if not current or search.descending else "descending"
        link = Markup('<a class="govuk-link" href="{}">{}</a>').format(
            lists.with_query(request, sort=key, order=order, page=None), text
        )
        cell = {"html": link}
        if current:
            cell["attributes"] = {"aria-sort": "descending" if search.descending else "ascending"}
        head.append(cell)
    return head + [{"text": "Region"}, {"text": "Status"}]


@router.get("/activities")
def activities(request: Request):
    signed_in_user(request)
    today = now_in_london().date()
    with transaction(request.app.state.engine) as session:
        try:
            search = _search(request, session)
        except lists.FilterError as error:
            summary = error.summary()
            return render(
                request,
                "activities.html",
                status=400,
                title="Activities",
                active="activities",
                **_form(request, session, worklists.ActivitySearch(), summary["field_errors"]),
                **summary,
            )
        page = worklists.find_activities(session, search, today=today, number=lists.page_number(request))
        form = _form(request, session, search, {})
    rows = [
        [
            {"html": lists.link_to(a, la)},
            {"text": a.activity_type.replace("-", " ").capitalize()},
            {"text": emails.govuk_day(a.onsite)},
            {"text": a.lead_inspector},
            {"text": la.ofsted_region},
            {"text": worklists.activity_state(a, has_open=has_open, today=today).capitalize()},
        ]
        for a, la, has_open in page.rows
    ]
    query = str(request.url.query)
    return render(
        request,
        "activities.html",
        title="Activities",
        active="activities",
        head=_headings(request, search),
        rows=rows,
        showing=lists.showing(page),
        pagination=lists.pagination(request, page),
        export_query=f"?{query}" if query else "",
        **form,
    )


HEADINGS = (
    "Activity id",
    "Local authority",
    "ONS code",
    "Region",
    "Type",
    "On site",
    "Fieldwork ends",
    "Lead inspector",
    "Status",
)


def _export_rows(request: Request) -> list[list]:
    """Every activity the filters on screen match, in the order on screen (all pages)."""
    signed_in_user(request)
    today = now_in_london().date()
    with transaction(request.app.state.engine) as session:
        try:
            search = _search(request, session)
        except lists.FilterError as error:
            raise error.refused() from None
        page = worklists.find_activities(session, search, today=today, per_page=10**9)
    return [
        [
            a.id,
            la.name,
            la.ons_code,
            la.ofsted_region,
            a.activity_type.replace("-", " "),
            a.onsite,
            a.fieldwork_end,
            a.lead_inspector,
            worklists.activity_state(a, has_open=has_open, today=today),
        ]
        for a, la, has_open in page.rows
    ]


@router.get("/exports/activities.csv")
def activities_csv(request: Request) -> Response:
    return lists.csv_response(HEADINGS, _export_rows(request), "activities.csv")


@router.get("/exports/activities.xlsx")
def activities_xlsx(request: Request) -> Response:
    return lists.workbook_response([("Activities", HEADINGS, _export_rows(request))], "activities.xlsx")


@router.get("/las")
def local_authorities(request: Request):
    signed_in_user(request)
    today = now_in_london().date()
    with transaction(request.app.state.engine) as session:
        try:
            region = lists.chosen(request, "region", queries.regions(session), "region")
        except lists.FilterError as error:
            return render(
                request,
                "las.html",
                status=400,
                title="Local authorities",
                active="las",
                regions=lists.options(queries.regions(session), None, "All regions"),
                **error.summary(),
            )
        found = worklists.local_authorities(
            session, today=today, region=region, number=lists.page_number(request)
        )
        regions = lists.options(queries.regions(session), region, "All regions")
        names = {r.la.id: r.la for r in found.rows}
    rows = [
        [
            {"html": Markup('<a class="govuk-link" href="/la/{}">{}</a>').format(r.la.ons_code, r.la.name)},
            {"text": r.la.ofsted_region},
            {"text": f"Pathway {r.pathway}" if r.pathway else "Not known"},
            {"html": lists.judgements(r.judgements)} if r.judgements else {"text": "None recorded"},
            {"html": lists.link_to(r.next_activity, names[r.next_activity.la_id])}
            if r.next_activity
            else {"text": "None planned"},
        ]
        for r in found.rows
    ]
    return render(
        request,
        "las.html",
        showing=lists.showing(found),
        pagination=lists.pagination(request, found),
        title="Local authorities",
        active="las",
        rows=rows,
        regions=regions,
        applied=lists.applied([("Region", region)]),
    )
