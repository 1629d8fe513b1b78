"""Prefect tasks that write to the tracking store, each in one transaction."""

from __future__ import annotations

from datetime import datetime

from prefect import task
from prefect.cache_policies import NO_CACHE

from models.templates import template_for_edition
from models.timeline import Timeline
from services.store import open_store
from services.tracking import lifecycle
from services.tracking.unit_of_work import UnitOfWork


@task(name="save-new-activity", cache_policy=NO_CACHE)
def save_new_activity(
    timeline: Timeline,
    *,
    la_code: str,
    lead: str,
    flags: list[str],
    override: str,
    actor: str,
    now: datetime,
) -> int:
    """Store the planned activity and its milestones; no retries, so a commit is never repeated."""
    template = template_for_edition(timeline.activity_type, timeline.edition)
    with UnitOfWork(open_store()) as uow:
        activity = lifecycle.register(
            uow.session,
            timeline=timeline,
            template=template,
            la_code=la_code,
            lead=lead,
            flags=frozenset(flags),
            override=override,
            actor=actor,
            now=now,
        )
        return activity.id
