"""What staff ask of the store: what is due, what is overdue, one activity in full. Read-only."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from functools import lru_cache

from sqlmodel import Session, select

from calendars import LONDON, WorkingDayCalendar
from models.records import Activity, LocalAuthority, Milestone
from models.states import ActivityStatus, MilestoneStatus
from models.templates import activity_types, shipped_editions
from models.timeline import MilestoneDate
from services.tracking.lifecycle import activity, milestones
from services.validation import InvalidInput, one_of


@dataclass(frozen=True)
class Filters:
    region: str | None = None
    la_code: str | None = None
    owner: str | None = None
    activity_type: str | None = None

    def check(self, session: Session) -> Filters:
        """These filters, if each value could match something; else refused naming the valid values,
        so a misspelt filter is never answered with an empty list."""
        if self.region is not None:
            one_of(self.region, regions(session), "region")
        if self.la_code is not None:
            check_la_codes(session, [self.la_code])
        if self.owner is not None:
            one_of(self.owner, owners(), "owner")
        if self.activity_type is not None:
            one_of(self.activity_type, activity_types(), "activity type")
        return self


def regions(session: Session) -> list[str]:
    """The Ofsted regions of the LAs in the store."""
    return sorted(session.exec(select(LocalAuthority.ofsted_region).distinct()).all())


def la_codes(session: Session) -> set[str]:
    """The ONS codes of the LAs in the store."""
    return set(session.exec(select(LocalAuthority.ons_code)).all())


def check_la_codes(session: Session, codes: Iterable[str], what: str = "") -> None:
    """Refuse any ONS code no LA in the store has (compared here, not in SQL, so any text is safe)."""
    known = la_codes(session)
    for code in codes:
        if code not in known:
            prefix = f"{what}: " if what else ""
            raise InvalidInput(
                f"{prefix}{code!r} is not a known local authority: no LA in the store has that code"
            )


@lru_cache(maxsize=1)
def owners() -> tuple[str, ...]:
    """Every party the templates name as an owner; a filter on one matches each milestone whose owner
    names it (LA matches "Ofsted + LA")."""
    names = {
        name
        for edition in shipped_editions()
        for template in edition.templates.values()
        for rule in template.milestones
        for name in re.split(r"\s*[+/]\s*", rule.owner)
    }
    return tuple(sorted(names))


@dataclass(frozen=True)
class DueMilestone:
    activity: Activity
    la: LocalAuthority
    milestone: MilestoneDate


def as_milestone_date(row: Milestone) -> MilestoneDate:
    """A stored milestone in the shape the timeline functions give, times in London."""

    def london(moment: datetime | None) -> datetime | None:
        return moment.astimezone(LONDON) if moment else None

    return MilestoneDate(
        key=row.key,
        title=row.title,
        owner=row.owner,
        source=row.source,
        target=london(row.target),
        forecast=london(row.forecast),
        actual=london(row.actual),
        status=row.status,
        provisional=row.provisional,
        calendar_version=row.calendar_version,
        not_applicable_rule=row.rule,
    )


def _open_milestones(session: Session, filters: Filters):
    query = (
        select(Milestone, Activity, LocalAuthority)
        .join(Activity, Milestone.activity_id == Activity.id)
        .join(LocalAuthority, Activity.la_id == LocalAuthority.id)
        .where(
            Milestone.actual.is_(None),
            Milestone.status == MilestoneStatus.PLANNED,
            Activity.status != ActivityStatus.CANCELLED,
        )
    )
    if filters.region:
        query = query.where(LocalAuthority.ofsted_region == filters.region)
    if filters.la_code:
        query = query.where(LocalAuthority.ons_code == filters.la_code)
    if filters.activity_type:
        query = query.where(Activity.activity_type == filters.activity_type)
    if filters.owner:
        query = query.where(Milestone.owner.contains(filters.owner))
    return query


def due(
    session: Session, *, as_of: datetime, within: int, calendar: WorkingDayCalendar, filters: Filters
) -> list[DueMilestone]:
    """Open milestones forecast from `as_of` to the end of the `within`-th working day after it
    (0: the rest of today), soonest first. Forecasts, not targets: when they will now happen."""
    today = as_of.astimezone(LONDON).date()
    horizon = datetime.combine(calendar.add_working_days(today, within), time(23, 59, 59), tzinfo=LONDON)
    query = _open_milestones(session, filters).where(
        Milestone.forecast >= as_of, Milestone.forecast <= horizon
    )
    rows = session.exec(query.order_by(Milestone.forecast, Activity.id, Milestone.position))
    return [DueMilestone(a, la, as_milestone_date(m)) for m, a, la in rows]


def overdue(session: Session, *, as_of: datetime, filters: Filters) -> list[DueMilestone]:
    """Open milestones whose target has passed: overdue is judged against targets (spec section 3)."""
    query = _open_milestones(session, filters).where(Milestone.target < as_of)
    rows = session.exec(query.order_by(Milestone.target, Activity.id, Milestone.position))
    return [DueMilestone(a, la, as_milestone_date(m)) for m, a, la in rows]


def show(session: Session, activity_id: int) -> tuple[Activity, LocalAuthority, list[MilestoneDate]]:
    found = activity(session, activity_id)
    la = session.get(LocalAuthority, found.la_id)
    return found, la, [as_milestone_date(m) for m in milestones(session, activity_id)]
