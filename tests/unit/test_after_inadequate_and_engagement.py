"""The sequence after an inadequate judgement (spec 2.5) and annual engagement (2.6)."""

from __future__ import annotations

import pytest

from models.states import MilestoneStatus
from tests.helpers import day
from tests.unit.timelines import targets, timeline


def test_after_an_inadequate_judgement_the_apv_and_action_plan_follow_the_final_report():
    got = targets(timeline("action-planning-visit", day("Wednesday 2025-02-19")))
    assert got["apv_confirmation_letter"] == "Friday 2025-02-21 17:00 +0000"
    assert got["action_planning_visit"] == "Wednesday 2025-04-02 10:00 +0100"  # about 30 working days
    assert got["apv_agenda_circulated"] == "Wednesday 2025-03-26 17:00 +0000"  # five working days before
    assert got["apv_outcome_record"] == "Wednesday 2025-04-09 17:00 +0100"
    assert got["action_plan_due"] == "Tuesday 2025-06-03 17:00 +0100"  # 70 working days [003 ¶227]
    assert got["action_plan_review_letter"] == "Tuesday 2025-06-17 17:00 +0100"


def test_first_monitoring_visit_and_reinspection_are_calendar_months_after_the_action_plan():
    got = targets(timeline("action-planning-visit", day("Wednesday 2025-02-19")))
    assert got["first_monitoring_visit_by"] == "Wednesday 2025-09-03 17:00 +0100"  # 3 months [003 ¶128]
    assert got["reinspection_by"] == "Thursday 2027-06-03 17:00 +0100"  # 24 months [003 ¶22]


def test_annual_engagement_letter_is_within_a_calendar_month_rolled_back_to_a_working_day():
    got = targets(timeline("annual-engagement", day("Thursday 2025-10-16")))
    assert got["self_evaluation_shared"] == "Thursday 2025-10-02 17:00 +0100"
    assert got["agenda_agreed"] == "Thursday 2025-10-09 17:00 +0100"
    assert got["annual_engagement_meeting"] == "Thursday 2025-10-16 10:00 +0100"
    assert got["engagement_letter"] == "Friday 2025-11-14 17:00 +0000"  # 16 November 2025 is a Sunday


def test_inadequate_authorities_are_not_asked_for_a_self_evaluation_in_their_first_year():
    tl = timeline("annual-engagement", day("Thursday 2025-10-16"), flags=frozenset({"inadequate_first_year"}))
    assert tl["self_evaluation_shared"].status == MilestoneStatus.NOT_APPLICABLE


AFTER_INADEQUATE = (
    "apv_confirmation_letter",
    "action_planning_visit",
    "apv_agenda_circulated",
    "apv_outcome_record",
    "action_plan_review_letter",
    "first_monitoring_visit_by",
    "reinspection_by",
)


@pytest.mark.parametrize("inspection", ["standard-inspection", "short-inspection"])
def test_an_inadequate_inspection_gains_the_section_2_5_milestones_dated_from_its_final_report(inspection):
    onsite = day("Monday 2025-01-13") if inspection == "standard-inspection" else day("Monday 2025-01-20")
    plain = timeline(inspection, onsite)
    inadequate = timeline(inspection, onsite, flags=frozenset({"inadequate"}))
    assert not set(AFTER_INADEQUATE) & {m.key for m in plain.milestones}
    final_report = inadequate["final_report_sent"].target.date()
    assert final_report == day("Wednesday 2025-02-19")  # E+18 either way: short E is Friday 24 January
    alone = targets(timeline("action-planning-visit", final_report))
    got = targets(inadequate)
    assert {k: got[k] for k in AFTER_INADEQUATE} == {k: alone[k] for k in AFTER_INADEQUATE}
    assert got["action_planning_visit"] == "Wednesday 2025-04-02 10:00 +0100"
