"""The one place every email passes through, when it is queued and again when it is sent.

- Confidentiality [003 ¶52, ¶73]: nothing about a short-notice inspection or visit reaches the local
  authority before its notification is recorded as done. Such emails are dropped, not queued.
- One LA only: an LA-facing email goes only to a contact of the activity's own LA.
- National recipients (the DfE, partner inspectorates) hear nothing of a short-notice activity before
  its notification is recorded either [003 ¶204].
- Embargo [003 ¶224, ¶233]: an email that carries or announces a final report or letter says it is
  under embargo until publication, and goes only to the LA's contacts, Ofsted's staff and the
  national recipients the policy copies it to (the DfE, the partner inspectorates).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from models.records import Activity, Contact, Milestone
from models.reminders import Policy
from models.templates import template_for_edition
from services.mail.recipients import Person


@dataclass(frozen=True)
class Verdict:
    admitted: bool
    reason: str = ""


def notified(session: Session, activity: Activity) -> bool:
    """True once the activity's notification milestone has an actual."""
    key = template_for_edition(activity.activity_type, activity.edition).notification_key
    row = session.exec(
        select(Milestone).where(Milestone.activity_id == activity.id, Milestone.key == key)
    ).first()
    return bool(row and row.actual)


def admit(session: Session, activity: Activity | None, person: Person, policy: Policy) -> Verdict:
    """May `person` be sent an email about `activity` now? (None: internal mail about many activities.)"""
    if person.national and activity and activity.activity_type in policy.short_notice:
        if not notified(session, activity):  # the DfE is told once the activity has started [003 ¶204]
            return Verdict(admitted=False, reason="confidential: the notification is not recorded yet")
    if not person.la_facing:
        return Verdict(admitted=True)
    if activity is None:
        return Verdict(admitted=False, reason="mail about several activities goes to Ofsted's staff only")
    if activity.activity_type in policy.short_notice and not notified(session, activity):
        return Verdict(admitted=False, reason="confidential: the notification is not recorded yet")
    own_contact = session.exec(
        select(Contact.id).where(Contact.la_id == activity.la_id, Contact.email == person.email)
    ).first()
    if own_contact is None:
        return Verdict(admitted=False, reason=f"{person.email} is not a contact of this activity's LA")
    return Verdict(admitted=True)


def embargo_subject(subject: str) -> str:
    return subject if subject.startswith("EMBARGOED") else f"EMBARGOED: {subject}"
