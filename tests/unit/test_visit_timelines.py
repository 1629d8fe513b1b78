"""Focused and monitoring visits (spec 2.3, 2.4) [003 ¶103-111, ¶128-139, ¶208, ¶224, ¶229-230, Annex A]."""

from __future__ import annotations

from calendars import england_calendar
from models.states import MilestoneStatus
from tests.helpers import day
from tests.unit.timelines import targets, timeline

FOCUSED_FEBRUARY_2025 = {
    "lead_offsite_evaluation": "Monday 2025-01-27 17:00 +0000",
    "notification": "Tuesday 2025-01-28 09:30 +0000",
    "confirmation_email": "Tuesday 2025-01-28 12:00 +0000",
    "setup_call": "Tuesday 2025-01-28 14:00 +0000",
    "child_level_data": "Wednesday 2025-01-29 12:00 +0000",
    "audit_information": "Wednesday 2025-01-29 12:00 +0000",
    "management_information": "Wednesday 2025-01-29 17:00 +0000",
    "case_information": "Thursday 2025-01-30 17:00 +0000",
    "offsite_evaluation": "Thursday 2025-01-30 17:00 +0000",
    "team_teleconference": "Friday 2025-01-31 17:00 +0000",
    "final_offsite_evaluation": "Monday 2025-02-03 17:00 +0000",
    "fieldwork_start": "Tuesday 2025-02-04 09:00 +0000",
    "feedback_meeting": "Wednesday 2025-02-05 18:00 +0000",
    "draft_letter_sent": "Wednesday 2025-02-12 17:00 +0000",
    "factual_accuracy_comments": "Friday 2025-02-14 17:00 +0000",
    "final_letter_sent": "Tuesday 2025-02-25 17:00 +0000",
    "publication": "Thursday 2025-02-27 09:30 +0000",
}


def test_focused_visit_dates_every_milestone_by_annex_a():
    tl = timeline("focused-visit", day("Tuesday 2025-02-04"))
    assert targets(tl) == FOCUSED_FEBRUARY_2025
    assert {m.key for m in tl.milestones}.isdisjoint({"draft_action_plan", "action_plan_due"})


def test_wednesday_to_thursday_focused_visit_moves_every_milestone_by_one_day():
    calendar = england_calendar()
    tuesday = timeline("focused-visit", day("Tuesday 2025-02-04"))
    wednesday = timeline("focused-visit", day("Wednesday 2025-02-05"))
    for tue, wed in zip(tuesday.milestones, wednesday.milestones, strict=True):
        assert wed.target.date() == calendar.next_working_day(tue.target.date()), tue.key
        assert wed.target.time() == tue.target.time()
    assert targets(wednesday)["notification"] == "Wednesday 2025-01-29 09:30 +0000"


def test_a_focused_visit_with_an_area_for_priority_action_owes_draft_and_full_action_plans():
    tl = timeline("focused-visit", day("Tuesday 2025-02-04"), flags=frozenset({"priority_action"}))
    got = targets(tl)
    assert got["draft_action_plan"] == "Tuesday 2025-03-25 17:00 +0000"  # 20 working days after the letter
    assert got["action_plan_due"] == "Monday 2025-06-09 17:00 +0100"  # 70, past Easter and two May holidays
    assert (
        tl["moderation_letter"].status == MilestoneStatus.ON_EVENT and tl["moderation_letter"].target is None
    )


MONITORING_MARCH_2025 = {
    "data_request": "Monday 2025-02-24 09:30 +0000",
    "child_level_data": "Tuesday 2025-02-25 17:00 +0000",
    "audit_information": "Tuesday 2025-02-25 17:00 +0000",
    "audited_cases_selected": "Wednesday 2025-02-26 17:00 +0000",
    "audited_cases_shared": "Wednesday 2025-03-05 17:00 +0000",
    "management_information": "Wednesday 2025-03-05 17:00 +0000",
    "case_information": "Wednesday 2025-03-05 17:00 +0000",
    "offsite_evaluation": "Thursday 2025-03-06 17:00 +0000",
    "team_teleconference": "Friday 2025-03-07 17:00 +0000",
    "final_offsite_evaluation": "Monday 2025-03-10 17:00 +0000",
    "fieldwork_start": "Tuesday 2025-03-11 09:00 +0000",
    "feedback_meeting": "Wednesday 2025-03-12 18:00 +0000",
    "draft_letter_sent": "Wednesday 2025-03-19 17:00 +0000",
    "factual_accuracy_comments": "Friday 2025-03-21 17:00 +0000",
    "final_letter_sent": "Tuesday 2025-04-01 17:00 +0100",
    "publication": "Thursday 2025-04-03 09:30 +0100",
}


def test_monitoring_visit_dates_every_milestone_by_the_framework():
    tl = timeline("monitoring-visit", day("Tuesday 2025-03-11"))
    assert targets(tl) == MONITORING_MARCH_2025
    assert "action_plan_due" not in targets(tl)  # no action plan after a monitoring visit [003 ¶230]


def test_audited_cases_are_shared_at_least_three_working_days_before_the_visit():
    calendar = england_calendar()
    tl = timeline("monitoring-visit", day("Tuesday 2025-03-11"))
    assert calendar.working_days_between(tl["audited_cases_shared"].target.date(), tl.onsite) >= 3


def test_the_first_monitoring_visit_of_a_series_is_not_published():
    tl = timeline("monitoring-visit", day("Tuesday 2025-03-11"), flags=frozenset({"first_of_series"}))
    assert tl["publication"].status == MilestoneStatus.NOT_APPLICABLE
    assert "not published" in tl["publication"].not_applicable_rule


def test_the_first_visit_of_a_second_set_of_monitoring_visits_is_published():
    flags = frozenset({"first_of_series", "second_set"})
    assert (
        timeline("monitoring-visit", day("Tuesday 2025-03-11"), flags=flags)["publication"].status
        == MilestoneStatus.PLANNED
    )
