"""What every email about an activity is built from: its milestones by key, and the facts every
template is given (the activity, its LA, the recipient, the activity's title, the lead inspector's
name and email address). `Facts` holds them for many activities at once, loaded in a few queries,
so the sender renders a batch of messages without a query per message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from calendars import LONDON, WorkingDayCalendar
from models.records import Activity, LocalAuthority, Milestone, StaffMember
from models.states import MilestoneStatus
from models.templates import template_for_edition
from services.mail import calendar_files
from services.mail.recipients import Person


def activity_context(session: Session, activity: Activity, person: Person) -> dict:
    lead = session.exec(select(StaffMember).where(StaffMember.name == activity.lead_inspector)).first()
    return context_of(
        activity, session.get(LocalAuthority, activity.la_id), lead.email if lead else "", person
    )


def context_of(activity: Activity, la: LocalAuthority, lead_email: str, person: Person) -> dict:
    """The facts every template is given, from rows already loaded."""
    template = template_for_edition(activity.activity_type, activity.edition)
    return {
        "activity": activity,
        "la": la,
        "recipient": person,
        "title": template.title,
        "template": template,  # the activity's edition: the numbers its letters state
        "graded": template.graded,
        "onsite": activity.onsite,
        "fieldwork_end": activity.fieldwork_end,
        "embargoed": None,
        "lead": {"name": activity.lead_inspector, "email": lead_email},
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


@dataclass
class Facts:
    """Activities with their LAs, lead inspectors' addresses, milestones (by key, in order) and date
    versions (calendar_files.date_versions), loaded in five queries however many activities; and the
    calendar files built from them, each once per activity, version of its dates and selection."""

    activities: dict[int, Activity]
    las: dict[int, LocalAuthority]
    lead_emails: dict[str, str]
    milestones: dict[int, dict[str, Milestone]]
    versions: dict[int, calendar_files.DateVersions]
    calendar: WorkingDayCalendar
    _files: dict[tuple, str] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, activity_ids: Sequence[int], *, calendar: WorkingDayCalendar) -> Facts:
        ids = sorted(set(activity_ids))
        activities = {a.id: a for a in session.exec(select(Activity).where(Activity.id.in_(ids)))}
        la_ids = sorted({a.la_id for a in activities.values()})
        las = {la.id: la for la in session.exec(select(LocalAuthority).where(LocalAuthority.id.in_(la_ids)))}
        leads = sorted({a.lead_inspector for a in activities.values() if a.lead_inspector})
        query = select(StaffMember.name, StaffMember.email).where(StaffMember.name.in_(leads))
        lead_emails = {name: email for name, email in session.exec(query)}
        milestones: dict[int, dict[str, Milestone]] = {i: {} for i in activities}
        query = select(Milestone).where(Milestone.activity_id.in_(ids))
        for row in session.exec(query.order_by(Milestone.activity_id, Milestone.position)):
            milestones[row.activity_id][row.key] = row
        versions = calendar_files.date_versions_of(session, ids)
        return cls(activities, las, lead_emails, milestones, versions, calendar)

    def context(self, activity: Activity, person: Person) -> dict:
        return context_of(
            activity, self.las[activity.la_id], self.lead_emails.get(activity.lead_inspector, ""), person
        )

    def calendar_file(
        self, activity: Activity, *, for_la: bool, keys: Sequence[str] | None = None, fieldwork: bool = True
    ) -> str:
        """`calendar_files.activity_calendar` from the loaded rows, built once per activity, version of
        its dates (the moves counted in the audit log and the last one's time) and selection."""
        versions = self.versions.get(activity.id, ({}, None))
        moves, last = versions
        selected = None if keys is None else tuple(keys)
        asked = (activity.id, last, tuple(sorted(moves.items())), for_la, selected, fieldwork)
        if asked not in self._files:
            la = self.las[activity.la_id]
            events, last = calendar_files.events_of(
                activity,
                la,
                self.milestones[activity.id].values(),
                versions,
                calendar=self.calendar,
                for_la=for_la,
                keys=keys,
                fieldwork=fieldwork,
            )
            self._files[asked] = calendar_files.activity_file(activity, la, events, last)
        return self._files[asked]
