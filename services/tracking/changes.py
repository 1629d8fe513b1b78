"""Staff's changes with their consequences, for every interface: the change (re-planned and audited)
and, in the same transaction, the emails it calls for (the outbox)."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from calendars import WorkingDayCalendar
from models.reminders import Policy, shipped_policy
from services.mail import outbox
from services.tracking import lifecycle


def record_actual(
    session: Session, *, activity_id: int, key: str, at: datetime, by: str, note: str, now: datetime,
    calendar: WorkingDayCalendar, policy: Policy | None = None,
) -> tuple[list, outbox.SweepReport]:  # fmt: skip
    moved = lifecycle.record_actual(
        session, activity_id=activity_id, key=key, at=at, by=by, note=note, now=now, calendar=calendar
    )
    return moved, outbox.after_change(
        session, activity_id, moved, reason=f"{key} recorded", now=now, calendar=calendar,
        policy=policy or shipped_policy(),
    )  # fmt: skip


def undo_actual(
    session: Session, *, activity_id: int, key: str, by: str, reason: str, now: datetime,
    calendar: WorkingDayCalendar, policy: Policy | None = None,
) -> tuple[list, outbox.SweepReport]:  # fmt: skip
    moved = lifecycle.undo_actual(
        session, activity_id=activity_id, key=key, by=by, reason=reason, now=now, calendar=calendar
    )
    return moved, outbox.after_change(
        session, activity_id, moved, reason=f"{key} corrected", now=now, calendar=calendar,
        policy=policy or shipped_policy(),
    )  # fmt: skip


def defer(
    session: Session, *, activity_id: int, to: date, reason: str, by: str, now: datetime,
    calendar: WorkingDayCalendar, override: str = "", policy: Policy | None = None,
) -> tuple[list, outbox.SweepReport]:  # fmt: skip
    moved = lifecycle.defer(
        session, activity_id=activity_id, to=to, reason=reason, by=by, now=now, calendar=calendar,
        override=override,
    )  # fmt: skip
    return moved, outbox.after_change(
        session, activity_id, moved, reason=f"deferred: {lifecycle.DEFERRAL_REASONS[reason]}", now=now,
        calendar=calendar, policy=policy or shipped_policy(),
    )  # fmt: skip


def record_outcome(
    session: Session, *, activity_id: int, grades: dict[str, str], priority_action: bool, by: str, note: str,
    now: datetime, calendar: WorkingDayCalendar, policy: Policy | None = None,
) -> tuple[list, outbox.SweepReport]:  # fmt: skip
    """Judgements and/or a focused visit's area for priority action, and the milestones they add."""
    from services.tracking import outcomes

    moved = []
    if grades:
        moved += outcomes.record_judgements(
            session, activity_id=activity_id, grades=grades, by=by, now=now, calendar=calendar
        )
    if priority_action:
        moved += outcomes.record_priority_action(
            session, activity_id=activity_id, by=by, note=note, now=now, calendar=calendar
        )
    return moved, outbox.after_change(
        session, activity_id, moved, reason="outcome recorded", now=now, calendar=calendar,
        policy=policy or shipped_policy(),
    )  # fmt: skip
