"""The dashboard's lists, each filtered, counted and paged in SQL so that a page costs the same at 100
activities as at 10,000: Today's sections, every activity (find), every local authority. Read-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from math import ceil

from sqlalchemy import exists, func, or_
from sqlmodel import Session, select

from calendars import LONDON, WorkingDayCalendar
from models.records import Activity, LocalAuthority, Milestone
from models.states import ActivityStatus, MilestoneStatus
from services.reports import queries

PER_PAGE = 25


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, the number of the page (from 1) and how many rows match in all."""

    rows: list
    number: int
    total: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))


def _paged(session: Session, query, order, number: int, per_page: int = PER_PAGE) -> Page:
    """`query` counted, then the page `number` of it in `order` (a page past the end shows the last)."""
    total = session.exec(select(func.count()).select_from(query.order_by(None).subquery())).one()
    number = min(max(1, number), max(1, ceil(total / per_page)))
    rows = session.exec(query.order_by(*order).offset((number - 1) * per_page).limit(per_page)).all()
    return Page(list(rows), number, total, per_page)


# Today ------------------------------------------------------------------------------------------------


def _open_rows():
    """Open milestones of live activities with their activity and LA, as the ORM's rows (an inspector's
    list and an officer's digest use them whole); `queries` pages the filtered lists in SQL."""
    return (
        select(Milestone, Activity, LocalAuthority)
        .join(Activity, Milestone.activity_id == Activity.id)
        .join(LocalAuthority, Activity.la_id == LocalAuthority.id)
        .where(
            Milestone.actual.is_(None),
            Milestone.status == MilestoneStatus.PLANNED,
            Activity.status != ActivityStatus.CANCELLED,
        )
    )


def today_section(
    session: Session,
    section: str,
    *,
    as_of: datetime,
    calendar: WorkingDayCalendar,
    filters: queries.Filters,
    number: int = 1,
    per_page: int = PER_PAGE,
) -> Page:
    """One of Today's sections, a page of it (a page past the end shows the last), as
    queries.DueMilestone rows: overdue (the target has passed), due today (forecast from now to the end
    of the day), due soon (forecast in the next 5 working days after today). Paged by `queries.due_page`
    and `queries.overdue_page`, as `ilacs due` and `ilacs overdue` are."""
    paging = {"limit": per_page, "offset": (max(1, number) - 1) * per_page, "last_if_past": True}
    if section == "overdue":
        page = queries.overdue_page(session, as_of=as_of, filters=filters, **paging)
    else:
        page = queries.due_page(
            session,
            as_of=as_of,
            within=5,
            calendar=calendar,
            filters=filters,
            section="today" if section == "today" else "later",
            **paging,
        )
    return Page(page.items, page.number, page.total, per_page)


# Find: every activity ---------------------------------------------------------------------------------

STATUSES = ("planned", "active", "done", "cancelled")
SORTS = {  # what a column heading sorts by, then a stable tie-break
    "onsite": (Activity.onsite,),
    "la": (LocalAuthority.name,),
    "type": (Activity.activity_type,),
    "lead": (Activity.lead_inspector,),
}


@dataclass(frozen=True)
class ActivitySearch:
    q: str = ""
    activity_type: str | None = None
    region: str | None = None
    status: str | None = None
    onsite_from: date | None = None
    onsite_to: date | None = None
    sort: str = "onsite"
    descending: bool = False


def _open_milestone():
    return exists().where(Milestone.activity_id == Activity.id, Milestone.status == MilestoneStatus.PLANNED)


def activity_state(activity: Activity, *, has_open: bool, today: date) -> str:
    """Planned (before its first day on site), active (on site or after, with a milestone still open),
    done (nothing open, or imported history) or cancelled: the words of the find page's status filter."""
    if activity.status == ActivityStatus.CANCELLED:
        return "cancelled"
    if activity.status == ActivityStatus.HISTORIC or not has_open:
        return "done"
    return "planned" if activity.onsite > today else "active"


def _in_state(state: str, has_open, today: date):
    """The SQL condition for `activity_state(...) == state`."""
    live = Activity.status == ActivityStatus.PLANNED
    return {
        "cancelled": Activity.status == ActivityStatus.CANCELLED,
        "done": or_(Activity.status == ActivityStatus.HISTORIC, live & ~has_open),
        "planned": live & has_open & (Activity.onsite > today),
        "active": live & has_open & (Activity.onsite <= today),
    }[state]


def find_activities(
    session: Session, search: ActivitySearch, *, today: date, number: int = 1, per_page: int = PER_PAGE
) -> Page:
    """Every activity matching `search`, a page of (Activity, LocalAuthority, has an open milestone)."""
    has_open = _open_milestone()
    query = select(Activity, LocalAuthority, has_open.label("has_open")).join(
        LocalAuthority, Activity.la_id == LocalAuthority.id
    )
    text = search.q.strip().lower()
    if text:
        matches = [
            func.lower(LocalAuthority.name).contains(text, autoescape=True),
            func.lower(LocalAuthority.ons_code).contains(text, autoescape=True),
            func.lower(Activity.lead_inspector).contains(text, autoescape=True),
        ]
        number_asked = text.removeprefix("#")
        if number_asked.isascii() and number_asked.isdigit() and len(number_asked) <= 18:
            matches.append(Activity.id == int(number_asked))
        query = query.where(or_(*matches))
    if search.activity_type:
        query = query.where(Activity.activity_type == search.activity_type)
    if search.region:
        query = query.where(LocalAuthority.ofsted_region == search.region)
    if search.onsite_from:
        query = query.where(Activity.onsite >= search.onsite_from)
    if search.onsite_to:
        query = query.where(Activity.onsite <= search.onsite_to)
    if search.status:
        query = query.where(_in_state(search.status, has_open, today))
    columns = SORTS[search.sort]
    order = [c.desc() for c in columns] if search.descending else list(columns)
    return _paged(session, query, (*order, Activity.id), number, per_page)


# Every local authority --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalAuthorityRow:
    la: LocalAuthority
    pathway: str | None  # "1", "2" or "3"; None when no graded inspection is known
    judgements: tuple[tuple[str, str], ...]  # the latest inspection's, as (label, grade); () when none known
    next_activity: Activity | None


def local_authorities(
    session: Session, *, today: date, region: str | None = None, number: int = 1, per_page: int = PER_PAGE
) -> Page:
    """A page of the current LAs (of `region`, if given), by name, as LocalAuthorityRow: each with its
    pathway, latest judgement and next activity; four queries, whatever the number of activities."""
    from models.programme import judged, pathway
    from services.reports import programme

    states = {s.code: s for s in programme.starting_states(session, region=None, deteriorating=frozenset())}
    query = select(LocalAuthority).where(LocalAuthority.status == "current")
    if region:
        query = query.where(LocalAuthority.ofsted_region == region)
    page = _paged(session, query, (LocalAuthority.name, LocalAuthority.id), number, per_page)
    las = page.rows
    first = (
        select(Activity.la_id, func.min(Activity.onsite).label("onsite"))
        .where(Activity.status == ActivityStatus.PLANNED, Activity.onsite >= today)
        .group_by(Activity.la_id)
        .subquery()
    )
    upcoming = {
        a.la_id: a
        for a in session.exec(
            select(Activity)
            .join(first, (Activity.la_id == first.c.la_id) & (Activity.onsite == first.c.onsite))
            .where(Activity.status == ActivityStatus.PLANNED, Activity.la_id.in_([la.id for la in las]))
            .order_by(Activity.id.desc())
        )
    }
    rows = [
        LocalAuthorityRow(
            la,
            pathway(states[la.ons_code]) if la.ons_code in states else None,
            judged(states[la.ons_code]) if la.ons_code in states else (),
            upcoming.get(la.id),
        )
        for la in las
    ]
    return Page(rows, page.number, page.total, per_page)


# My work ----------------------------------------------------------------------------------------------


def assigned_to(session: Session, user_id: int, *, number: int = 1, per_page: int = PER_PAGE) -> Page:
    """What is assigned to one officer, a page of (Assignment, Activity, LocalAuthority, MilestoneDate):
    the milestone assigned, or for a whole activity its next open milestone (None when nothing is open).
    Soonest on site first; cancelled and imported activities are nobody's work."""
    from models.records import Assignment

    query = (
        select(Assignment, Activity, LocalAuthority)
        .join(Activity, Assignment.activity_id == Activity.id)
        .join(LocalAuthority, Activity.la_id == LocalAuthority.id)
        .where(Assignment.user_id == user_id, Activity.status == ActivityStatus.PLANNED)
    )
    page = _paged(session, query, (Activity.onsite, Activity.id, Assignment.milestone_key), number, per_page)
    ids = [a.id for _, a, _ in page.rows]
    by_activity: dict[int, list[Milestone]] = {}
    for m in session.exec(
        select(Milestone).where(Milestone.activity_id.in_(ids)).order_by(Milestone.position)
    ):
        by_activity.setdefault(m.activity_id, []).append(m)

    def milestone(assignment, activity_id: int):
        rows = by_activity.get(activity_id, [])
        if assignment.milestone_key:
            found = next((m for m in rows if m.key == assignment.milestone_key), None)
        else:
            open_rows = [m for m in rows if m.status == MilestoneStatus.PLANNED and (m.target or m.forecast)]
            found = min(open_rows, key=lambda m: m.target or m.forecast, default=None)
        return queries.as_milestone_date(found) if found else None

    rows = [(s, a, la, milestone(s, a.id)) for s, a, la in page.rows]
    return Page(rows, page.number, page.total, per_page)


def led_by(session: Session, lead: str, *, as_of: datetime) -> list[queries.DueMilestone]:
    """The open milestones still to come of the activities `lead` leads: an inspector's own calendar."""
    query = (
        _open_rows()
        .where(Activity.lead_inspector == lead, Milestone.forecast >= as_of)
        .order_by(Milestone.forecast, Activity.id, Milestone.position)
    )
    return [queries.DueMilestone(a, la, queries.as_milestone_date(m)) for m, a, la in session.exec(query)]


def assigned_items(
    session: Session, name: str, *, as_of: datetime, calendar: WorkingDayCalendar
) -> list[queries.DueMilestone]:
    """The open milestones assigned to the officer called `name` (a milestone assigned, or every one of
    an activity assigned) that are overdue or due by the end of the 5th working day: their digest."""
    from models.records import Assignment, User

    horizon = datetime.combine(
        calendar.add_working_days(as_of.astimezone(LONDON).date(), 5), time(23, 59, 59), tzinfo=LONDON
    )
    theirs = exists().where(
        Assignment.activity_id == Activity.id,
        (Assignment.milestone_key == "") | (Assignment.milestone_key == Milestone.key),
        Assignment.user_id == User.id,
        User.name == name,
    )  # one row per milestone, however many ways it is theirs
    query = (
        _open_rows()
        .where(theirs, or_(Milestone.target < as_of, Milestone.forecast <= horizon))
        .order_by(func.coalesce(Milestone.target, Milestone.forecast), Activity.id, Milestone.position)
    )
    return [queries.DueMilestone(a, la, queries.as_milestone_date(m)) for m, a, la in session.exec(query)]
