"""The states the store records, named once. Each is a StrEnum whose values are the strings stored
since the first migration, so rows read and write as before; `models.records` maps them to and from
those strings on every backend."""

from __future__ import annotations

from enum import StrEnum


class MilestoneStatus(StrEnum):
    PLANNED = "planned"  # dated, not yet done
    DONE = "done"  # its actual is recorded
    NOT_APPLICABLE = "not_applicable"  # its rule says it does not happen for this activity
    ON_EVENT = "on_event"  # happens when an event is recorded, so has no target
    WITHDRAWN = "withdrawn"  # no longer applies after a change to the activity (kept for the record)
    UNKNOWN = "unknown"  # imported history that does not say when it happened


class ActivityStatus(StrEnum):
    PLANNED = "planned"
    CANCELLED = "cancelled"
    HISTORIC = "historic"  # imported: never due, overdue or reminded


class OutboxStatus(StrEnum):
    QUEUED = "queued"  # waiting for its time (or its next attempt)
    SENDING = "sending"  # handed to the transport; sent again if the sender died before `sent`
    SENT = "sent"
    FAILED = "failed"  # given up after the last attempt
    CANCELLED = "cancelled"  # no longer due
