"""One generic flow runs every activity type: its tasks are the template's milestones, in DAG order."""

from __future__ import annotations

from datetime import date, datetime

from prefect import Flow, flow

from calendars import england_calendar
from models.templates import activity_types
from models.timeline import Timeline, assemble, check_actuals, fieldwork_end, template_in_force
from tasks.milestones import date_milestone


def date_every_milestone(
    activity_type: str, onsite: date, actuals: dict[str, datetime], flags: frozenset[str]
) -> Timeline:
    """Inside a flow: one task per milestone of the template in force, submitted in DAG order with its
    upstream milestones' futures as inputs, so Prefect records the DAG; then the assembled timeline."""
    calendar = england_calendar()
    template = template_in_force(activity_type, onsite, calendar=calendar)
    check_actuals(template, actuals, flags)
    end = fieldwork_end(template, onsite, calendar)
    futures = {}
    for rule in template.rules_for(flags):
        futures[rule.key] = date_milestone.submit(
            rule,
            onsite=onsite,
            end=end,
            upstream={key: futures[key] for key in rule.depends_on},
            actual=actuals.get(rule.key),
            flags=flags,
        )
    return assemble(template, onsite, end, calendar, (f.result() for f in futures.values()))


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
