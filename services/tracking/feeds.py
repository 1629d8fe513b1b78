"""Subscribable calendars (a region's open milestones, an inspector's own activities): calendar apps
cannot sign in, so each feed's URL carries a token. Regenerating it, when a link has been shared too
widely, ends every copy of the old one; that is a change, so it is audited."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session, select

from models.records import CalendarFeed
from services.store import audit

if TYPE_CHECKING:
    from services.tracking.unit_of_work import UnitOfWork


def inspector_scope(username: str) -> str:
    return f"inspector:{username}"


def version(session: Session, scope: str) -> int:
    row = session.exec(select(CalendarFeed).where(CalendarFeed.scope == scope)).first()
    return row.version if row else 0


def token(key: str, scope: str, version: int) -> str:
    """The token in a feed's URL; version 0 is the token every region's link had before regeneration."""
    message = f"feed:{scope}" + (f":{version}" if version else "")
    return hmac.new(key.encode(), message.encode(), "sha256").hexdigest()[:32]


def valid(session: Session, key: str, scope: str, given: str) -> bool:
    """Whether `given` is the feed's current token (compared as bytes: any text may be typed). No feed's
    name holds a NUL, which PostgreSQL would refuse to look up."""
    if "\x00" in scope:
        return False
    return hmac.compare_digest(given.encode(), token(key, scope, version(session, scope)).encode())


def regenerate(uow: UnitOfWork, *, scope: str, by: str, now: datetime) -> int:
    """A new token for the feed: its version goes up by one. The new version."""
    session = uow.session
    row = session.exec(select(CalendarFeed).where(CalendarFeed.scope == scope)).first()
    if row is None:
        row = CalendarFeed(scope=scope, version=0, regenerated_by=by, regenerated_at=now)
    row.version, row.regenerated_by, row.regenerated_at = row.version + 1, by, now
    session.add(row)
    audit.append(
        session,
        at=now,
        actor=by,
        action="regenerate calendar token",
        subject=scope,
        before={"version": row.version - 1},
        after={"version": row.version},
    )
    return row.version
