"""What every email about an activity is built from: its milestones by key, and the facts every
template is given (the activity, its LA, the recipient, the activity's title, the lead inspector's
name and email address)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from calendars import LONDON
from models.records import Activity, LocalAuthority, Milestone, StaffMember
from models.states import MilestoneStatus
from models.templates import template_for_edition
from services.mail.recipients import Person


def activity_context(session: Session, activity: Activity, person: Person) -> dict:
    template = template_for_edition(activity.activity_type, activity.edition)
    lead = session.exec(select(StaffMember).where(StaffMember.name == activity.lead_inspector)).first()
    return {
        "activity": activity,
        "la": session.get(LocalAuthority, activity.la_id),
        "recipient": person,
        "title": template.title,
        "template": template,  # the activity's edition: the numbers its letters state
        "graded": template.graded,
        "onsite": activity.onsite,
        "fieldwork_end": activity.fieldwork_end,
        "embargoed": None,
        "lead": {"name": activity.lead_inspector, "email": lead.email if lead else ""},
    }


def milestones_by_key(session: Session, activity_id: int) -> dict[str, Milestone]:
    query = select(Milestone).where(Milestone.activity_id == activity_id).order_by(Milestone.position)
    return {m.key: m for m in session.exec(query)}


def open_forecast(rows: dict[str, Milestone], key: str) -> datetime | None:
    """The forecast of milestone `key` in London time, while it is still planned."""
    row = rows.get(key)
    return (
        row.forecast.astimezone(LONDON)
        if row and row.forecast and row.status == MilestoneStatus.PLANNED
        else None
    )
