"""Cancelling an activity [issue 15 point 7]: the activity is kept, marked cancelled with its reason;
the mail still queued for it is cancelled, and those already told about it are told it is off."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import select

from models.records import OutboxMessage
from models.states import ActivityStatus, OutboxStatus
from services.store import audit
from services.tracking.events import ActivityCancelled
from services.tracking.lifecycle import TrackingError, activity

if TYPE_CHECKING:
    from services.tracking.unit_of_work import UnitOfWork


def cancel(uow: UnitOfWork, *, activity_id: int, reason: str, by: str, now: datetime) -> list[str]:
    """Cancel a planned activity: audited with its reason; returns the idempotency keys of the queued
    emails it cancelled. The cancellation email follows (unit_of_work.py), only to people already sent
    mail about the activity, and through the gate (nothing reaches an LA before its notification)."""
    if not reason.strip():
        raise TrackingError("a cancellation needs a reason")
    session = uow.session
    found = activity(session, activity_id)
    if found.status != ActivityStatus.PLANNED:
        raise TrackingError(f"activity {activity_id} is {found.status}, so it cannot be cancelled")
    found.status = ActivityStatus.CANCELLED
    found.cancelled_reason, found.cancelled_by, found.cancelled_at = reason, by, now
    session.add(found)
    stopped = []
    for row in session.exec(
        select(OutboxMessage).where(
            OutboxMessage.activity_id == activity_id, OutboxMessage.status == OutboxStatus.QUEUED
        )
    ):
        row.status = OutboxStatus.CANCELLED
        session.add(row)
        stopped.append(row.idempotency_key)
    audit.append(
        session,
        at=now,
        actor=by,
        action="cancel",
        activity_id=activity_id,
        subject=f"activity {activity_id}",
        before={"status": ActivityStatus.PLANNED.value},
        after={"status": ActivityStatus.CANCELLED.value, "emails_cancelled": stopped},
        reason=reason,
    )
    uow.collect(ActivityCancelled(activity_id, now))
    return stopped
