"""The overviews: programme, local authority, outbox (with resend), audit, and a region's calendar feed."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from markupsafe import Markup
from sqlmodel import select

from interfaces.web import lists
from interfaces.web.session import (
    RecordId,
    Refused,
    checked_form,
    csrf_token,
    now_in_london,
    render,
    signed_in_user,
)
from models.records import AuditEntry, LocalAuthority, OutboxMessage
from models.states import ActivityStatus
from services.mail import emails, outbox
from services.settings import calendar_in_force
from services.store import audit
from services.store.database import transaction
from services.tracking.unit_of_work import UnitOfWork

router = APIRouter()


RESEND_FORM = (
    '<form method="post" action="/outbox/{}/resend">'
    '<input type="hidden" name="csrf_token" value="{}">'
    '<button class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0">Resend</button></form>'
)


@router.get("/outbox")
def outbox_page(request: Request):
    user = signed_in_user(request)
    with transaction(request.app.state.engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(200)).all()
    token = csrf_token(request)

    def action(m: OutboxMessage) -> dict:
        if user.role != "business_support" or m.status not in outbox.RESENDABLE:
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


@router.post("/outbox/{message_id}/resend")
async def resend(request: Request, message_id: RecordId):
    await checked_form(request)
    user = signed_in_user(request)
    if user.role != "business_support":
        raise Refused(403, "You cannot resend emails", "Only business support can resend an email.")
    try:
        with UnitOfWork(request.app.state.engine) as uow:
            message = outbox.resend(uow, message_id, by=user.name, now=now_in_london())
    except outbox.NotResendable:
        raise Refused(404, "Nothing to resend", "Only a failed or cancelled email can be resent.") from None
    request.session["flash"] = f"Queued again: {message.subject}"
    return RedirectResponse("/outbox", status_code=303)


@router.get("/audit")
def audit_page(request: Request):
    signed_in_user(request)
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

    signed_in_user(request)
    rules = shipped_rules()
    with transaction(request.app.state.engine) as session:
        rows = session.exec(
            select(Activity, LocalAuthority)
            .join(LocalAuthority, Activity.la_id == LocalAuthority.id)
            .where(Activity.status == ActivityStatus.PLANNED, Activity.onsite >= now_in_london().date())
            .order_by(LocalAuthority.ofsted_region, Activity.onsite)
        ).all()
    table, used = [], defaultdict(int)
    for a, la in rows:
        table.append(
            [
                {"text": la.ofsted_region},
                {"text": f"{a.onsite:%B %Y}"},
                {"text": emails.govuk_day(a.onsite)},
                {"html": lists.link_to(a, la)},
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
    from models.programme import demands, in_words, judged, labelled, load_rules, pathway
    from models.records import Activity, Contact
    from models.templates import edition_named
    from services.reports import programme, queries

    signed_in_user(request)
    now = now_in_london()
    if not (code.isascii() and code.isalnum()):  # no ONS code is otherwise, and PostgreSQL refuses NUL
        raise Refused(404, "Page not found", f"There is no local authority with ONS code {code}.")
    with transaction(request.app.state.engine) as session:
        la = session.exec(select(LocalAuthority).where(LocalAuthority.ons_code == code)).first()
        if la is None:
            raise Refused(404, "Page not found", f"There is no local authority with ONS code {code}.")
        contacts = session.exec(select(Contact).where(Contact.la_id == la.id).order_by(Contact.role)).all()
        history = session.exec(
            select(Activity).where(Activity.la_id == la.id).order_by(Activity.onsite.desc())
        ).all()
        grades = queries.judgements(session, [a.id for a in history])
        states = [
            s
            for s in programme.starting_states(session, region=la.ofsted_region, deteriorating=frozenset())
            if s.code == code
        ]
    lead = [f"{la.name} ({la.ons_code}), {la.la_type or 'local authority'}, {la.ofsted_region}."]
    if states:
        state = states[0]
        wanted, notes = demands(
            state, load_rules(), calendar_in_force(), now.date(), now.date().replace(year=now.year + 3)
        )
        lead.append(
            f"Pathway {pathway(state)}: last graded {state.last_type.replace('-', ' ')} ended "
            f"{emails.govuk_day(state.last_end)}, judged " + f"{in_words(judged(state))}."
        )
        for d in wanted[:3]:
            lead.append(
                f"Next: {d.activity_type.replace('-', ' ')}, window {emails.govuk_day(d.earliest)} to "
                f"{emails.govuk_day(d.latest)}."
            )
        lead += notes
    summary = [
        {
            "key": {"text": c.role.replace("_", " ").capitalize()},
            "value": {
                "html": Markup('{}<br><a class="govuk-link" href="mailto:{}">{}</a>').format(
                    c.name, c.email, c.email
                )
            },
        }
        for c in contacts
        if c.valid_to is None or c.valid_to >= now.date()
    ]
    rows = [
        [
            {"html": lists.link_to(a, la)},
            {"text": a.activity_type.replace("-", " ")},
            {"text": emails.govuk_day(a.onsite)},
            {"text": a.status},
            {"html": lists.judgements(labelled(edition_named(a.edition), grades.get(a.id, {})))},
        ]
        for a in history
    ]
    head = [{"text": t} for t in ("Activity", "Type", "On site", "Status", "Judgements")]
    return render(
        request,
        "simple.html",
        title=la.name,
        head=head,
        rows=rows,
        lead=lead,
        summary=summary,
        summary_title="Contacts",
    )
