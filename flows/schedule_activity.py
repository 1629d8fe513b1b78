"""Registering an activity: its milestone DAG is dated by the activity's own flow, then stored."""

from __future__ import annotations

from datetime import date, datetime

from prefect import flow

from flows.activity_timeline import flow_for
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
    """Date every milestone (a subflow of milestone tasks), then store the activity; returns its id."""
    timeline = flow_for(activity_type)(activity_type=activity_type, onsite=onsite, flags=flags)
    return save_new_activity(
        timeline, la_code=la_code, lead=lead, flags=flags, override=override, actor=actor, now=now
    )
