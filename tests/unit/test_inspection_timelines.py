"""Standard and short inspections (spec 2.1, 2.2) [003 ¶52-59, ¶73-80, ¶92-94, ¶224, ¶227, Annex A].

Expected dates are worked out by hand from the framework's own wording ("5 working days before",
"by the end of Tuesday", "10 days after inspectors complete fieldwork"), weekday included.
"""

from __future__ import annotations

import pytest

from tests.helpers import day
from tests.unit.timelines import targets, timeline

STANDARD_JANUARY_2025 = {
    "notification": "Monday 2025-01-06 09:30 +0000",
    "confirmation_email": "Monday 2025-01-06 12:00 +0000",
    "setup_call": "Monday 2025-01-06 14:00 +0000",
    "child_level_data": "Tuesday 2025-01-07 17:00 +0000",
    "audit_information": "Tuesday 2025-01-07 17:00 +0000",
    "management_information": "Wednesday 2025-01-08 17:00 +0000",
    "case_information": "Thursday 2025-01-09 17:00 +0000",
    "offsite_evaluation": "Thursday 2025-01-09 17:00 +0000",
    "analyst_call": "Friday 2025-01-10 17:00 +0000",
    "team_teleconference": "Friday 2025-01-10 17:00 +0000",
    "fieldwork_start": "Monday 2025-01-13 13:00 +0000",
    "schools_hmi_onsite": "Tuesday 2025-01-14 09:00 +0000",
    "midpoint_offsite_evaluation": "Friday 2025-01-17 17:00 +0000",
    "feedback_meeting": "Friday 2025-01-24 12:00 +0000",
    "draft_report_sent": "Friday 2025-02-07 17:00 +0000",
    "factual_accuracy_comments": "Wednesday 2025-02-12 17:00 +0000",
    "final_report_sent": "Wednesday 2025-02-19 17:00 +0000",
    "children_summary_sent": "Wednesday 2025-02-19 17:00 +0000",
    "publication": "Monday 2025-02-24 09:30 +0000",
    # 70 working days after Wednesday 19 February: 14 weeks, plus Good Friday, Easter Monday and the
    # two May bank holidays; British Summer Time by then.
    "action_plan_due": "Tuesday 2025-06-03 17:00 +0100",
}


def test_standard_inspection_dates_every_milestone_by_the_framework():
    tl = timeline("standard-inspection", day("Monday 2025-01-13"))
    assert targets(tl) == STANDARD_JANUARY_2025
    assert tl.fieldwork_end == day("Friday 2025-01-24")
    assert tl.edition == "2018-12"


def test_short_inspection_is_one_week_on_site_with_no_midpoint_evaluation():
    tl = timeline("short-inspection", day("Monday 2025-03-03"))
    got = targets(tl)
    assert tl.fieldwork_end == day("Friday 2025-03-07")
    assert "midpoint_offsite_evaluation" not in got
    assert got["notification"] == "Monday 2025-02-24 09:30 +0000"
    assert got["case_information"] == "Thursday 2025-02-27 17:00 +0000"
    assert got["feedback_meeting"] == "Friday 2025-03-07 12:00 +0000"
    assert got["draft_report_sent"] == "Friday 2025-03-21 17:00 +0000"
    assert got["factual_accuracy_comments"] == "Wednesday 2025-03-26 17:00 +0000"
    assert got["final_report_sent"] == "Wednesday 2025-04-02 17:00 +0100"
    assert got["publication"] == "Monday 2025-04-07 09:30 +0100"


@pytest.mark.parametrize(
    ("activity_type", "onsite", "start", "feedback"),
    [
        # Winter (GMT): two weeks on site, Monday 13 January to Friday 24 January 2025.
        (
            "standard-inspection",
            "Monday 2025-01-13",
            "Monday 2025-01-13 13:00 +0000",
            "Friday 2025-01-24 12:00 +0000",
        ),
        # Summer (BST): Monday 16 June to Friday 27 June 2025.
        (
            "standard-inspection",
            "Monday 2025-06-16",
            "Monday 2025-06-16 13:00 +0100",
            "Friday 2025-06-27 12:00 +0100",
        ),
        # A short inspection: one week, Monday 3 to Friday 7 March 2025 (GMT), 7 to 11 July 2025 (BST).
        (
            "short-inspection",
            "Monday 2025-03-03",
            "Monday 2025-03-03 13:00 +0000",
            "Friday 2025-03-07 12:00 +0000",
        ),
        (
            "short-inspection",
            "Monday 2025-07-07",
            "Monday 2025-07-07 13:00 +0100",
            "Friday 2025-07-11 12:00 +0100",
        ),
    ],
)
def test_inspectors_arrive_on_monday_afternoon_and_feed_back_on_the_last_friday_morning(
    activity_type, onsite, start, feedback
):
    """003 ¶79: "arrive on site on Monday afternoon"; ¶52-55 timetables: feedback on the last Friday,
    "team off site by early afternoon" — so not 09:00 and not 18:00."""
    got = targets(timeline(activity_type, day(onsite)))
    assert got["fieldwork_start"] == start
    assert got["feedback_meeting"] == feedback


def test_short_inspection_has_the_standard_milestones_before_fieldwork():
    short = timeline("short-inspection", day("Monday 2025-01-13"))
    standard = timeline("standard-inspection", day("Monday 2025-01-13"))
    before = [m.key for m in standard.milestones if m.target.date() < standard.onsite]
    assert {k: v for k, v in targets(short).items() if k in before} == {
        k: v for k, v in targets(standard).items() if k in before
    }


def test_report_milestones_cross_christmas_and_new_year():
    got = targets(timeline("standard-inspection", day("Monday 2025-12-01")))
    assert got["feedback_meeting"] == "Friday 2025-12-12 12:00 +0000"
    assert got["draft_report_sent"] == "Tuesday 2025-12-30 17:00 +0000"
    assert got["factual_accuracy_comments"] == "Monday 2026-01-05 17:00 +0000"
    assert got["final_report_sent"] == "Monday 2026-01-12 17:00 +0000"
    assert got["publication"] == "Thursday 2026-01-15 09:30 +0000"


def test_footnote_17_a_bank_holiday_monday_moves_notification_to_the_friday_before():
    got = targets(timeline("standard-inspection", day("Monday 2025-06-02")))
    assert got["notification"] == "Friday 2025-05-23 09:30 +0100"
    assert got["child_level_data"] == "Tuesday 2025-05-27 17:00 +0100"


def test_footnote_17_at_easter_notification_is_on_the_thursday():
    got = targets(timeline("standard-inspection", day("Monday 2025-04-28")))
    assert got["notification"] == "Thursday 2025-04-17 09:30 +0100"


@pytest.mark.parametrize(
    ("onsite", "notification"),
    [
        ("Monday 2022-09-26", "Friday 2022-09-16 09:30 +0100"),  # state funeral, Monday 19 September 2022
        ("Monday 2023-05-15", "Friday 2023-05-05 09:30 +0100"),  # coronation, Monday 8 May 2023
        ("Monday 2020-05-11", "Friday 2020-05-01 09:30 +0100"),  # VE day: Monday 4 May 2020 was worked
    ],
)
def test_one_off_bank_holidays_move_notification(onsite, notification):
    assert targets(timeline("standard-inspection", day(onsite)))["notification"] == notification


def test_the_team_call_before_a_monday_start_skips_the_ve_day_friday():
    got = targets(timeline("standard-inspection", day("Monday 2020-05-11")))
    assert got["team_teleconference"] == "Thursday 2020-05-07 17:00 +0100"


@pytest.mark.parametrize(
    ("activity_type", "onsite", "expected"),
    [
        ("standard-inspection", "Monday 2025-01-13", "Friday 2025-01-10 17:00 +0000"),  # winter
        ("monitoring-visit", "Tuesday 2025-06-17", "Monday 2025-06-16 17:00 +0100"),  # summer
    ],
)
def test_where_a_commissioner_is_appointed_the_lead_inspector_asks_their_view_the_week_before(
    activity_type, onsite, expected
):
    """003 ¶205: "usually in the week before fieldwork": by the working day before D."""
    assert "commissioner_view" not in targets(timeline(activity_type, day(onsite)))
    got = targets(timeline(activity_type, day(onsite), flags=frozenset({"commissioner"})))
    assert got["commissioner_view"] == expected
