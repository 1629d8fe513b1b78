"""Registering an activity: its milestone DAG is dated by the activity's own flow, then stored."""

from __future__ import annotations

from datetime import date, datetime

from prefect import flow

from flows.activity_timeline import date_every_milestone
from tasks.store import save_new_activity


@flow(name="schedule-activity")
def schedule_activity(
    activity_type: str,
    la_code: str,
    onsite: date,
    lead: str,
    flags: list[str],
    override: str,
    actor: str,
    now: datetime,
) -> int:
    """Date every milestone (a task each, as in the activity's own flow), then store the activity in one
    transaction; returns its id."""
    timeline = date_every_milestone(activity_type, onsite, {}, frozenset(flags))
    return save_new_activity(
        timeline, la_code=la_code, lead=lead, flags=flags, override=override, actor=actor, now=now
    )
