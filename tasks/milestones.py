"""The Prefect task that dates one milestone; its upstream milestones arrive as task results."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from prefect import task
from prefect.cache_policies import NO_CACHE

from calendars import england_calendar
from models.templates import MilestoneRule
from models.timeline import MilestoneDate, compute_milestone


@task(name="date-milestone", task_run_name="{rule.key}", cache_policy=NO_CACHE)
def date_milestone(
    rule: MilestoneRule,
    *,
    onsite: date,
    end: date,
    upstream: Mapping[str, MilestoneDate],
    actual: datetime | None,
    flags: frozenset[str],
) -> MilestoneDate:
    """Target and forecast of `rule`'s milestone, by the same pure function the CLI preview uses."""
    return compute_milestone(
        rule,
        onsite=onsite,
        end=end,
        upstream=upstream,
        actual=actual,
        flags=flags,
        calendar=england_calendar(),
    )
