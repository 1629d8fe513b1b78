"""Target, forecast and actual (spec section 3)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from calendars import LONDON
from models.states import MilestoneStatus
from models.timeline import TimelineError
from tests.helpers import day
from tests.unit.timelines import forecasts, targets, timeline

D = day("Monday 2025-01-13")  # the standard inspection of test_inspection_timelines


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def test_a_late_draft_rebases_the_factual_accuracy_target_and_pushes_the_rest_of_the_chain():
    tl = timeline("standard-inspection", D, actuals={"draft_report_sent": at("2025-02-10T11:00")})
    got, expected = targets(tl), forecasts(tl)
    assert tl["draft_report_sent"].status == MilestoneStatus.DONE
    assert got["factual_accuracy_comments"] == "Thursday 2025-02-13 17:00 +0000"  # 3 days from receipt
    assert got["final_report_sent"] == "Wednesday 2025-02-19 17:00 +0000"  # fieldwork-anchored: fixed
    assert expected["final_report_sent"] == "Thursday 2025-02-20 17:00 +0000"  # the usual 5 days after
    assert expected["publication"] == "Tuesday 2025-02-25 09:30 +0000"
    assert got["action_plan_due"] == "Tuesday 2025-06-03 17:00 +0100"  # final report not yet received
    assert expected["action_plan_due"] == "Wednesday 2025-06-04 17:00 +0100"


def test_the_action_plan_deadline_is_70_working_days_after_the_final_report_actually_arrives():
    actuals = {
        "draft_report_sent": at("2025-02-07T10:00"),
        "factual_accuracy_comments": at("2025-02-12T16:00"),
        "final_report_sent": at("2025-02-21T15:00"),
    }
    got = targets(timeline("standard-inspection", D, actuals=actuals))
    assert got["action_plan_due"] == "Thursday 2025-06-05 17:00 +0100"


def test_an_early_draft_gives_the_la_its_days_from_receipt_without_pulling_later_forecasts_forward():
    tl = timeline("standard-inspection", D, actuals={"draft_report_sent": at("2025-02-05T15:00")})
    assert targets(tl)["factual_accuracy_comments"] == "Monday 2025-02-10 17:00 +0000"
    assert forecasts(tl)["final_report_sent"] == "Wednesday 2025-02-19 17:00 +0000"


def test_a_late_notification_pushes_the_data_return_forecasts_but_not_their_targets_or_fieldwork():
    tl = timeline("standard-inspection", D, actuals={"notification": at("2025-01-07T09:30")})
    got, expected = targets(tl), forecasts(tl)
    assert got["child_level_data"] == "Tuesday 2025-01-07 17:00 +0000"
    assert expected["child_level_data"] == "Wednesday 2025-01-08 17:00 +0000"
    assert expected["case_information"] == "Friday 2025-01-10 17:00 +0000"
    assert expected["fieldwork_start"] == "Monday 2025-01-13 13:00 +0000"


def test_the_forecast_of_a_done_milestone_is_its_actual():
    tl = timeline("standard-inspection", D, actuals={"notification": at("2025-01-06T09:20")})
    assert tl["notification"].forecast == tl["notification"].actual == at("2025-01-06T09:20")


def test_an_actual_for_an_unknown_milestone_is_refused():
    with pytest.raises(TimelineError, match="standard-inspection has no milestone 'draft_letter_sent'"):
        timeline("standard-inspection", D, actuals={"draft_letter_sent": at("2025-02-07T10:00")})


def test_an_actual_before_its_predecessors_actual_is_refused():
    actuals = {
        "draft_report_sent": at("2025-02-07T10:00"),
        "factual_accuracy_comments": at("2025-02-06T10:00"),
    }
    with pytest.raises(
        TimelineError,
        match=r"^Factual accuracy comments returned \(factual_accuracy_comments\) cannot have happened .* "
        r"before Draft report sent for factual accuracy \(draft_report_sent\)",
    ):
        timeline("standard-inspection", D, actuals=actuals)


def test_dates_beyond_the_published_calendar_are_provisional_and_record_the_calendar_version(calendar):
    later = calendar.roll_forward(date(calendar.confirmed_through + 1, 6, 5))
    tl = timeline("monitoring-visit", later)
    assert all(m.provisional for m in tl.milestones)
    assert not timeline("monitoring-visit", day("Tuesday 2025-03-11")).milestones[0].provisional
    assert {m.calendar_version for m in tl.milestones} == {calendar.version}
