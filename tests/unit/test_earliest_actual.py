"""An actual may not precede the earliest moment it could have happened: nothing before the activity
is notified, nothing from fieldwork on before fieldwork starts, nothing after fieldwork before its
last day. Winter and summer (BST) cases, weekdays worked out by hand."""

from __future__ import annotations

from datetime import datetime

import pytest

from calendars import LONDON
from models.states import MilestoneStatus
from models.timeline import TimelineError
from tests.helpers import day
from tests.unit.timelines import timeline

WINTER = day("Monday 2025-01-13")  # notification Monday 6 January 09:30; E = Friday 24 January
SUMMER = day("Monday 2025-06-16")  # notification Monday 9 June 09:30 BST; E = Friday 27 June


def at(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=LONDON)


@pytest.mark.parametrize(
    ("onsite", "actuals", "message"),
    [
        # a draft report before fieldwork had even begun (the reported case)
        (
            WINTER,
            {"draft_report_sent": "2025-01-01T17:00"},
            "Draft report sent for factual accuracy (draft_report_sent) "
            "cannot have happened at Wednesday 1 January 2025 17:00 GMT: "
            "not before the last day of fieldwork, Friday 24 January 2025",
        ),
        # the evening before the first day on site
        (
            WINTER,
            {"fieldwork_start": "2025-01-12T23:59"},
            "not before fieldwork starts, Monday 13 January 2025",
        ),
        # an LA return before the notification's day, the notification not yet recorded
        (
            WINTER,
            {"child_level_data": "2025-01-03T17:00"},
            "not before the day of the notification, Monday 6 January 2025",
        ),
        # a call the framework has no 'after' for, before the recorded notification
        (
            WINTER,
            {"notification": "2025-01-06T09:30", "analyst_call": "2025-01-06T09:00"},
            "not before the notification, recorded at Monday 6 January 2025 09:30 GMT",
        ),
        # the LA's comments on a draft not yet sent: not before the draft could have been
        (
            WINTER,
            {"factual_accuracy_comments": "2025-01-20T12:00"},
            "not before the last day of fieldwork, Friday 24 January 2025",
        ),
        # summer: 23:59 BST on Sunday 15 June is 22:59 UTC, still the day before fieldwork
        (
            SUMMER,
            {"fieldwork_start": "2025-06-15T22:59:00+00:00"},
            "Lead inspector meets the DCS; team on site (fieldwork_start) "
            "cannot have happened at Sunday 15 June 2025 23:59 BST: "
            "not before fieldwork starts, Monday 16 June 2025",
        ),
        (
            SUMMER,
            {"publication": "2025-06-26T09:30"},
            "not before the last day of fieldwork, Friday 27 June 2025",
        ),
    ],
)
def test_an_actual_before_it_could_have_happened_is_refused(onsite, actuals, message):
    with pytest.raises(TimelineError) as refused:
        timeline("standard-inspection", onsite, actuals={k: at(v) for k, v in actuals.items()})
    assert message in str(refused.value)


@pytest.mark.parametrize(
    ("onsite", "actuals"),
    [
        (WINTER, {"draft_report_sent": "2025-01-24T00:00"}),  # the first instant of the last day
        (WINTER, {"fieldwork_start": "2025-01-13T08:15"}),  # early on the first day
        (WINTER, {"child_level_data": "2025-01-06T08:00"}),  # the notification's day, before 09:30
        (WINTER, {"notification": "2025-01-06T09:10", "analyst_call": "2025-01-06T09:10"}),  # the same minute
        # summer: 00:30 BST on Monday 16 June is 23:30 UTC on the Sunday, already the first day
        (SUMMER, {"fieldwork_start": "2025-06-15T23:30:00+00:00"}),
    ],
)
def test_an_actual_at_or_after_its_earliest_moment_is_accepted(onsite, actuals):
    tl = timeline("standard-inspection", onsite, actuals={k: at(v) for k, v in actuals.items()})
    assert all(tl[key].status == MilestoneStatus.DONE for key in actuals)


def test_a_monitoring_visit_counts_from_its_data_request():
    # the data request is D-11: Monday 24 February 2025 for a visit on Tuesday 11 March [003 ¶130]
    returned = {"child_level_data": at("2025-02-21T16:00")}  # the Friday before
    with pytest.raises(
        TimelineError, match="not before the day of the notification, Monday 24 February 2025"
    ):
        timeline("monitoring-visit", day("Tuesday 2025-03-11"), actuals=returned)
