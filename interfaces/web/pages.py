"""The dashboard's pages. Thin: each reads the request, calls the same services as the CLI, renders."""

from __future__ import annotations

import csv
import hmac
import io
import secrets
from datetime import datetime

import pendulum
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape
from sqlmodel import select

from calendars import LONDON, england_calendar
from models.records import AuditEntry, FurtherInformationRequest, LocalAuthority, OutboxMessage, User
from models.templates import template_for_edition
from services import accounts, audit, changes, emails, queries, tracking
from services.database import transaction

router = APIRouter()
OWNERS = ("LA", "Ofsted")
TYPES = ("standard-inspection", "short-inspection", "focused-visit", "monitoring-visit")


class SignInNeeded(Exception):
    pass


class Refused(Exception):
    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


def _csrf(request: Request) -> str:
    if "csrf" not in request.session:
        request.session["csrf"] = secrets.token_urlsafe(32)
    return request.session["csrf"]


async def _form(request: Request) -> dict:
    """The posted form, once its CSRF token is checked: a forged or stale form is refused."""
    form = dict(await request.form())
    expected = request.session.get("csrf", "")
    if not expected or not hmac.compare_digest(str(form.get("csrf_token", "")), expected):
        raise Refused(
            403,
            "This form could not be accepted",
            "It has expired or did not come from this service. Go back, reload the page and try again.",
        )
    return form


def _user(request: Request) -> User:
    user_id = request.session.get("user_id")
    if user_id is None:
        raise SignInNeeded
    with transaction(request.app.state.engine) as session:
        user = session.get(User, user_id)
    if user is None:
        request.session.clear()
        raise SignInNeeded
    return user


def render(request: Request, name: str, *, status: int = 200, **context) -> HTMLResponse:
    user_id = request.session.get("user_id")
    user = None
    if user_id is not None:
        with transaction(request.app.state.engine) as session:
            user = session.get(User, user_id)
    page = request.app.state.templates.get_template(f"ilacs/{name}").render(
        user=user, csrf_token=_csrf(request), flash=request.session.pop("flash", None), **context
    )
    return HTMLResponse(page, status_code=status)


def _now() -> datetime:
    return pendulum.now(LONDON)


@router.get("/sign-in")
def sign_in_page(request: Request) -> HTMLResponse:
    return render(request, "sign_in.html", title="Sign in")


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    form = await _form(request)
    with transaction(request.app.state.engine) as session:
        user = accounts.authenticate(session, str(form.get("username", "")), str(form.get("password", "")))
    if user is None:
        return render(
            request,
            "sign_in.html",
            status=400,
            title="Sign in",
            error="Enter a correct username and password",
        )
    request.session.clear()
    request.session.update({"user_id": user.id, "csrf": secrets.token_urlsafe(32)})
    return RedirectResponse("/", status_code=303)


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    await _form(request)
    request.session.clear()
    return RedirectResponse("/sign-in", status_code=303)


def _link(activity_id: int, text: str) -> Markup:
    return Markup('<a class="govuk-link" href="/activities/{}">{}</a>').format(activity_id, text)


def _due_rows(items: list[queries.DueMilestone], when: str) -> list[list[dict]]:
    return [
        [
            {"text": emails.govuk_when(getattr(i.milestone, when))},
            {"html": _link(i.activity.id, i.la.name)},
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
    now, calendar = _now(), england_calendar()
    with transaction(request.app.state.engine) as session:
        soon = queries.due(session, as_of=now, within=5, calendar=calendar, filters=filters)
        late = queries.overdue(session, as_of=now, filters=filters)
        regions = sorted(set(session.exec(select(LocalAuthority.ofsted_region)).all()))
    today = [i for i in soon if i.milestone.forecast.astimezone(LONDON).date() == now.date()]
    return now, today, [i for i in soon if i not in today], late, regions


@router.get("/")
def today(request: Request, region: str | None = None, owner: str | None = None, type: str | None = None):  # noqa: A002
    user = _user(request)
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


RESEND_FORM = (
    '<form method="post" action="/outbox/{}/resend">'
    '<input type="hidden" name="csrf_token" value="{}">'
    '<button class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0">Resend</button></form>'
)
DEFERRAL_CHOICES = {  # the framework's reasons [003 ¶16], and two it refuses, so the refusal can be explained
    "weather": "Serious weather conditions",
    "power-failure": "A prolonged power or IT failure",
    "serious-incident": "A serious incident",
    "staff-absence": "Staff absence",
    "dcs-absence": "The DCS is absent",
}


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _days(found, stored) -> list[dict]:
    """One entry per calendar day from the first dated milestone to publication (or the last one)."""
    from datetime import timedelta

    calendar = england_calendar()
    dated = [m for m in stored if m.target]
    if not dated:
        return []
    first = min(m.target.astimezone(LONDON).date() for m in dated)
    last_one = next((m for m in dated if m.key == "publication"), max(dated, key=lambda m: m.target))
    last = last_one.target.astimezone(LONDON).date()
    by_day: dict = {}
    for m in dated:
        by_day.setdefault(m.forecast.astimezone(LONDON).date() if m.forecast else None, []).append(m.title)
    days, day = [], first
    while day <= last and len(days) < 120:
        reason = calendar.non_working_reason(day)
        names = by_day.get(day, [])
        title = (
            f"{emails.govuk_day(day)}"
            + (f": {reason}" if reason else "")
            + ("; " + "; ".join(names) if names else "")
        )
        days.append(
            {
                "title": title,
                "working": reason is None,
                "milestone": bool(names),
                "fieldwork": found.onsite <= day <= found.fieldwork_end and reason is None,
            }
        )
        day += timedelta(days=1)
    return days


def _activity_page(
    request: Request, activity_id: int, *, status: int = 200, errors=None, field_errors=None, form_values=None
):
    user = _user(request)
    with transaction(request.app.state.engine) as session:
        try:
            found, la, stored = queries.show(session, activity_id)
        except tracking.TrackingError as exc:
            raise Refused(404, "Page not found", str(exc)) from None
        requests = session.exec(
            select(FurtherInformationRequest).where(FurtherInformationRequest.activity_id == activity_id)
        ).all()
        sent = session.exec(
            select(OutboxMessage).where(OutboxMessage.activity_id == activity_id).order_by(OutboxMessage.id)
        ).all()
    template = template_for_edition(found.activity_type, found.edition)
    milestone_rows = [
        [
            {"text": m.title},
            {"text": m.owner},
            {"text": emails.govuk_when(m.target) if m.target else "–"},
            {"text": emails.govuk_when(m.forecast) if m.forecast else "–"},
            {"text": emails.govuk_when(m.actual) if m.actual else ""},
            {"text": m.status.replace("_", " ")},
        ]
        for m in stored
    ]
    open_items = [{"value": m.key, "text": m.title} for m in stored if m.status == "planned"]
    chosen = (form_values or {}).get("reason")
    reasons = [
        {"value": code, "text": label, "checked": code == chosen} for code, label in DEFERRAL_CHOICES.items()
    ]
    return render(
        request,
        "activity.html",
        days=_days(found, stored),
        status=status,
        title=template.title,
        activity=found,
        la=la,
        milestone_rows=milestone_rows,
        open_items=open_items,
        reasons=reasons,
        can_edit=accounts.may_edit(user, found),
        errors=errors or [],
        field_errors=field_errors or {},
        now_value=_now().strftime("%Y-%m-%dT%H:%M"),
        to_value=(form_values or {}).get("to", ""),
        requests=[
            [
                {"text": r.request},
                {"text": r.request_type},
                {"text": emails.govuk_when(r.required_by)},
                {"text": r.response or "awaiting the LA"},
            ]
            for r in requests
        ],
        emails=[
            [
                {"text": m.recipient_email},
                {"text": m.subject},
                {"text": m.status},
                {"text": emails.govuk_when(m.sent_at) if m.sent_at else ""},
            ]
            for m in sent
        ],
    )


@router.get("/activities/{activity_id}")
def activity(request: Request, activity_id: int):
    return _activity_page(request, activity_id)


def _editable(request: Request, activity_id: int) -> User:
    user = _user(request)
    with transaction(request.app.state.engine) as session:
        try:
            found = tracking.activity(session, activity_id)
        except tracking.TrackingError as exc:
            raise Refused(404, "Page not found", str(exc)) from None
    if not accounts.may_edit(user, found):
        raise Refused(
            403,
            "You cannot change this activity",
            "Only business support, or the activity's lead inspector, can change it.",
        )
    return user


@router.post("/activities/{activity_id}/actual")
async def record_actual(request: Request, activity_id: int):
    form = await _form(request)
    user = _editable(request, activity_id)
    key, text = str(form.get("key", "")), str(form.get("at", "")).strip()
    try:
        at = pendulum.parse(text, tz=LONDON) if text else None
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        at = None
    if at is None:
        message = "Enter when it happened, for example 2025-02-10T11:00"
        return _activity_page(
            request,
            activity_id,
            status=400,
            errors=[{"text": message, "href": "#at"}],
            field_errors={"at": {"text": message}},
        )
    now, calendar = _now(), england_calendar()
    try:
        with transaction(request.app.state.engine) as session:
            moved, _ = changes.record_actual(
                session,
                activity_id=activity_id,
                key=key,
                at=at,
                by=user.name,
                note="",
                now=now,
                calendar=calendar,
            )
    except ValueError as exc:
        return _activity_page(
            request,
            activity_id,
            status=400,
            errors=[{"text": _sentence(str(exc)), "href": "#key"}],
            field_errors={"key": {"text": _sentence(str(exc))}},
        )
    request.session["flash"] = f"Recorded: {key.replace('_', ' ')}. {len(moved)} dates updated."
    return RedirectResponse(f"/activities/{activity_id}", status_code=303)


@router.post("/activities/{activity_id}/defer")
async def defer(request: Request, activity_id: int):
    form = await _form(request)
    user = _editable(request, activity_id)
    errors, field_errors = [], {}
    try:
        to = pendulum.parse(str(form.get("to", "")).strip()).date()
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        to = None
        field_errors["to"] = {"text": "Enter the new first day on site, for example 2025-01-20"}
        errors.append({"text": field_errors["to"]["text"], "href": "#to"})
    reason = str(form.get("reason", ""))
    if to is not None:
        now, calendar = _now(), england_calendar()
        try:
            with transaction(request.app.state.engine) as session:
                changes.defer(
                    session,
                    activity_id=activity_id,
                    to=to,
                    reason=reason,
                    by=user.name,
                    now=now,
                    calendar=calendar,
                )
        except ValueError as exc:
            target = "reason" if "defer" in str(exc) or "reason" in str(exc) else "to"
            field_errors[target] = {"text": _sentence(str(exc))}
            errors.append({"text": _sentence(str(exc)), "href": f"#{target}"})
    if errors:
        values = {"to": str(form.get("to", "")), "reason": reason}
        return _activity_page(
            request, activity_id, status=400, errors=errors, field_errors=field_errors, form_values=values
        )
    request.session["flash"] = f"Deferred to {emails.govuk_day(to)}. Every milestone has been re-planned."
    return RedirectResponse(f"/activities/{activity_id}", status_code=303)


@router.get("/activities/{activity_id}/key-dates.ics")
def activity_calendar(request: Request, activity_id: int) -> Response:
    _user(request)
    with transaction(request.app.state.engine) as session:
        found, la, stored = queries.show(session, activity_id)
    key_dates = [
        (f"{m.title} ({la.name})", m.forecast) for m in stored if m.forecast and m.status == "planned"
    ]
    ics = emails.calendar_file(key_dates, uid_prefix=f"activity{activity_id}", stamp=_now())
    return Response(
        ics,
        media_type="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="activity-{activity_id}.ics"'},
    )


@router.get("/regions/{region}.ics")
def region_calendar(request: Request, region: str, token: str = "") -> Response:
    """A subscribable feed of a region's open milestones: the URL carries a token, not a session."""
    from interfaces.web.app import feed_token

    if not hmac.compare_digest(token, feed_token(request.app.state.secret_key, region)):
        raise Refused(403, "This calendar link is not valid", "Copy the link again from the dashboard.")
    with transaction(request.app.state.engine) as session:
        items = queries.due(
            session,
            as_of=_now(),
            within=260,
            calendar=england_calendar(),
            filters=queries.Filters(region=region),
        )
    key_dates = [(f"{i.milestone.title} ({i.la.name} #{i.activity.id})", i.milestone.forecast) for i in items]
    ics = emails.calendar_file(key_dates, uid_prefix=f"region-{region}", stamp=_now())
    return Response(ics, media_type="text/calendar")


def _export_rows(request: Request) -> list[list[str]]:
    _user(request)
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
                str(i.activity.id),
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
    csv.writer(out, lineterminator="\n").writerows(_export_rows(request))
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
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(
        buffer.getvalue(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="due-and-overdue.xlsx"'},
    )


@router.get("/outbox")
def outbox_page(request: Request):
    user = _user(request)
    with transaction(request.app.state.engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(200)).all()
    token = _csrf(request)

    def action(m: OutboxMessage) -> dict:
        if user.role != "business_support" or m.status not in ("failed", "cancelled"):
            return {"text": ""}
        return {"html": Markup(RESEND_FORM).format(m.id, token)}

    table = [
        [
            {"text": m.status},
            {"text": m.recipient_email},
            {"text": m.subject},
            {"text": str(m.attempts)},
            {"text": m.last_error},
            action(m),
        ]
        for m in rows
    ]
    head = [{"text": t} for t in ("Status", "To", "Subject", "Attempts", "Last error", "")]
    return render(request, "simple.html", title="Outbox", active="outbox", head=head, rows=table, lead=[])


@router.get("/audit")
def audit_page(request: Request):
    _user(request)
    with transaction(request.app.state.engine) as session:
        check = audit.verify(session)
        rows = session.exec(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(200)).all()
    table = [
        [
            {"text": str(e.id)},
            {"text": emails.govuk_when(e.at)},
            {"text": e.actor},
            {"text": e.action},
            {"text": e.subject},
            {"text": e.reason},
        ]
        for e in rows
    ]
    head = [{"text": t} for t in ("#", "When", "Who", "What", "Subject", "Reason")]
    return render(
        request,
        "simple.html",
        title="Audit",
        active="audit",
        head=head,
        rows=table,
        lead=[str(check).capitalize() + "."],
    )


@router.get("/programme")
def programme_page(request: Request):
    """Activities in the store by region and month, and the inspectors they take each week."""
    from collections import defaultdict
    from datetime import timedelta

    from models.programme import ONSITE_WEEKDAY, shipped_rules
    from models.records import Activity

    _user(request)
    rules = shipped_rules()
    with transaction(request.app.state.engine) as session:
        rows = session.exec(
            select(Activity, LocalAuthority)
            .join(LocalAuthority, Activity.la_id == LocalAuthority.id)
            .where(Activity.status == "planned", Activity.onsite >= _now().date())
            .order_by(LocalAuthority.ofsted_region, Activity.onsite)
        ).all()
    table, used = [], defaultdict(int)
    for a, la in rows:
        table.append(
            [
                {"text": la.ofsted_region},
                {"text": f"{a.onsite:%B %Y}"},
                {"text": emails.govuk_day(a.onsite)},
                {"html": _link(a.id, escape(la.name))},
                {"text": a.activity_type.replace("-", " ")},
            ]
        )
        if a.activity_type in ONSITE_WEEKDAY:
            monday = a.onsite - timedelta(days=a.onsite.weekday())
            for week in range(rules.weeks_on_site[a.activity_type]):
                used[(la.ofsted_region, monday + timedelta(weeks=week))] += rules.team[a.activity_type]
    lead = [
        f"{region}, week of {emails.govuk_day(week)}: {n} of {rules.capacity(region)} inspectors"
        + (" (over capacity)" if n > rules.capacity(region) else "")
        for (region, week), n in sorted(used.items())
    ] or ["No inspector time is booked yet."]
    head = [{"text": t} for t in ("Region", "Month", "On site", "Local authority", "Activity")]
    return render(
        request,
        "simple.html",
        title="Programme",
        active="programme",
        head=head,
        rows=table,
        lead=["Capacity use (social care inspectors on site):", *lead],
    )


@router.get("/la/{code}")
def local_authority_page(request: Request, code: str):
    from models.programme import demands, load_rules, pathway
    from models.records import Activity, Contact, Judgement
    from services import programme

    _user(request)
    now = _now()
    with transaction(request.app.state.engine) as session:
        la = session.exec(select(LocalAuthority).where(LocalAuthority.ons_code == code)).first()
        if la is None:
            raise Refused(404, "Page not found", f"There is no local authority with ONS code {code}.")
        contacts = session.exec(select(Contact).where(Contact.la_id == la.id).order_by(Contact.role)).all()
        history = session.exec(
            select(Activity).where(Activity.la_id == la.id).order_by(Activity.onsite.desc())
        ).all()
        grades = {
            j.activity_id: j.grade
            for j in session.exec(select(Judgement).where(Judgement.area == "overall_effectiveness"))
        }
        states = [
            s
            for s in programme.starting_states(session, region=la.ofsted_region, deteriorating=frozenset())
            if s.code == code
        ]
    lead = [f"{la.name} ({la.ons_code}), {la.la_type or 'local authority'}, {la.ofsted_region}."]
    if states:
        state = states[0]
        wanted, notes = demands(
            state, load_rules(), england_calendar(), now.date(), now.date().replace(year=now.year + 3)
        )
        lead.append(
            f"Pathway {pathway(state)}: last graded {state.last_type.replace('-', ' ')} ended "
            f"{emails.govuk_day(state.last_end)}, judged {state.grade.replace('_', ' ')}."
        )
        for d in wanted[:3]:
            lead.append(
                f"Next: {d.activity_type.replace('-', ' ')}, window {emails.govuk_day(d.earliest)} to "
                f"{emails.govuk_day(d.latest)}."
            )
        lead += notes
    lead += [
        f"{c.role.replace('_', ' ').capitalize()}: {c.name} <{c.email}>"
        for c in contacts
        if c.valid_to is None or c.valid_to >= now.date()
    ]
    rows = [
        [
            {"html": _link(a.id, f"#{a.id}")},
            {"text": a.activity_type.replace("-", " ")},
            {"text": emails.govuk_day(a.onsite)},
            {"text": a.status},
            {"text": grades.get(a.id, "").replace("_", " ")},
        ]
        for a in history
    ]
    head = [{"text": t} for t in ("Activity", "Type", "On site", "Status", "Overall effectiveness")]
    return render(request, "simple.html", title=la.name, head=head, rows=rows, lead=lead)


@router.post("/outbox/{message_id}/resend")
async def resend(request: Request, message_id: int):
    await _form(request)
    user = _user(request)
    if user.role != "business_support":
        raise Refused(403, "You cannot resend emails", "Only business support can resend an email.")
    with transaction(request.app.state.engine) as session:
        message = session.get(OutboxMessage, message_id)
        if message is None or message.status not in ("failed", "cancelled"):
            raise Refused(404, "Nothing to resend", "Only a failed or cancelled email can be resent.")
        before = message.status
        message.status, message.attempts, message.next_attempt_at, message.not_before = (
            "queued",
            0,
            None,
            _now(),
        )
        session.add(message)
        audit.append(
            session,
            at=_now(),
            actor=user.name,
            action="resend",
            activity_id=message.activity_id,
            subject=message.idempotency_key,
            before={"status": before},
            after={"status": "queued"},
        )
    request.session["flash"] = f"Queued again: {message.subject}"
    return RedirectResponse("/outbox", status_code=303)
