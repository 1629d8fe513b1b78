"""When the calendar changes (a new bank holiday, a closure day), find the open milestones whose dates
move, and recompute them on request in one audited transaction (spec section 7), telling the people of
each activity whose dates moved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session, select

from calendars import WorkingDayCalendar
from models.records import Activity
from models.states import ActivityStatus
from models.templates import template_for_edition
from models.timeline import plan
from services.store import audit
from services.tracking.events import ActivityChanged
from services.tracking.lifecycle import dates_of, milestones, replan, snapshot_dates

if TYPE_CHECKING:
    from services.tracking.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class DateChange:
    activity_id: int
    key: str
    old_target: datetime | None
    new_target: datetime | None
    old_forecast: datetime | None
    new_forecast: datetime | None


@dataclass(frozen=True)
class CalendarReview:
    calendar_version: str
    changes: list[DateChange]
    blocked: list[str]  # activities whose first day on site is no longer a working day: defer them


def _open_activities(session: Session) -> list[Activity]:
    return list(
        session.exec(select(Activity).where(Activity.status == ActivityStatus.PLANNED).order_by(Activity.id))
    )


def review(session: Session, calendar: WorkingDayCalendar) -> CalendarReview:
    """The open milestones whose target or forecast differs under `calendar`. Changes nothing."""
    changes, blocked = [], []
    for found in _open_activities(session):
        rows = {r.key: r for r in milestones(session, found.id)}
        template = template_for_edition(found.activity_type, found.edition)
        flags = frozenset(found.flags)
        actuals = {k: r.actual for k, r in rows.items() if r.actual and r.origin == "template"}
        reason = calendar.non_working_reason(found.onsite)
        if reason:
            blocked.append(f"activity {found.id}: first day on site {found.onsite} is now {reason}; defer it")
            continue
        timeline = plan(
            template, found.onsite, calendar=calendar, actuals=actuals, flags=flags, end=found.fieldwork_end
        )
        for dated in timeline.milestones:
            row = rows.get(dated.key)
            if row and not row.actual and (row.target, row.forecast) != (dated.target, dated.forecast):
                changes.append(
                    DateChange(found.id, dated.key, row.target, dated.target, row.forecast, dated.forecast)
                )
    return CalendarReview(calendar.version, changes, blocked)


def apply(uow: UnitOfWork, *, by: str, now: datetime) -> CalendarReview:
    """Recompute, by the unit of work's calendar, every activity `review` finds changed, each with an
    audit entry of old and new dates."""
    session, calendar = uow.session, uow.calendar
    found_review = review(session, calendar)
    for activity_id in sorted({c.activity_id for c in found_review.changes}):
        found = session.get(Activity, activity_id)
        rows = milestones(session, activity_id)
        moved = replan(session, found, rows, calendar, snapshot_dates(rows))
        before_version, found.calendar_version = found.calendar_version, calendar.version
        session.add(found)
        audit.append(
            session,
            at=now,
            actor=by,
            action="calendar",
            activity_id=activity_id,
            subject=f"calendar {calendar.version}",
            reason=f"calendar changed from {before_version}",
            before={row.key: before for row, before in moved},
            after={row.key: dates_of(row) for row, _ in moved},
        )
        uow.collect(ActivityChanged(activity_id, "a change to the calendar of working days", now, moved))
    return found_review
