"""`plan` is the one loop that dates a template's milestones: the preview calls `compute_milestone`
directly, the activity flow submits one Prefect task per milestone. Here futures of the standard
library stand in for Prefect's, so the loop's contract with the flow is checked without a server."""

from __future__ import annotations

from concurrent.futures import Future
from datetime import datetime

import pytest

from calendars import LONDON
from models.timeline import TimelineError, compute_milestone, plan, template_in_force
from tests.helpers import day

ONSITE = day("Tuesday 2025-03-11")


def submitter(calls: list[str]):
    """Dates one milestone as the flow does, futures in and a future out, noting the order of calls."""

    def submit(rule, *, upstream, **inputs) -> Future:
        missing = set(rule.depends_on) - set(upstream)
        assert not missing, f"{rule.key} dated before {missing}"
        calls.append(rule.key)
        future = Future()
        future.set_result(
            compute_milestone(rule, upstream={key: f.result() for key, f in upstream.items()}, **inputs)
        )
        return future

    return submit


@pytest.mark.parametrize(
    ("activity_type", "flags"),
    [("standard-inspection", frozenset()), ("monitoring-visit", frozenset({"first_of_series"}))],
)
def test_each_milestone_is_dated_once_after_its_upstream_ones_and_the_results_assembled(
    calendar, activity_type, flags
):
    template = template_in_force(activity_type, ONSITE, calendar=calendar)
    calls: list[str] = []
    through_futures = plan(
        template, ONSITE, calendar=calendar, flags=flags, date_one=submitter(calls), result_of=Future.result
    )
    assert calls == [rule.key for rule in template.rules_for(flags)]
    assert through_futures == plan(template, ONSITE, calendar=calendar, flags=flags)


def test_an_impossible_actual_is_refused_whichever_way_the_milestones_are_dated(calendar):
    template = template_in_force("monitoring-visit", ONSITE, calendar=calendar)
    too_early = {"child_level_data": datetime(2025, 2, 21, 16, 0, tzinfo=LONDON)}  # before the data request
    with pytest.raises(TimelineError, match="not before the day of the notification"):
        plan(
            template,
            ONSITE,
            calendar=calendar,
            actuals=too_early,
            date_one=submitter([]),
            result_of=Future.result,
        )
