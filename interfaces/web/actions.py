"""Business support's changes in the browser (issue 13 point 4, issue 15 point 7): each form reads its
fields the GOV.UK way (interfaces/web/forms.py) and calls the service the command line calls, inside
the unit of work, with the signed-in user as the one who made the change. A refusal is the service's
own sentence, shown in an error summary and beside the field it is about; nothing is changed."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlmodel import select

from interfaces.web.forms import Problems, date_values, read_date, read_moment, text
from interfaces.web.session import (
    RecordId,
    Refused,
    checked_form,
    now_in_london,
    render,
    signed_in_user,
)
from models.checks import onsite_warnings
from models.compliance import variance_reasons
from models.records import (
    OFSTED_REGIONS,
    Activity,
    LocalAuthority,
    OutboxMessage,
    User,
)
from models.states import MilestoneStatus
from models.templates import GRADES, activity_types, edition_named, shipped_editions, template_for_edition
from models.timeline import preview as preview_timeline
from services.access import accounts
from services.mail import emails
from services.reports import activity_history, compliance, programme, queries
from services.settings import calendar_in_force
from services.store.database import transaction
from services.tracking import calendar_changes, cancellation, further_information, lifecycle, notes, outcomes
from services.tracking.unit_of_work import UnitOfWork
from services.validation import check_flags

router = APIRouter()

REFUSED = (ValueError,)  # every refusal the services make is a ValueError (TrackingError, InvalidInput)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def activity_name(found: Activity, la: LocalAuthority) -> str:
    """How a link to an activity reads: "Barking and Dagenham standard inspection, 9 June 2025"."""
    title = template_for_edition(found.activity_type, found.edition).title.lower()
    return f"{la.name} {title}, {emails.govuk_day(found.onsite).split(' ', 1)[1]}"


def _found(request: Request, activity_id: int) -> tuple[Activity, LocalAuthority]:
    with transaction(request.app.state.engine) as session:
        try:
            found = lifecycle.activity(session, activity_id)
        except lifecycle.TrackingError as exc:
            raise Refused(404, "Page not found", str(exc)) from None
        return found, session.get(LocalAuthority, found.la_id)


def editable(request: Request, activity_id: int) -> tuple[User, Activity, LocalAuthority]:
    """The signed-in user, if they may change this activity: business support any, an inspector the
    ones they lead, a viewer none."""
    user = signed_in_user(request)
    found, la = _found(request, activity_id)
    if not accounts.may_edit(user, found):
        raise Refused(
            403,
            "You cannot change this activity",
            "Only business support, or the activity's lead inspector, can change it.",
        )
    return user, found, la


def business_support(request: Request) -> User:
    user = signed_in_user(request)
    if user.role != "business_support":
        raise Refused(403, "You cannot do this", "Only business support can do this.")
    return user


def _page(
    request: Request,
    template: str,
    *,
    title: str,
    status: int = 200,
    problems: Problems | None = None,
    values: dict | None = None,
    **context,
):
    return render(
        request,
        f"actions/{template}.html",
        status=status,
        title=title,
        errors=problems.summary() if problems else [],
        field_errors=problems.inline() if problems else {},
        values=values or {},
        **context,
    )


def _done(request: Request, message: str, to: str) -> RedirectResponse:
    request.session["flash"] = message
    return RedirectResponse(to, status_code=303)


def _open_milestones(request: Request, activity_id: int, *, done: bool = False) -> list[dict]:
    with transaction(request.app.state.engine) as session:
        rows = lifecycle.milestones(session, activity_id)
    wanted = MilestoneStatus.DONE if done else MilestoneStatus.PLANNED
    return [{"value": m.key, "text": m.title} for m in rows if m.status == wanted]


# Cancel ---------------------------------------------------------------------------------------------


@router.get("/activities/{activity_id}/cancel")
def cancel_page(request: Request, activity_id: RecordId):
    _, found, la = editable(request, activity_id)
    return _page(
        request, "cancel", title="Cancel the activity", activity=found, la=la, label=activity_name(found, la)
    )


@router.post("/activities/{activity_id}/cancel")
async def cancel(request: Request, activity_id: RecordId):
    form = await checked_form(request)
    user, found, la = editable(request, activity_id)
    reason, problems = text(form, "reason"), Problems()
    if not reason.strip():
        problems.add("reason", "enter why the activity is cancelled")
    else:
        try:
            with UnitOfWork(request.app.state.engine) as uow:
                stopped = cancellation.cancel(
                    uow, activity_id=activity_id, reason=reason.strip(), by=user.name, now=now_in_london()
                )
        except REFUSED as exc:
            problems.add("reason", str(exc))
    if problems:
        return _page(
            request,
            "cancel",
            title="Cancel the activity",
            status=400,
            problems=problems,
            values={"reason": reason},
            activity=found,
            la=la,
            label=activity_name(found, la),
        )
    return _done(
        request,
        f"Cancelled. {len(stopped)} queued emails will not be sent; anyone already told is told it is off.",
        f"/activities/{activity_id}",
    )


# History and notes ----------------------------------------------------------------------------------


def _history_page(request: Request, activity_id: int, *, status: int = 200, problems=None, values=None):
    user = signed_in_user(request)
    found, la = _found(request, activity_id)
    with transaction(request.app.state.engine) as session:
        events = activity_history.history(session, activity_id)
    return _page(
        request,
        "history",
        title="History",
        status=status,
        problems=problems,
        values=values,
        activity=found,
        la=la,
        label=activity_name(found, la),
        events=events,
        can_edit=accounts.may_edit(user, found),
    )


@router.get("/activities/{activity_id}/history")
def history(request: Request, activity_id: RecordId):
    return _history_page(request, activity_id)


@router.post("/activities/{activity_id}/notes")
async def add_note(request: Request, activity_id: RecordId):
    form = await checked_form(request)
    user, _, _ = editable(request, activity_id)
    note, problems = text(form, "note"), Problems()
    try:
        with UnitOfWork(request.app.state.engine) as uow:
            notes.add_note(uow.session, activity_id=activity_id, text=note, by=user.name, now=now_in_london())
    except REFUSED as exc:
        problems.add("note", str(exc))
        return _history_page(request, activity_id, status=400, problems=problems, values={"note": note})
    return _done(request, "Note added.", f"/activities/{activity_id}/history")


# Undo an actual -------------------------------------------------------------------------------------


@router.get("/activities/{activity_id}/undo")
def undo_page(request: Request, activity_id: RecordId):
    _, found, la = editable(request, activity_id)
    return _undo_page(request, found, la)


def _undo_page(request, found, la, *, status=200, problems=None, values=None):
    return _page(
        request,
        "undo",
        title="Take back a recorded date",
        status=status,
        problems=problems,
        values=values,
        activity=found,
        la=la,
        label=activity_name(found, la),
        done=[
            {**m, "checked": m["value"] == (values or {}).get("key")}
            for m in _open_milestones(request, found.id, done=True)
        ],
    )


@router.post("/activities/{activity_id}/undo")
async def undo(request: Request, activity_id: RecordId):
    form = await checked_form(request)
    user, found, la = editable(request, activity_id)
    key, reason, problems = text(form, "key"), text(form, "reason"), Problems()
    if not key:
        problems.add("key", "choose the milestone whose date to take back")
    if not reason.strip():
        problems.add("reason", "enter why the recorded date is wrong")
    if not problems:
        try:
            with UnitOfWork(request.app.state.engine) as uow:
                moved = lifecycle.undo_actual(
                    uow,
                    activity_id=activity_id,
                    key=key,
                    by=user.name,
                    reason=reason.strip(),
                    now=now_in_london(),
                )
        except REFUSED as exc:
            problems.add("key", str(exc))
    if problems:
        values = {"key": key, "reason": reason}
        return _undo_page(request, found, la, status=400, problems=problems, values=values)
    return _done(
        request,
        f"Taken back: {key.replace('_', ' ')}. {len(moved)} dates updated.",
        f"/activities/{activity_id}",
    )


# Several milestones at once -------------------------------------------------------------------------


def _recordable(request: Request, user: User) -> list[dict]:
    """Open milestones forecast up to the end of today or overdue, on activities `user` may change."""
    now = now_in_london()
    with transaction(request.app.state.engine) as session:
        items = queries.overdue(session, as_of=now, filters=queries.Filters()) + queries.due(
            session, as_of=now, within=0, calendar=calendar_in_force(), filters=queries.Filters()
        )
    seen, rows = set(), []
    for i in items:
        value = f"{i.activity.id}:{i.milestone.key}"
        if value in seen or not accounts.may_edit(user, i.activity):
            continue
        seen.add(value)
        rows.append(
            {
                "value": value,
                "text": f"{i.la.name}: {i.milestone.title}",
                "hint": {
                    "text": f"{activity_name(i.activity, i.la)}; {i.milestone.owner}; "
                    f"due {emails.govuk_when(i.milestone.target)}"
                },
            }
        )
    return rows


def _bulk_page(request, user, *, status=200, problems=None, values=None, form=None):
    chosen = set((values or {}).get("items", []))
    items = [{**i, "checked": i["value"] in chosen} for i in _recordable(request, user)]
    today = now_in_london()
    return _page(
        request,
        "bulk",
        title="Record several milestones",
        status=status,
        problems=problems,
        values={"at": date_values(form, "at", today.date()), "at-time": f"{today:%H:%M}", **(values or {})},
        items=items,
    )


@router.get("/record")
def bulk_page(request: Request):
    return _bulk_page(request, signed_in_user(request))


@router.post("/record")
async def bulk_record(request: Request):
    request_form = await request.form()
    form = await checked_form(request)
    user = signed_in_user(request)
    if user.role == "viewer":
        raise Refused(
            403, "You cannot change activities", "Viewers can read the dashboard but not change it."
        )
    chosen = [v for v in request_form.getlist("items") if isinstance(v, str) and v]
    problems = Problems()
    at = read_moment(form, "at", "they happened", problems)
    items = []
    for value in chosen:
        number, _, key = value.partition(":")
        if not (number.isascii() and number.isdigit()) or not key:
            problems.add("items", f"{value!r} is not a milestone of an activity")
            break
        items.append((int(number), key))
    if not chosen:
        problems.add("items", "choose at least one milestone")
    if not problems:
        for activity_id in {a for a, _ in items}:
            editable(request, activity_id)  # every one, before anything is written
        try:
            with UnitOfWork(request.app.state.engine) as uow:
                lifecycle.record_many(uow, items=items, at=at, by=user.name, note="", now=now_in_london())
        except REFUSED as exc:
            problems.add("items", str(exc))
    if problems:
        values = {"items": chosen, "at-time": text(form, "at-time")}
        return _bulk_page(request, user, status=400, problems=problems, values=values, form=form)
    return _done(
        request, f"Recorded {len(items)} milestones as happening on {emails.govuk_when(at)}.", "/record"
    )


# Emails ---------------------------------------------------------------------------------------------


@router.get("/emails/{message_id}")
def email(request: Request, message_id: RecordId):
    signed_in_user(request)
    with transaction(request.app.state.engine) as session:
        message = session.get(OutboxMessage, message_id)
        found = la = None
        if message is not None and message.activity_id:
            found = session.get(Activity, message.activity_id)
            la = session.get(LocalAuthority, found.la_id)
    if message is None:
        raise Refused(404, "Page not found", f"There is no email {message_id}.")
    return _page(
        request,
        "email",
        title=message.subject,
        message=message,
        activity=found,
        la=la,
        label=activity_name(found, la) if found else "",
    )


# Register an activity, with its dates shown first ------------------------------------------------


def _type_titles() -> dict[str, str]:
    newest: dict = {}
    for edition in shipped_editions():
        newest.update(edition.templates)
    return {t: newest[t].title for t in activity_types()}


def _register_page(request, *, status=200, problems=None, values=None, form=None, preview=None):
    values = values or {}
    with transaction(request.app.state.engine) as session:
        las = session.exec(
            select(LocalAuthority).where(LocalAuthority.status == "current").order_by(LocalAuthority.name)
        ).all()
    types = [{"value": "", "text": "Choose a type"}] + [
        {"value": t, "text": title, "selected": t == values.get("type")}
        for t, title in _type_titles().items()
    ]
    choices = [{"value": "", "text": "Choose a local authority"}] + [
        {
            "value": la.ons_code,
            "text": f"{la.name} ({la.ofsted_region})",
            "selected": la.ons_code == values.get("la"),
        }
        for la in las
    ]
    return _page(
        request,
        "register",
        title="Register an activity",
        status=status,
        problems=problems,
        values={**values, "onsite": date_values(form, "onsite")},
        types=types,
        las=choices,
        preview=preview,
    )


@router.get("/activities/new")
def register_page(request: Request):
    business_support(request)
    return _register_page(request)


def _refusal_field(message: str) -> tuple[str, str | None]:
    """Which field a refusal of the registration is about (and the anchor of a date's first field)."""
    if "override" in message:
        return "override", None
    if "local authority" in message and "clashes" not in message:
        return "la", None
    return "onsite", "onsite-day"


def _fingerprint(values: dict, onsite) -> str:
    """What the preview showed, so that "Register it" registers only those dates: a field changed
    after the preview shows the dates again instead."""
    return "|".join(
        [values["type"], values["la"], str(onsite), values["flags"], values["override"], values["lead"]]
    )


@router.post("/activities/new")
async def register(request: Request):
    """First the dates (a preview, as `ilacs timeline` gives them, and any clash or closed period
    refused), then, once confirmed, the registration itself, by the same service as `ilacs schedule`."""
    form = await checked_form(request)
    user = business_support(request)
    values = {k: text(form, k).strip() for k in ("type", "la", "lead", "flags", "override")}
    values["la"] = values["la"].upper()  # GOV.UK Frontend's select lower-cases values; ONS codes are upper
    problems = Problems()
    if values["type"] not in activity_types():
        problems.add("type", "choose the type of activity")
    if not values["la"]:
        problems.add("la", "choose the local authority")
    onsite = read_date(form, "onsite", "the first day on site", problems)
    if not values["lead"]:
        problems.add("lead", "enter the lead inspector's name")
    flags = frozenset(values["flags"].replace(",", " ").split())
    calendar = calendar_in_force()
    arguments = {}
    if not problems:
        try:
            template, timeline = preview_timeline(values["type"], onsite, flags=flags, calendar=calendar)
            check_flags(template, flags)
            arguments = {
                "timeline": timeline,
                "template": template,
                "la_code": values["la"],
                "flags": flags,
                "override": values["override"],
            }
            if text(form, "confirm") == _fingerprint(values, onsite):  # confirming the dates shown
                with UnitOfWork(request.app.state.engine) as uow:
                    new_id = lifecycle.register(
                        uow.session, **arguments, lead=values["lead"], actor=user.name, now=now_in_london()
                    ).id
                return _done(request, "Registered. Its milestones are dated below.", f"/activities/{new_id}")
            with transaction(request.app.state.engine) as session:
                la = lifecycle.check_registration(session, **arguments)
                unstored = Activity(
                    activity_type=timeline.activity_type, la_id=la.id, onsite=onsite, flags=sorted(flags)
                )
                warnings = lifecycle.programme_warnings(session, unstored)
        except REFUSED as exc:
            message = str(exc).replace("give --override REASON", "give a reason to override")
            field, anchor = _refusal_field(message)
            problems.add(field, message, anchor=anchor)
    preview = None
    if not problems:
        preview = {
            "fingerprint": _fingerprint(values, onsite),
            "title": template.title,
            "onsite": timeline.onsite,
            "fieldwork_end": timeline.fieldwork_end,
            "warnings": [_sentence(w) for w in onsite_warnings(template, onsite, calendar, flags) + warnings],
            "rows": [
                [
                    {"text": m.title},
                    {"text": m.owner},
                    {"text": emails.govuk_when(m.target) if m.target else "when it happens"},
                ]
                for m in timeline.milestones
            ],
        }
    return _register_page(
        request, status=400 if problems else 200, problems=problems, values=values, form=form, preview=preview
    )


# Judgements -----------------------------------------------------------------------------------------


def _judgements(found) -> tuple[tuple[str, str], ...]:
    """The judgements an outcome of this activity records: its edition's (area, label) pairs."""
    return edition_named(found.edition).judgements


def _outcome_page(request, found, la, *, status=200, problems=None, values=None):
    values = values or {}
    template = template_for_edition(found.activity_type, found.edition)
    areas = [
        {
            "name": area,
            "legend": label,
            "items": [
                {"value": g, "text": _sentence(g.replace("_", " ")), "checked": values.get(area) == g}
                for g in GRADES
            ],
        }
        for area, label in _judgements(found)
    ]
    return _page(
        request,
        "outcome",
        title="Record the outcome",
        status=status,
        problems=problems,
        values=values,
        activity=found,
        la=la,
        label=activity_name(found, la),
        areas=areas if template.graded else [],
        priority_action=template.priority_action,
        partner_concerns=outcomes.takes_partner_concerns(template),
    )


@router.get("/activities/{activity_id}/outcome")
def outcome_page(request: Request, activity_id: RecordId):
    _, found, la = editable(request, activity_id)
    return _outcome_page(request, found, la)


@router.post("/activities/{activity_id}/outcome")
async def outcome(request: Request, activity_id: RecordId):
    form = await checked_form(request)
    user, found, la = editable(request, activity_id)
    grades = {area: text(form, area) for area, _ in _judgements(found) if text(form, area)}
    priority = text(form, "priority_action") == "yes"
    concerns = text(form, "partner_concerns") == "yes"
    note, problems = text(form, "note"), Problems()
    if not grades and not priority and not concerns:
        first = (
            _judgements(found)[0][0]
            if template_for_edition(found.activity_type, found.edition).graded
            else "priority_action"
        )
        problems.add(first, "choose at least one judgement, or the area for priority action")
    else:
        try:
            with UnitOfWork(request.app.state.engine) as uow:
                moved = outcomes.record_outcome(
                    uow,
                    activity_id=activity_id,
                    grades=grades,
                    priority_action=priority,
                    partner_concerns=concerns,
                    by=user.name,
                    note=note.strip(),
                    now=now_in_london(),
                )
        except REFUSED as exc:
            field = next((a for a in grades if a in str(exc)), next(iter(grades), "priority_action"))
            problems.add(field, str(exc))
    if problems:
        values = {**grades, "note": note, "priority_action": priority, "partner_concerns": concerns}
        return _outcome_page(request, found, la, status=400, problems=problems, values=values)
    return _done(
        request, f"Outcome recorded. {len(moved)} dates added or moved.", f"/activities/{activity_id}"
    )


# Requests for further information (Annex B) -------------------------------------------------------


def _requests_page(request, found, la, *, status=200, problems=None, values=None, form=None):
    values = values or {}
    with transaction(request.app.state.engine) as session:
        logged = further_information.requests(session, found.id)
    now = now_in_london()
    return _page(
        request,
        "requests",
        title="Requests for further information",
        status=status,
        problems=problems,
        values={
            "required_by": date_values(form if values.get("form") == "add" else None, "required_by"),
            "answered": date_values(form if values.get("form") == "answer" else None, "answered", now.date()),
            "answered-time": f"{now:%H:%M}",
            **values,
        },
        activity=found,
        la=la,
        label=activity_name(found, la),
        types=[
            {"value": code, "text": _sentence(label), "checked": values.get("type") == code}
            for code, label in further_information.REQUEST_TYPES.items()
        ],
        logged=logged,
        open_requests=[
            {"value": str(n), "text": f"{n}. {r.request}", "selected": values.get("number") == str(n)}
            for n, r in enumerate(logged, start=1)
            if r.responded_at is None
        ],
    )


@router.get("/activities/{activity_id}/requests")
def requests_page(request: Request, activity_id: RecordId):
    signed_in_user(request)
    found, la = _found(request, activity_id)
    return _requests_page(request, found, la)


@router.post("/activities/{activity_id}/requests")
async def add_request(request: Request, activity_id: RecordId):
    form = await checked_form(request)
    user, found, la = editable(request, activity_id)
    values = {"form": "add", **{k: text(form, k) for k in ("type", "what", "why")}}
    problems = Problems()
    if values["type"] not in further_information.REQUEST_TYPES:
        problems.add("type", "choose the type of request")
    for field, message in (("what", "enter what is requested"), ("why", "enter why it is needed")):
        if not values[field].strip():
            problems.add(field, message)
    required_by = read_moment(form, "required_by", "it is needed by", problems)
    if not problems:
        try:
            with UnitOfWork(request.app.state.engine) as uow:
                further_information.add_request(
                    uow,
                    activity_id=activity_id,
                    requested_by=user.name,
                    request_type=values["type"],
                    request=values["what"].strip(),
                    reason=values["why"].strip(),
                    required_by=required_by,
                    now=now_in_london(),
                )
        except REFUSED as exc:
            problems.add("what", str(exc))
    if problems:
        values["required_by-time"] = text(form, "required_by-time")
        return _requests_page(request, found, la, status=400, problems=problems, values=values, form=form)
    return _done(
        request,
        "Request logged; the local authority is sent it in writing.",
        f"/activities/{activity_id}/requests",
    )


@router.post("/activities/{activity_id}/requests/answer")
async def answer_request(request: Request, activity_id: RecordId):
    form = await checked_form(request)
    user, found, la = editable(request, activity_id)
    values = {"form": "answer", "number": text(form, "number"), "response": text(form, "response")}
    problems = Problems()
    if not (values["number"].isascii() and values["number"].isdigit()):
        problems.add("number", "choose the request that was answered")
    if not values["response"].strip():
        problems.add("response", "enter the local authority's response")
    answered = read_moment(form, "answered", "it was answered", problems)
    if not problems:
        try:
            with UnitOfWork(request.app.state.engine) as uow:
                further_information.answer_request(
                    uow,
                    activity_id=activity_id,
                    number=int(values["number"]),
                    response=values["response"].strip(),
                    at=answered,
                    by=user.name,
                    now=now_in_london(),
                )
        except REFUSED as exc:
            problems.add(
                "number" if "no further-information" in str(exc) else "answered",
                str(exc),
                anchor=None if "no further-information" in str(exc) else "answered-day",
            )
    if problems:
        values["answered-time"] = text(form, "answered-time")
        return _requests_page(request, found, la, status=400, problems=problems, values=values, form=form)
    return _done(request, "Response recorded.", f"/activities/{activity_id}/requests")


# Variance reasons and waivers -------------------------------------------------------------------------


def _compliance_page(request, found, la, *, status=200, problems=None, values=None):
    values = values or {}
    with transaction(request.app.state.engine) as session:
        rows = lifecycle.milestones(session, found.id)

    def keys(field: str) -> list[dict]:
        return [{"value": "", "text": "Choose a milestone"}] + [
            {"value": m.key, "text": m.title, "selected": values.get(field) == m.key}
            for m in rows
            if m.target
        ]

    return _page(
        request,
        "compliance",
        title="Variance reason or waiver",
        status=status,
        problems=problems,
        values=values,
        activity=found,
        la=la,
        label=activity_name(found, la),
        keys=keys("key"),
        waive_keys=keys("waive_key"),
        reasons=[
            {"value": code, "text": r.title, "checked": values.get("code") == code}
            for code, r in variance_reasons().items()
        ],
    )


@router.get("/activities/{activity_id}/compliance")
def compliance_page(request: Request, activity_id: RecordId):
    _, found, la = editable(request, activity_id)
    return _compliance_page(request, found, la)


@router.post("/activities/{activity_id}/compliance")
async def compliance_change(request: Request, activity_id: RecordId):
    """Two forms, two changes the compliance report reads: why a milestone was late (a reason from the
    configured list), or that it is waived (taken out of compliance, with why)."""
    form = await checked_form(request)
    user, found, la = editable(request, activity_id)
    change = text(form, "change")
    if change not in ("variance", "waive"):
        raise Refused(400, "This form could not be accepted", "Go back, reload the page and try again.")
    key_field = "key" if change == "variance" else "waive_key"
    values = {k: text(form, k) for k in ("key", "waive_key", "code", "waiver")}
    problems = Problems()
    if not values[key_field]:
        problems.add(key_field, "choose the milestone")
    if change == "variance" and not values["code"]:
        problems.add("code", "choose why it was late")
    if change == "waive" and not values["waiver"].strip():
        problems.add("waiver", "enter why it is waived")
    if not problems:
        common = {
            "activity_id": activity_id,
            "key": values[key_field],
            "by": user.name,
            "now": now_in_london(),
        }
        try:
            with UnitOfWork(request.app.state.engine) as uow:
                if change == "variance":
                    compliance.record_variance(uow.session, code=values["code"], **common)
                else:
                    compliance.waive(uow.session, reason=values["waiver"].strip(), **common)
        except REFUSED as exc:
            problems.add("code" if "variance reason" in str(exc) else key_field, str(exc))
    if problems:
        return _compliance_page(request, found, la, status=400, problems=problems, values=values)
    return _done(
        request,
        "Variance reason recorded." if change == "variance" else "Waived.",
        f"/activities/{activity_id}",
    )


# Calendar changes ---------------------------------------------------------------------------------------


def _calendar_page(request, *, status=200, problems=None):
    with transaction(request.app.state.engine) as session:
        review = calendar_changes.review(session, calendar_in_force())
    return _page(
        request,
        "calendar",
        title="Calendar changes",
        status=status,
        problems=problems,
        review=review,
        rows=[
            [
                {"text": f"#{c.activity_id}"},
                {"text": c.key.replace("_", " ")},
                {"text": emails.govuk_when(c.old_target) if c.old_target else "–"},
                {"text": emails.govuk_when(c.new_target) if c.new_target else "–"},
            ]
            for c in review.changes
        ],
    )


@router.get("/calendar-changes")
def calendar_page(request: Request):
    business_support(request)
    return _calendar_page(request)


@router.post("/calendar-changes")
async def calendar_apply(request: Request):
    await checked_form(request)
    user = business_support(request)
    try:
        with UnitOfWork(request.app.state.engine) as uow:
            applied = calendar_changes.apply(uow, by=user.name, now=now_in_london())
    except REFUSED as exc:
        problems = Problems()
        problems.add("apply", str(exc))
        return _calendar_page(request, status=400, problems=problems)
    return _done(request, f"{len(applied.changes)} open milestones recomputed.", "/calendar-changes")


# The programme for a region ------------------------------------------------------------------------------


def _region(value: str) -> str:
    """The region named, whatever its case (GOV.UK Frontend's select lower-cases its values)."""
    return next((r for r in OFSTED_REGIONS if r.lower() == value.strip().lower()), value)


def _programme_inputs(form: dict, problems: Problems) -> tuple[str, object, int]:
    years = text(form, "years").strip() or "3"
    region = _region(text(form, "region"))
    if region not in OFSTED_REGIONS:
        problems.add("region", "choose a region")
    start = read_date(form, "start", "the first day to plan from", problems)
    if not (years.isascii() and years.isdigit() and 1 <= int(years) <= 5):
        problems.add("years", "the years to plan must be a whole number from 1 to 5")
        years = "3"
    return region, start, int(years)


def _programme_page(request, *, status=200, problems=None, form=None, planned=None):
    form = form or {}
    region = _region(text(form, "region"))
    return _page(
        request,
        "programme",
        title="Plan the programme for a region",
        status=status,
        problems=problems,
        values={
            "start": date_values(form or None, "start", now_in_london().date()),
            "years": text(form, "years") or "3",
        },
        regions=[{"value": "", "text": "Choose a region"}]
        + [{"value": r, "text": r, "selected": r == region} for r in OFSTED_REGIONS],
        region=region,
        planned=planned,
    )


def _plan(session, region, start, years):
    end = start.replace(year=start.year + years, day=min(start.day, 28))
    return programme.plan(session, region=region, start=start, end=end, calendar=calendar_in_force())


@router.get("/programme/plan")
def programme_page(request: Request):
    business_support(request)
    form = dict(request.query_params)
    if not form:
        return _programme_page(request)
    problems = Problems()
    region, start, years = _programme_inputs(form, problems)
    if problems:
        return _programme_page(request, status=400, problems=problems, form=form)
    with transaction(request.app.state.engine) as session:
        planned = _plan(session, region, start, years)
    return _programme_page(request, form=form, planned=planned)


@router.post("/programme/plan")
async def programme_accept(request: Request):
    """Accept what the page showed: planned again from the same inputs, and registered in one
    transaction (all or none), as `ilacs programme accept` does."""
    form = await checked_form(request)
    user = business_support(request)
    problems = Problems()
    region, start, years = _programme_inputs(form, problems)
    if not problems:
        try:
            with UnitOfWork(request.app.state.engine) as uow:
                planned = _plan(uow.session, region, start, years)
                ids = programme.accept(
                    uow.session, planned, actor=user.name, now=now_in_london(), calendar=uow.calendar
                )
        except REFUSED as exc:
            problems.add("region", str(exc))
    if problems:
        return _programme_page(request, status=400, problems=problems, form=form)
    return _done(request, f"Registered {len(ids)} activities for {region}.", "/programme")
