"""Who an email about an activity goes to: the LA's contacts and Ofsted's staff, by role.

Only the activity's own LA's contacts are ever looked up, so no LA receives anything about another
LA's activity. The rules work over a `Directory` of rows loaded in a few queries, so that the daily
sweep resolves every recipient of every activity without a query per message.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

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


@dataclass
class Directory:
    """The LAs, their contacts, Ofsted's staff and the national recipients, as loaded for the activities
    in hand."""

    las: dict[int, LocalAuthority]
    contacts: dict[int, list[Contact]]  # by LA id, newest first
    staff: list[StaffMember]  # by id
    national: list[NationalContact] = field(default_factory=list)  # by organisation
    _emails: dict[int, set[str]] = field(default_factory=dict)
    _staff_found: dict[tuple, Person | None] = field(default_factory=dict)
    _people: dict[tuple, list[Person]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, la_ids: Iterable[int]) -> Directory:
        """Four queries, however many activities: the LAs, their contacts, the staff and the national
        recipients."""
        ids = sorted(set(la_ids))
        las = {la.id: la for la in session.exec(select(LocalAuthority).where(LocalAuthority.id.in_(ids)))}
        contacts: dict[int, list[Contact]] = defaultdict(list)
        query = select(Contact).where(Contact.la_id.in_(ids)).order_by(Contact.valid_from.desc(), Contact.id)
        for contact in session.exec(query):
            contacts[contact.la_id].append(contact)
        staff = list(session.exec(select(StaffMember).order_by(StaffMember.id)))
        national = list(
            session.exec(select(NationalContact).order_by(NationalContact.organisation, NationalContact.id))
        )
        return cls(las, contacts, staff, national)

    def contact_emails(self, la_id: int) -> set[str]:
        if la_id not in self._emails:
            self._emails[la_id] = {c.email for c in self.contacts.get(la_id, ())}
        return self._emails[la_id]

    def _contact(self, la_id: int, role: str, on: date) -> Person | None:
        found = next(
            (
                c
                for c in self.contacts.get(la_id, ())
                if c.role == role and c.valid_from <= on and (c.valid_to is None or c.valid_to >= on)
            ),
            None,
        )
        return Person(found.name, found.email, role, la_facing=True) if found else None

    def _national(self, role: str, on: date) -> list[Person]:
        """Everyone in a national role on day `on` (every partner inspectorate, not only the first)."""
        return [
            Person(c.name, c.email, role, la_facing=False, national=True)
            for c in self.national
            if c.role == role and c.valid_from <= on and (c.valid_to is None or c.valid_to >= on)
        ]

    def _staff(self, role: str, region: str | None, name: str | None = None) -> Person | None:
        """Kept once found: the sweep asks the same of thousands of activities."""
        if (role, region, name) not in self._staff_found:
            self._staff_found[(role, region, name)] = self._find_staff(role, region, name)
        return self._staff_found[(role, region, name)]

    def _find_staff(self, role: str, region: str | None, name: str | None) -> Person | None:
        if name:
            found = next((s for s in self.staff if s.name == name), None)
        elif role in REGIONAL_ROLES:
            candidates = [s for s in self.staff if s.role == role and s.ofsted_region in (region, None)]
            found = min(candidates, key=lambda s: (s.ofsted_region is None, s.name), default=None)
        else:
            found = next((s for s in self.staff if s.role == role), None)
        return Person(found.name, found.email, role, la_facing=False) if found else None

    def resolve(self, activity: Activity, role: str, *, on: date, milestone_owner: str = "") -> Person | None:
        """The person in `role` for this activity on day `on`, or None if nobody holds it.

        `dcs` falls back to the most senior manager, then the chief executive [003 ¶75]; `owner` is the
        Ofsted person answering for the milestone (its template owner).
        """
        if role == "owner":
            role = OWNER_ROLES.get(milestone_owner, "lead_inspector")
        la = self.las[activity.la_id]
        if role == "dcs":
            return next((p for r in DCS_FALLBACK if (p := self._contact(la.id, r, on))), None)
        if role in CONTACT_ROLES:
            return self._contact(la.id, role, on)
        if role in NATIONAL_ROLES:
            return next(iter(self._national(role, on)), None)
        if role == "lead_inspector":
            found = self._staff(role, la.ofsted_region, name=activity.lead_inspector)
            return found and Person(found.name, found.email, "lead_inspector", la_facing=False)
        return self._staff(role, la.ofsted_region)

    def resolve_all(
        self, activity: Activity, roles: tuple[str, ...], *, on: date, milestone_owner: str = ""
    ) -> list[Person]:
        """The people holding `roles`, each once, in the order of `roles`; roles nobody holds are skipped.
        Kept by what the answer depends on (the LA, the lead inspector, the day), for the next activity."""
        asked = (activity.la_id, activity.lead_inspector, roles, on, milestone_owner)
        if asked not in self._people:
            found = [
                person
                for role in roles
                for person in (
                    self._national(role, on)
                    if role in NATIONAL_ROLES
                    else [self.resolve(activity, role, on=on, milestone_owner=milestone_owner)]
                )
            ]
            self._people[asked] = [p for p in dict.fromkeys(found) if p is not None]
        return list(self._people[asked])


def resolve(
    session: Session, activity: Activity, role: str, *, on: date, milestone_owner: str = ""
) -> Person | None:
    """`Directory.resolve` for one activity."""
    return Directory.load(session, [activity.la_id]).resolve(
        activity, role, on=on, milestone_owner=milestone_owner
    )


def resolve_all(
    session: Session, activity: Activity, roles: tuple[str, ...], *, on: date, milestone_owner: str = ""
) -> list[Person]:
    """`Directory.resolve_all` for one activity."""
    return Directory.load(session, [activity.la_id]).resolve_all(
        activity, roles, on=on, milestone_owner=milestone_owner
    )
