"""What staff ask of the store: what is due, what is overdue, one activity in full. Read-only."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache

from sqlalchemy import case, func
from sqlmodel import Session, select

from calendars import LONDON, WorkingDayCalendar
from models.compliance import LA_OWNER
from models.records import Activity, Judgement, LocalAuthority, Milestone
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


def open_milestones(filters: Filters, *columns, with_la: bool = False):
    """Open milestones of live activities, the filters applied in SQL. The LA is joined only when a
    filter or a column needs it, so that counts can come from the milestone index alone."""
    query = (
        select(*columns)
        .select_from(Milestone)
        .join(Activity, Milestone.activity_id == Activity.id)
        .where(
            Milestone.actual.is_(None),
            Milestone.status == MilestoneStatus.PLANNED,
            Activity.status != ActivityStatus.CANCELLED,
        )
    )
    if with_la or filters.region or filters.la_code:
        query = query.join(LocalAuthority, Activity.la_id == LocalAuthority.id)
    if filters.region:
        query = query.where(LocalAuthority.ofsted_region == filters.region)
    if filters.la_code:
        query = query.where(LocalAuthority.ons_code == filters.la_code)
    if filters.activity_type:
        query = query.where(Activity.activity_type == filters.activity_type)
    if filters.owner:
        query = query.where(Milestone.owner.contains(filters.owner))
    return query


@dataclass(frozen=True)
class Page:
    """One page of a list, with the counts of the whole list: `total`, and `sections` (for due: "today"
    and "later"; for overdue: "ofsted" and "la", by who owns the milestone)."""

    items: list[DueMilestone]
    total: int
    sections: dict[str, int]
    limit: int | None
    offset: int

    @property
    def number(self) -> int:
        return self.offset // self.limit + 1 if self.limit else 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit)) if self.limit else 1


def _counted(session: Session, filters: Filters, where, sections: dict) -> tuple[int, dict[str, int]]:
    """The total and each section's count in one aggregate query."""
    columns = [func.count()] + [func.sum(case((test, 1), else_=0)) for test in sections.values()]
    total, *counts = session.exec(open_milestones(filters, *columns).where(*where)).one()
    return total, {name: int(n or 0) for name, n in zip(sections, counts, strict=True)}


def _page(session: Session, filters: Filters, where, order, sections, limit, offset) -> Page:
    if limit is not None and limit < 1:
        raise InvalidInput(f"limit {limit}: show at least 1 row a page")
    if offset < 0:
        raise InvalidInput(f"offset {offset}: cannot be negative")
    total, counts = _counted(session, filters, where, sections)
    if offset and offset >= total:
        last = max(1, -(-total // limit)) if limit else 1
        raise InvalidInput(f"page {offset // (limit or 1) + 1} is past the last page ({last})")
    # the page's milestones picked from the index, then only those loaded whole
    chosen = open_milestones(filters, Milestone.id).where(*where).order_by(*order).offset(offset).limit(limit)
    query = open_milestones(filters, Milestone, Activity, LocalAuthority, with_la=True)
    rows = session.exec(query.where(Milestone.id.in_(chosen.scalar_subquery())).order_by(*order))
    items = [DueMilestone(a, la, as_milestone_date(m)) for m, a, la in rows]
    return Page(items, total, counts, limit, offset)


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=LONDON)


def due_page(
    session: Session,
    *,
    as_of: datetime,
    within: int,
    calendar: WorkingDayCalendar,
    filters: Filters,
    limit: int | None = None,
    offset: int = 0,
) -> Page:
    """Open milestones forecast from `as_of` to the end of the `within`-th working day after it
    (0: the rest of today), soonest first. Forecasts, not targets: when they will now happen."""
    today = as_of.astimezone(LONDON).date()
    horizon = _end_of(calendar.add_working_days(today, within))
    where = (Milestone.forecast >= as_of, Milestone.forecast <= horizon)
    sections = {"today": Milestone.forecast <= _end_of(today), "later": Milestone.forecast > _end_of(today)}
    order = (Milestone.forecast, Milestone.activity_id, Milestone.position)
    return _page(session, filters, where, order, sections, limit, offset)


def overdue_page(
    session: Session, *, as_of: datetime, filters: Filters, limit: int | None = None, offset: int = 0
) -> Page:
    """Open milestones whose target has passed: overdue is judged against targets (spec section 3)."""
    where = (Milestone.target < as_of,)
    sections = {"ofsted": Milestone.owner != LA_OWNER, "la": Milestone.owner == LA_OWNER}  # as owner_class
    order = (Milestone.target, Milestone.activity_id, Milestone.position)
    return _page(session, filters, where, order, sections, limit, offset)


def due(
    session: Session, *, as_of: datetime, within: int, calendar: WorkingDayCalendar, filters: Filters
) -> list[DueMilestone]:
    """Every milestone `due_page` would list."""
    return due_page(session, as_of=as_of, within=within, calendar=calendar, filters=filters).items


def overdue(session: Session, *, as_of: datetime, filters: Filters) -> list[DueMilestone]:
    """Every milestone `overdue_page` would list."""
    return overdue_page(session, as_of=as_of, filters=filters).items


def judgements(session: Session, activity_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """The judgements recorded for each of these activities (area to grade), by activity."""
    graded: dict[int, dict[str, str]] = {}
    for j in session.exec(select(Judgement).where(Judgement.activity_id.in_(list(activity_ids)))):
        graded.setdefault(j.activity_id, {})[j.area] = j.grade
    return graded


def show(session: Session, activity_id: int) -> tuple[Activity, LocalAuthority, list[MilestoneDate]]:
    found = activity(session, activity_id)
    la = session.get(LocalAuthority, found.la_id)
    return found, la, [as_milestone_date(m) for m in milestones(session, activity_id)]
