"""Who an email about an activity goes to: the LA's contacts and Ofsted's staff, by role.

Only the activity's own LA's contacts are ever looked up, so no LA receives anything about another
LA's activity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, or_, select

from models.records import (
    CONTACT_ROLES,
    NATIONAL_ROLES,
    Activity,
    Contact,
    LocalAuthority,
    NationalContact,
    StaffMember,
)

DCS_FALLBACK = ("dcs", "most_senior_manager", "chief_executive")  # [003 ¶75]
OWNER_ROLES = {  # who at Ofsted answers for a milestone, by the template's owner
    "Ofsted": "lead_inspector",
    "Ofsted + LA": "lead_inspector",
    "RD": "regional_director",
    "SHMI": "senior_hmi",
    "SHMI + DCS": "senior_hmi",
    "RD/SHMI + DCS": "senior_hmi",
    "LA": "dcs",
}
REGIONAL_ROLES = ("senior_hmi", "regional_director", "business_support")


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    role: str
    la_facing: bool  # a local authority's contact, not Ofsted's staff
    national: bool = False  # outside Ofsted and the LAs: the DfE, a partner inspectorate


def _contact(session: Session, la_id: int, role: str, on: date) -> Person | None:
    query = (
        select(Contact)
        .where(Contact.la_id == la_id, Contact.role == role, Contact.valid_from <= on)
        .where(or_(Contact.valid_to.is_(None), Contact.valid_to >= on))
        .order_by(Contact.valid_from.desc(), Contact.id)
    )
    found = session.exec(query).first()
    return Person(found.name, found.email, role, la_facing=True) if found else None


def _national(session: Session, role: str, on: date) -> list[Person]:
    query = (
        select(NationalContact)
        .where(NationalContact.role == role, NationalContact.valid_from <= on)
        .where(or_(NationalContact.valid_to.is_(None), NationalContact.valid_to >= on))
        .order_by(NationalContact.organisation, NationalContact.id)
    )
    return [Person(c.name, c.email, role, la_facing=False, national=True) for c in session.exec(query)]


def _staff(session: Session, role: str, region: str | None, name: str | None = None) -> Person | None:
    query = (
        select(StaffMember).where(StaffMember.name == name)
        if name
        else select(StaffMember).where(StaffMember.role == role)
    )
    if not name and role in REGIONAL_ROLES:
        query = query.where(or_(StaffMember.ofsted_region == region, StaffMember.ofsted_region.is_(None)))
        query = query.order_by(StaffMember.ofsted_region.is_(None), StaffMember.name)
    found = session.exec(query).first()
    return Person(found.name, found.email, role, la_facing=False) if found else None


def resolve(
    session: Session, activity: Activity, role: str, *, on: date, milestone_owner: str = ""
) -> Person | None:
    """The person in `role` for this activity on day `on`, or None if nobody holds it.

    `dcs` falls back to the most senior manager, then the chief executive [003 ¶75]; `owner` is the
    Ofsted person answering for the milestone (its template owner).
    """
    if role == "owner":
        role = OWNER_ROLES.get(milestone_owner, "lead_inspector")
    la = session.get(LocalAuthority, activity.la_id)
    if role == "dcs":
        return next((p for r in DCS_FALLBACK if (p := _contact(session, la.id, r, on))), None)
    if role in CONTACT_ROLES:
        return _contact(session, la.id, role, on)
    if role in NATIONAL_ROLES:
        return next(iter(_national(session, role, on)), None)
    if role == "lead_inspector":
        found = _staff(session, role, la.ofsted_region, name=activity.lead_inspector)
        return found and Person(found.name, found.email, "lead_inspector", la_facing=False)
    return _staff(session, role, la.ofsted_region)


def resolve_all(
    session: Session, activity: Activity, roles: tuple[str, ...], *, on: date, milestone_owner: str = ""
) -> list[Person]:
    """The people holding `roles`, each once, in the order of `roles`; roles nobody holds are skipped."""
    found = [
        person
        for role in roles
        for person in (
            _national(session, role, on)  # every partner inspectorate, not only the first
            if role in NATIONAL_ROLES
            else [resolve(session, activity, role, on=on, milestone_owner=milestone_owner)]
        )
    ]
    return [p for p in dict.fromkeys(found) if p is not None]
