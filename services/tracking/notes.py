"""Notes staff write on an activity: kept, audited with who wrote them, and shown in its history."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from models.records import ActivityNote
from services import validation
from services.store import audit
from services.tracking.lifecycle import TrackingError, activity

MAX_LENGTH = 2000  # a note, not a document: a longer account belongs in the inspection's own records


def add_note(session: Session, *, activity_id: int, text: str, by: str, now: datetime) -> ActivityNote:
    """Add a note (a cancelled activity can still be noted on: it is a record, not a change)."""
    if not text.strip():
        raise TrackingError("enter the note")
    if len(text) > MAX_LENGTH:
        raise TrackingError(f"a note must be {MAX_LENGTH} characters or fewer")
    text = validation.free_text(text, "the note")
    activity(session, activity_id)
    note = ActivityNote(activity_id=activity_id, written_at=now, written_by=by, text=text)
    session.add(note)
    session.flush()
    audit.append(
        session,
        at=now,
        actor=by,
        action="note",
        activity_id=activity_id,
        subject=f"note {note.id}",
        after={"text": note.text},
    )
    return note
