"""The Prefect task that dates one milestone: the pure function the CLI preview uses, run as a task so
that Prefect records each milestone with its upstream milestones as inputs."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from models.timeline import compute_milestone

date_milestone = task(
    compute_milestone, name="date-milestone", task_run_name="{rule.key}", cache_policy=NO_CACHE
)
