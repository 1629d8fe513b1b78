"""An activity's history, newest first: its audit entries, the notes staff wrote and the emails queued
about it, read together so that what happened, what was said and who was told can be followed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from models.records import ActivityNote, AuditEntry, OutboxMessage

ACTIONS = {  # audit actions as a person would say them
    "schedule": "Registered",
    "record": "Recorded",
    "undo": "Recorded date taken back",
    "defer": "Deferred",
    "cancel": "Cancelled",
    "judgements": "Judgements recorded",
    "priority_action": "Area for priority action recorded",
    "replan": "Dates re-planned",
    "import_history": "Imported from history",
    "variance": "Variance reason given",
    "waive": "Waived",
    "note": "Note added",
    "further_information": "Further information requested",
    "further_information_answered": "Further information received",
    "calendar": "Dates recomputed after a calendar change",
    "resend": "Email queued again",
}


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str  # "change", "note" or "email"
    who: str
    what: str
    detail: str
    email_id: int | None = None


def history(session: Session, activity_id: int) -> list[Event]:
    """Every audit entry, note and email of the activity, newest first (ties: changes before mail)."""
    events = [
        Event(
            e.at,
            "change",
            e.actor,
            ACTIONS.get(e.action, e.action.replace("_", " ").capitalize()),
            " – ".join(part for part in (e.subject, e.reason) if part),
        )
        for e in session.exec(select(AuditEntry).where(AuditEntry.activity_id == activity_id))
        if e.action != "note"  # the note itself is shown, with its text
    ]
    events += [
        Event(n.written_at, "note", n.written_by, "Note", n.text)
        for n in session.exec(select(ActivityNote).where(ActivityNote.activity_id == activity_id))
    ]
    events += [
        Event(
            m.sent_at or m.created_at,
            "email",
            m.recipient_name or m.recipient_email,
            f"Email {m.status}: {m.subject}",
            f"to {m.recipient_email}",
            m.id,
        )
        for m in session.exec(select(OutboxMessage).where(OutboxMessage.activity_id == activity_id))
    ]
    order = {"change": 0, "note": 1, "email": 2}
    return sorted(events, key=lambda e: (e.at, -order[e.kind]), reverse=True)
