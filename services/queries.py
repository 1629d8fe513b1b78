"""What staff ask of the store: what is due, what is overdue, one activity in full. Read-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlmodel import Session, select

from calendars import LONDON, WorkingDayCalendar
from models.records import Activity, LocalAuthority, Milestone
from models.timeline import PLANNED, MilestoneDate
from services.tracking import activity, milestones


@dataclass(frozen=True)
class Filters:
    region: str | None = None
    la_code: str | None = None
    owner: str | None = None
    activity_type: str | None = None


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
        key=row.key, title=row.title, owner=row.owner, source=row.source, target=london(row.target),
        forecast=london(row.forecast), actual=london(row.actual), status=row.status,
        provisional=row.provisional, calendar_version=row.calendar_version, not_applicable_rule=row.rule,
    )  # fmt: skip


def _open_milestones(session: Session, filters: Filters):
    query = (
        select(Milestone, Activity, LocalAuthority)
        .join(Activity, Milestone.activity_id == Activity.id)
        .join(LocalAuthority, Activity.la_id == LocalAuthority.id)
        .where(Milestone.actual.is_(None), Milestone.status == PLANNED, Activity.status != "cancelled")
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
