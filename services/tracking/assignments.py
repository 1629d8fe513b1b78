"""Assigning an activity, or one of its milestones, to a named officer: business support share out the
work, and each officer finds theirs under "My work" and in their own digest. Audited like every change."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session, select

from models.records import Assignment, Milestone, User
from services.store import audit
from services.tracking.lifecycle import TrackingError, activity

if TYPE_CHECKING:
    from services.tracking.unit_of_work import UnitOfWork

ASSIGNABLE_ROLES = ("business_support", "inspector")  # a viewer reads only, so looks after nothing


def officers(session: Session) -> list[User]:
    """Everyone work can be assigned to, by name."""
    return list(session.exec(select(User).where(User.role.in_(ASSIGNABLE_ROLES)).order_by(User.name)))


def assign(
    uow: UnitOfWork, *, activity_id: int, milestone_key: str, username: str, by: str, now: datetime
) -> Assignment:
    """Give the activity (milestone_key "") or its milestone to `username`, in place of whoever had it;
    the audit entry names both. Assigning to the officer who already has it changes nothing."""
    session = uow.session
    found = activity(session, activity_id)
    if milestone_key:
        keys = set(session.exec(select(Milestone.key).where(Milestone.activity_id == activity_id)))
        if milestone_key not in keys:
            raise TrackingError(f"activity {activity_id} has no milestone {milestone_key!r}")
    officer = session.exec(select(User).where(User.username == username)).first()
    if officer is None or officer.role not in ASSIGNABLE_ROLES:
        raise TrackingError(f"{username!r} is not an officer work can be assigned to")
    row = session.exec(
        select(Assignment).where(
            Assignment.activity_id == activity_id, Assignment.milestone_key == milestone_key
        )
    ).first()
    before = session.get(User, row.user_id).name if row else None
    if row is not None and row.user_id == officer.id:
        return row
    if row is None:
        row = Assignment(activity_id=found.id, milestone_key=milestone_key, user_id=officer.id)
    row.user_id, row.assigned_by, row.assigned_at = officer.id, by, now
    session.add(row)
    audit.append(
        session,
        at=now,
        actor=by,
        action="assign",
        activity_id=found.id,
        subject=milestone_key or "activity",
        before={"officer": before},
        after={"officer": officer.name},
    )
    return row
