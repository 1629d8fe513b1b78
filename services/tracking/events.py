"""What a change records as having happened, for its unit of work to act on (unit_of_work.py): the
mail an event calls for is queued before the commit, and every event reaches the after-commit hooks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from models.records import Milestone


@dataclass(frozen=True)
class ActivityChanged:
    """Staff changed an activity at `now`: its letters, a "dates changed" email for the open milestones
    in `moved` (each with its dates before), and the reminders now due follow. `reason` is what the
    "dates changed" email gives as the cause."""

    activity_id: int
    reason: str
    now: datetime
    moved: list[tuple[Milestone, dict]] = field(default_factory=list)


@dataclass(frozen=True)
class FurtherInformationRequested:
    """The lead inspector logged an Annex B request at `now`: the LA is sent it in writing."""

    request_id: int
    now: datetime


@dataclass(frozen=True)
class ActivityCancelled:
    """Staff cancelled an activity at `now`: everyone already sent mail about it is told, once."""

    activity_id: int
    now: datetime


@dataclass(frozen=True)
class MailQueued:
    """Outbox rows (by idempotency key) were queued or queued again: the sender has work."""

    keys: tuple[str, ...]


Event = ActivityChanged | ActivityCancelled | FurtherInformationRequested | MailQueued
