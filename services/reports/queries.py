"""What staff ask of the store: what is due, what is overdue, one activity in full. Read-only.

The lists are chosen, counted and paged in SQL run through `services.store.reads`, so that `ilacs due`
reads without loading SQLAlchemy and the dashboard pages the same milestones the same way; a caller
with an ORM session gets the ORM's rows for the page, a bare reader light ones."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import TYPE_CHECKING

from calendars import LONDON, WorkingDayCalendar
from models.compliance import LA_OWNER
from models.states import ActivityStatus, MilestoneStatus
from models.templates import activity_types, shipped_editions
from models.timeline import MilestoneDate
from services.store.reads import Reader, reader
from services.validation import InvalidInput, one_of

if TYPE_CHECKING:
    from sqlmodel import Session

    from models.records import Activity, LocalAuthority, Milestone


@dataclass(frozen=True)
class Filters:
    region: str | None = None
    la_code: str | None = None
    owner: str | None = None
    activity_type: str | None = None

    def check(self, db: Session | Reader) -> Filters:
        """These filters, if each value could match something; else refused naming the valid values,
        so a misspelt filter is never answered with an empty list."""
        if self.region is not None:
            one_of(self.region, regions(db), "region")
        if self.la_code is not None:
            check_la_codes(db, [self.la_code])
        if self.owner is not None:
            one_of(self.owner, owners(), "owner")
        if self.activity_type is not None:
            one_of(self.activity_type, activity_types(), "activity type")
        return self


def regions(db: Session | Reader) -> list[str]:
    """The Ofsted regions of the LAs in the store."""
    return sorted(r for (r,) in reader(db).rows("SELECT DISTINCT ofsted_region FROM local_authority"))


def la_codes(db: Session | Reader) -> set[str]:
    """The ONS codes of the LAs in the store."""
    return {code for (code,) in reader(db).rows("SELECT ons_code FROM local_authority")}


def check_la_codes(db: Session | Reader, codes: Iterable[str], what: str = "") -> None:
    """Refuse any ONS code no LA in the store has (compared here, not in SQL, so any text is safe)."""
    known = la_codes(db)
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
class ActivityRow:
    """An activity as a read-only command needs it (the ORM's `Activity` has the same names)."""

    id: int
    activity_type: str
    la_id: int
    onsite: date
    fieldwork_end: date
    status: ActivityStatus
    lead_inspector: str
    flags: list[str]
    edition: str


@dataclass(frozen=True)
class LocalAuthorityRow:
    id: int
    ons_code: str
    name: str
    ofsted_region: str


@dataclass(frozen=True)
class DueMilestone:
    activity: Activity | ActivityRow
    la: LocalAuthority | LocalAuthorityRow
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


# An open milestone of a live activity, written out as the partial indexes' own condition so that the
# database sees a count needs only what those indexes hold (a bound 'planned' would hide that).
OPEN = "m.status = 'planned' AND m.actual IS NULL AND a.status != 'cancelled'"
MILESTONE = (
    "m.key, m.title, m.owner, m.source, m.target, m.forecast, m.actual, m.status, m.provisional, "
    "m.calendar_version, m.rule"
)
ACTIVITY = (
    "a.id, a.activity_type, a.la_id, a.onsite, a.fieldwork_end, a.status, a.lead_inspector, a.flags, "
    "a.edition"
)
LA = "la.id, la.ons_code, la.name, la.ofsted_region"


def _open_sql(filters: Filters) -> tuple[str, list[str], dict]:
    """FROM and WHERE of the open milestones under `filters` (the LA joined only when a filter needs it,
    so that counts can come from the milestone index alone), and the parameters."""
    joins = "milestone m JOIN activity a ON m.activity_id = a.id"
    if filters.region or filters.la_code:
        joins += " JOIN local_authority la ON a.la_id = la.id"
    where, params = [OPEN], {}
    if filters.region:
        where.append("la.ofsted_region = :region")
        params["region"] = filters.region
    if filters.la_code:
        where.append("la.ons_code = :la_code")
        params["la_code"] = filters.la_code
    if filters.activity_type:
        where.append("a.activity_type = :activity_type")
        params["activity_type"] = filters.activity_type
    if filters.owner:
        where.append("m.owner LIKE :owner")
        params["owner"] = f"%{filters.owner}%"
    return joins, where, params


@dataclass(frozen=True)
class Page:
    """One page of a list, with the counts of the whole list: `total`, and `sections` (for due: "today"
    and "later"; for overdue: "ofsted" and "la", by who owns the milestone). A page of one section
    (Today's) has that section's count as `total`."""

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


@dataclass(frozen=True)
class _List:
    """A list in SQL: its condition, its sections' conditions, its order, and their parameters."""

    where: str
    sections: dict[str, str]
    order: str
    params: dict


def _page(db, filters: Filters, chosen: _List, section, limit, offset, last_if_past) -> Page:
    if limit is not None and limit < 1:
        raise InvalidInput(f"limit {limit}: show at least 1 row a page")
    if offset < 0:
        raise InvalidInput(f"offset {offset}: cannot be negative")
    if section is not None and section not in chosen.sections:
        raise InvalidInput(f"unknown section {section!r}; valid: {' | '.join(chosen.sections)}")
    read = reader(db)
    joins, where, params = _open_sql(filters)
    where.append(chosen.where)
    params |= chosen.params
    counts = ", ".join(f"SUM(CASE WHEN {test} THEN 1 ELSE 0 END)" for test in chosen.sections.values())
    total, *numbers = read.one(
        f"SELECT COUNT(*), {counts} FROM {joins} WHERE {' AND '.join(where)}", **params
    )
    sections = {name: int(n or 0) for name, n in zip(chosen.sections, numbers, strict=True)}
    if section is not None:
        total = sections[section]
        where.append(chosen.sections[section])
    if offset and offset >= total:
        last = max(1, -(-total // limit)) if limit else 1
        if not last_if_past:
            raise InvalidInput(f"page {offset // (limit or 1) + 1} is past the last page ({last})")
        offset = (last - 1) * (limit or 0)
    paged = f" LIMIT {int(limit)} OFFSET {int(offset)}" if limit else ""
    ids = read.rows(
        f"SELECT m.id FROM {joins} WHERE {' AND '.join(where)} ORDER BY {chosen.order}{paged}", **params
    )
    return Page(_loaded(read, [i for (i,) in ids]), total, sections, limit, offset)


BATCH = 10_000  # milestones loaded by id in one query (under every backend's limit of parameters)


def _loaded(read: Reader, ids: list[int]) -> list[DueMilestone]:
    """The milestones `ids` in that order with their activity and LA: the ORM's rows when the reader
    reads within an ORM session (the dashboard's code uses them whole), else light ones."""
    found: dict[int, DueMilestone] = {}
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        if read.session is not None:
            found |= _orm_rows(read.session, batch)
            continue
        names = {f"id{n}": i for n, i in enumerate(batch)}
        rows = read.rows(
            f"SELECT m.id, {MILESTONE}, {ACTIVITY}, {LA} FROM milestone m "
            "JOIN activity a ON m.activity_id = a.id JOIN local_authority la ON a.la_id = la.id "
            f"WHERE m.id IN ({', '.join(':' + name for name in names)})",
            **names,
        )
        for row in rows:
            found[row[0]] = DueMilestone(
                _activity(read, row[12:21]), LocalAuthorityRow(*row[21:]), _milestone(read, row[1:12])
            )
    return [found[i] for i in ids]


def _orm_rows(session: Session, ids: list[int]) -> dict[int, DueMilestone]:
    from sqlmodel import select

    from models.records import Activity, LocalAuthority, Milestone

    query = (
        select(Milestone, Activity, LocalAuthority)
        .join(Activity, Milestone.activity_id == Activity.id)
        .join(LocalAuthority, Activity.la_id == LocalAuthority.id)
        .where(Milestone.id.in_(ids))
    )
    return {m.id: DueMilestone(a, la, as_milestone_date(m)) for m, a, la in session.exec(query)}


def _milestone(read: Reader, row: tuple) -> MilestoneDate:
    key, title, owner, source, target, forecast, actual, status, provisional, calendar_version, rule = row

    def london(value) -> datetime | None:
        moment = read.moment(value)
        return moment.astimezone(LONDON) if moment else None

    return MilestoneDate(
        key=key,
        title=title,
        owner=owner,
        source=source,
        target=london(target),
        forecast=london(forecast),
        actual=london(actual),
        status=MilestoneStatus(status),
        provisional=bool(provisional),
        calendar_version=calendar_version,
        not_applicable_rule=rule,
    )


def _activity(read: Reader, row: tuple) -> ActivityRow:
    id_, activity_type, la_id, onsite, fieldwork_end, status, lead, flags, edition = row
    return ActivityRow(
        id_,
        activity_type,
        la_id,
        read.day(onsite),
        read.day(fieldwork_end),
        ActivityStatus(status),
        lead,
        read.listed(flags),
        edition,
    )


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=LONDON)


def due_page(
    db: Session | Reader,
    *,
    as_of: datetime,
    within: int,
    calendar: WorkingDayCalendar,
    filters: Filters,
    limit: int | None = None,
    offset: int = 0,
    section: str | None = None,
    last_if_past: bool = False,
) -> Page:
    """Open milestones forecast from `as_of` to the end of the `within`-th working day after it
    (0: the rest of today), soonest first. Forecasts, not targets: when they will now happen.
    `section` ("today" or "later") pages that section alone; `last_if_past` shows the last page for a
    page past the end (the dashboard's links) rather than refusing it (the command's --page)."""
    today = as_of.astimezone(LONDON).date()
    chosen = _List(
        where="m.forecast >= :as_of AND m.forecast <= :horizon",
        sections={"today": "m.forecast <= :end_of_today", "later": "m.forecast > :end_of_today"},
        order="m.forecast, m.activity_id, m.position",
        params={
            "as_of": as_of,
            "horizon": _end_of(calendar.add_working_days(today, within)),
            "end_of_today": _end_of(today),
        },
    )
    return _page(db, filters, chosen, section, limit, offset, last_if_past)


def overdue_page(
    db: Session | Reader,
    *,
    as_of: datetime,
    filters: Filters,
    limit: int | None = None,
    offset: int = 0,
    last_if_past: bool = False,
) -> Page:
    """Open milestones whose target has passed: overdue is judged against targets (spec section 3)."""
    chosen = _List(
        where="m.target < :as_of",
        sections={"ofsted": "m.owner != :la_owner", "la": "m.owner = :la_owner"},  # as owner_class
        order="m.target, m.activity_id, m.position",
        params={"as_of": as_of, "la_owner": LA_OWNER},
    )
    return _page(db, filters, chosen, None, limit, offset, last_if_past)


def due(
    db: Session | Reader, *, as_of: datetime, within: int, calendar: WorkingDayCalendar, filters: Filters
) -> list[DueMilestone]:
    """Every milestone `due_page` would list."""
    return due_page(db, as_of=as_of, within=within, calendar=calendar, filters=filters).items


def overdue(db: Session | Reader, *, as_of: datetime, filters: Filters) -> list[DueMilestone]:
    """Every milestone `overdue_page` would list."""
    return overdue_page(db, as_of=as_of, filters=filters).items


def judgements(db: Session | Reader, activity_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """The judgements recorded for each of these activities (area to grade), by activity."""
    ids = {f"id{n}": i for n, i in enumerate(activity_ids)}
    if not ids:
        return {}
    graded: dict[int, dict[str, str]] = {}
    placeholders = ", ".join(":" + name for name in ids)
    sql = f"SELECT activity_id, area, grade FROM judgement WHERE activity_id IN ({placeholders}) ORDER BY id"
    for activity_id, area, grade in reader(db).rows(sql, **ids):
        graded.setdefault(activity_id, {})[area] = grade
    return graded


def show(session: Session, activity_id: int) -> tuple[Activity, LocalAuthority, list[MilestoneDate]]:
    """One activity (locked, as a change would lock it), its LA and its milestones, as the ORM's rows."""
    from models.records import LocalAuthority
    from services.tracking.lifecycle import activity, milestones

    found = activity(session, activity_id)
    la = session.get(LocalAuthority, found.la_id)
    return found, la, [as_milestone_date(m) for m in milestones(session, activity_id)]


def activity_in_full(
    read: Reader, activity_id: int
) -> tuple[ActivityRow, LocalAuthorityRow, list[MilestoneDate]]:
    """What `show` gives, read through the driver for `ilacs show`."""
    row = read.one(
        f"SELECT {ACTIVITY}, {LA} FROM activity a JOIN local_authority la ON a.la_id = la.id "
        "WHERE a.id = :id",
        id=activity_id,
    )
    if row is None:
        raise InvalidInput(f"no activity {activity_id}")
    stored = read.rows(
        f"SELECT {MILESTONE} FROM milestone m WHERE m.activity_id = :id ORDER BY m.position", id=activity_id
    )
    return _activity(read, row[:9]), LocalAuthorityRow(*row[9:]), [_milestone(read, m) for m in stored]
