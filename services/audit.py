"""The audit log: append-only, each entry chained to the one before by a SHA-256 hash.

The database refuses UPDATE and DELETE on the table (migration 0001); the chain catches anything
done around that, such as an edit by someone who dropped the trigger, and names the first broken link.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session, select

from models.records import AuditEntry

GENESIS = "0" * 64


def _digest(entry: AuditEntry, prev_hash: str) -> str:
    content = {
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "activity_id": entry.activity_id,
        "subject": entry.subject,
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
    }
    payload = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{payload}".encode()).hexdigest()


def append(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    activity_id: int | None = None,
    subject: str = "",
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> AuditEntry:
    """Add one entry at the end of the chain, inside the caller's transaction.

    `before`/`after` must hold JSON values only (strings, numbers, booleans, None, lists, dicts).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(20181201)"))  # one writer extends the chain
    last = session.exec(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).first()
    prev_hash = last.hash if last else GENESIS
    entry = AuditEntry(
        at=at, actor=actor, action=action, activity_id=activity_id, subject=subject,
        before=before, after=after, reason=reason, prev_hash=prev_hash, hash="",
    )  # fmt: skip
    entry.hash = _digest(entry, prev_hash)
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainCheck:
    verified: bool
    entries: int
    first_broken: int | None = None
    problem: str = ""

    def __str__(self) -> str:
        if self.verified:
            return f"audit chain verifies over {self.entries} entries"
        return f"audit chain BROKEN at entry {self.first_broken}: {self.problem} ({self.entries} entries)"


def verify(session: Session) -> ChainCheck:
    """Walk the whole chain in order and report the first entry that does not follow from the last."""
    prev_hash, count = GENESIS, 0
    for entry in session.exec(select(AuditEntry).order_by(AuditEntry.id)):
        count += 1
        if entry.prev_hash != prev_hash:
            return ChainCheck(
                verified=False, entries=count, first_broken=entry.id,
                problem="it does not follow the entry before it (one removed?)",
            )  # fmt: skip
        if _digest(entry, prev_hash) != entry.hash:
            return ChainCheck(
                verified=False, entries=count, first_broken=entry.id,
                problem="its content no longer matches its hash (edited?)",
            )  # fmt: skip
        prev_hash = entry.hash
    return ChainCheck(verified=True, entries=count)
