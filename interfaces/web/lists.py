"""What the dashboard's lists share: link text that says what it opens, the urgency tag, GET filters
read and refused field by field, the GOV.UK pagination component's parameters, and exports (CSV with a
byte-order mark and CRLF, a workbook with named sheets, real date-time cells, frozen headings and
autofilter)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup

from calendars import LONDON, WorkingDayCalendar
from interfaces.spreadsheets import append_row, write_csv
from interfaces.web.session import Refused
from models.records import Activity, LocalAuthority
from models.timeline import MilestoneDate
from models.urgency import Urgency, urgency
from services.reports.worklists import Page
from services.validation import InvalidInput, one_of


def activity_name(activity: Activity, la: LocalAuthority) -> str:
    """ "Haringey monitoring visit, 8 December 2026": what a link to an activity opens."""
    return (
        f"{la.name} {activity.activity_type.replace('-', ' ')}, {activity.onsite.day} {activity.onsite:%B %Y}"
    )


def link_to(activity: Activity, la: LocalAuthority) -> Markup:
    return Markup('<a class="govuk-link" href="/activities/{}">{}</a>').format(
        activity.id, activity_name(activity, la)
    )


def milestone_urgency(
    m: MilestoneDate, *, waived: bool = False, now: datetime, calendar: WorkingDayCalendar
) -> Urgency:
    return urgency(
        status=m.status, target=m.target, forecast=m.forecast, waived=waived, now=now, calendar=calendar
    )


def tag(found: Urgency) -> dict:
    """A table cell holding the GOV.UK tag of an urgency."""
    return {
        "html": Markup('<strong class="govuk-tag {}">{}</strong>').format(
            found.colour, found.label.capitalize()
        )
    }


class FilterError(Exception):
    """A filter value that can match nothing: shown as a GOV.UK error on its field, never an empty list."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message

    def refused(self) -> Refused:
        """For an export, which has no form to show the error on."""
        return Refused(400, "There is no such filter", self.message)

    def summary(self) -> dict:
        return {
            "errors": [{"text": self.message, "href": f"#{self.field}"}],
            "field_errors": {self.field: {"text": self.message}},
        }


def chosen(request: Request, field: str, valid: Iterable[str], what: str) -> str | None:
    """The query parameter `field` if given and valid; None if absent or empty; else FilterError."""
    value = request.query_params.get(field, "")
    if not value:
        return None
    try:
        return one_of(value, valid, what)
    except InvalidInput as exc:
        raise FilterError(field, _sentence(str(exc))) from None


def page_number(request: Request, field: str = "page") -> int:
    """A page number from the query; anything that is not one (a hand-edited link) is page 1."""
    text = request.query_params.get(field, "1")
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) < 7 else 1


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def options(values: Iterable[str], selected: str | None, everything: str) -> list[dict]:
    """A GOV.UK select's items: "All ..." first, then each value in words."""
    return [{"value": "", "text": everything}] + [
        {"value": v, "text": _sentence(v.replace("-", " ").replace("_", " ")), "selected": v == selected}
        for v in values
    ]


def applied(pairs: Sequence[tuple[str, str | None]]) -> list[str]:
    """The filters in force, in words, for the line that says what a list shows."""
    return [f"{label}: {value.replace('-', ' ')}" for label, value in pairs if value]


def with_query(request: Request, **changes) -> str:
    """This page's URL with some query parameters changed (None removes one)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return f"{request.url.path}?{urlencode(params)}" if params else request.url.path


def pagination(request: Request, page: Page, field: str = "page", anchor: str = "") -> dict | None:
    """The GOV.UK pagination component's parameters for `page`, None when there is one page only:
    the first, the last, and the pages either side of the current one, with ellipses between."""
    if page.pages <= 1:
        return None

    def href(number: int) -> str:
        return with_query(request, **{field: number}) + (f"#{anchor}" if anchor else "")

    shown = sorted(
        {1, page.pages, page.number - 1, page.number, page.number + 1} & set(range(1, page.pages + 1))
    )
    items, last = [], 0
    for number in shown:
        if number - last > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": href(number), "current": number == page.number})
        last = number
    params: dict = {"items": items, "landmarkLabel": f"{anchor or 'results'} pages"}
    if page.number > 1:
        params["previous"] = {"href": href(page.number - 1)}
    if page.number < page.pages:
        params["next"] = {"href": href(page.number + 1)}
    return params


def showing(page: Page) -> str:
    """ "Showing 26 to 50 of 1,204"."""
    if not page.total:
        return "Nothing matches."
    first = (page.number - 1) * page.per_page + 1
    return f"Showing {first:,} to {first + len(page.rows) - 1:,} of {page.total:,}"


# Exports ----------------------------------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell_time(moment: datetime | date | None):
    """A spreadsheet's date-time: London wall-clock time, naive (Excel cells have no time zone)."""
    if isinstance(moment, datetime):
        return moment.astimezone(LONDON).replace(tzinfo=None)
    return moment


def csv_response(headings: Sequence[str], rows: Iterable[Sequence], filename: str) -> Response:
    """UTF-8 with a byte-order mark (so Excel reads names such as "Bromley-by-Bow – Ofsted" right) and
    CRLF line ends; date-times as London "2025-06-13 17:00", which spreadsheets read as date-times."""
    out = io.StringIO()
    out.write("\ufeff")
    write_csv(out, [headings, *([_csv_value(v) for v in row] for row in rows)])
    return Response(
        out.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _csv_value(value):
    if isinstance(value, datetime):
        return f"{cell_time(value):%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def workbook_response(sheets: Sequence[tuple[str, Sequence[str], list[Sequence]]], filename: str) -> Response:
    """A workbook with one named sheet per (name, headings, rows): headings in bold and frozen, an
    autofilter over the table, columns as wide as their content (within reason), date-times as real
    date-time cells in London time."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for name, headings, rows in sheets:
        sheet = book.create_sheet(name[:31])
        append_row(sheet, list(headings))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        widths = [len(h) for h in headings]
        for row in rows:
            append_row(sheet, [cell_time(v) for v in row])
            for i, value in enumerate(row):
                widths[i] = max(widths[i], 17 if isinstance(value, datetime) else len(str(value or "")))
            for cell, value in zip(sheet[sheet.max_row], row, strict=True):
                if isinstance(value, datetime):
                    cell.number_format = "d mmm yyyy h:mm"
                elif isinstance(value, date):
                    cell.number_format = "d mmm yyyy"
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = min(width + 2, 60)
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headings))}{max(1, sheet.max_row)}"
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(
        buffer.getvalue(),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def date_from_query(request: Request, field: str, what: str) -> date | None:
    """The GOV.UK date input `field` (field-day, field-month, field-year) from the query: None when all
    three are empty, else the date, or FilterError naming the field as the Design System words it."""
    parts = [request.query_params.get(f"{field}-{p}", "").strip() for p in ("day", "month", "year")]
    if not any(parts):
        return None
    try:
        if not all(p.isascii() and p.isdigit() and len(p) <= 2 for p in parts[:2]) or not (
            parts[2].isascii() and parts[2].isdigit() and len(parts[2]) == 4
        ):
            raise ValueError
        return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        raise FilterError(f"{field}-day", f"{what} must be a real date, for example 27 3 2026") from None


def date_items(request: Request, field: str, *, error: bool = False) -> list[dict]:
    """The GOV.UK date input's items, holding what was typed."""
    parts = [request.query_params.get(f"{field}-{p}", "") for p in ("day", "month", "year")]
    extra = " govuk-input--error" if error else ""
    return [
        {"name": name, "value": value, "classes": f"govuk-input--width-{width}{extra}"}
        for name, value, width in zip(("day", "month", "year"), parts, (2, 2, 4), strict=True)
    ]


def judgements(graded: tuple[tuple[str, str], ...]) -> Markup:
    """An inspection's judgements, (label, grade), one a line by its edition's labels; a single one (an
    overall effectiveness grade) as its grade alone, as Ofsted's reports headline it."""
    if len(graded) == 1:
        return Markup.escape(graded[0][1].capitalize())
    return Markup("<br>").join(Markup("{}: {}").format(label, grade) for label, grade in graded)
