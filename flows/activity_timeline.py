"""One generic flow runs every activity type: its tasks are the template's milestones, in DAG order."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from prefect import Flow, flow
from prefect.futures import PrefectFuture
from prefect.utilities.annotations import quote

from models.templates import MilestoneRule, activity_types
from models.timeline import MilestoneDate, Timeline, plan, template_in_force
from services.settings import calendar_in_force
from tasks.milestones import date_milestone


def submit_milestone(
    rule: MilestoneRule, *, upstream: Mapping[str, PrefectFuture[MilestoneDate]], **inputs
) -> PrefectFuture[MilestoneDate]:
    """`plan`'s way of dating one milestone inside a flow: its task, fed the futures of the milestones
    it depends on and no others, so that Prefect records exactly the DAG's edges. The rule is quoted:
    Prefect links any object a task returned to that task, and a milestone's title and owner are its
    rule's own strings, which would draw edges the DAG does not have."""
    return date_milestone.submit(
        quote(rule), upstream={key: upstream[key] for key in rule.depends_on}, **inputs
    )


def date_every_milestone(
    activity_type: str, onsite: date, actuals: dict[str, datetime], flags: frozenset[str]
) -> Timeline:
    """Inside a flow: the template in force planned with one task per milestone, in DAG order."""
    calendar = calendar_in_force()
    template = template_in_force(activity_type, onsite, calendar=calendar)
    return plan(
        template,
        onsite,
        calendar=calendar,
        actuals=actuals,
        flags=flags,
        date_one=submit_milestone,
        result_of=lambda future: future.result(),
    )


@flow(name="activity-timeline", validate_parameters=True)
def activity_timeline(
    activity_type: str,
    onsite: date,
    actuals: dict[str, datetime] | None = None,
    flags: list[str] | None = None,
) -> Timeline:
    """Date every milestone of one activity, each a task whose inputs are its upstream milestones."""
    return date_every_milestone(activity_type, onsite, actuals or {}, frozenset(flags or ()))


def flow_for(activity_type: str) -> Flow:
    """The activity flow under the activity type's own name, so runs read "focused-visit" in Prefect."""
    if activity_type not in activity_types():
        raise ValueError(f"unknown activity type {activity_type!r}")
    return activity_timeline.with_options(name=activity_type)
