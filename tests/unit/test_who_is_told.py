"""Who is told what, and when, as the framework says [003 ¶204, ¶228, ¶233-234]: the milestones the
edition adds for them. Each date is counted by hand, weekday and clock (GMT or BST) included."""

from __future__ import annotations

import pytest

from models.reminders import shipped_policy
from tests.helpers import day
from tests.unit.timelines import targets, timeline


@pytest.mark.parametrize(
    ("activity_type", "onsite", "told"),
    [
        # Winter: on site Monday 12 January 2026, notified Monday 5 January (D - 5); the DfE is told by
        # the end of that day, 17:00 GMT.
        ("standard-inspection", "Monday 2026-01-12", "Monday 2026-01-05 17:00 +0000"),
        # Summer: a short inspection on site Monday 8 June 2026, notified Monday 1 June, 17:00 BST.
        ("short-inspection", "Monday 2026-06-08", "Monday 2026-06-01 17:00 +0100"),
        # A focused visit on site Tuesday 16 June 2026, notified Tuesday 9 June (D - 5).
        ("focused-visit", "Tuesday 2026-06-16", "Tuesday 2026-06-09 17:00 +0100"),
        # A monitoring visit on site Tuesday 9 June 2026: its notification is the data request 11 working
        # days before (8, 5, 4, 3, 2, 1 June, 29, 28, 27, 26 May; 25 May is the spring bank holiday),
        # Friday 22 May.
        ("monitoring-visit", "Tuesday 2026-06-09", "Friday 2026-05-22 17:00 +0100"),
    ],
)
def test_where_a_commissioner_is_appointed_the_dfe_is_told_the_activity_has_started(
    activity_type, onsite, told
):
    """003 ¶204: "Ofsted will also inform the DfE that an inspection or visit has started" - in the
    section on Commissioners; the activity starts for the LA with its notification."""
    assert (
        targets(timeline(activity_type, day(onsite), flags=frozenset({"commissioner"})))["dfe_informed"]
        == told
    )
    assert "dfe_informed" not in targets(timeline(activity_type, day(onsite)))


@pytest.mark.parametrize(
    ("onsite", "letters"),
    [
        # Winter: on site Monday 9 November 2026, E Friday 20 November; the draft report 10 working days
        # later, Friday 4 December, 17:00 GMT.
        ("Monday 2026-11-09", "Friday 2026-12-04 17:00 +0000"),
        # Summer: on site Monday 8 June 2026, E Friday 19 June; Friday 3 July, 17:00 BST.
        ("Monday 2026-06-08", "Friday 2026-07-03 17:00 +0100"),
    ],
)
def test_letters_to_partner_chief_inspectors_go_with_the_draft_report_only_on_concerns(onsite, letters):
    """003 ¶233-234: only where there are significant concerns about other agencies' practice, drafted
    when the draft report is submitted for quality assurance, which is before the draft goes to the LA."""
    with_concerns = targets(
        timeline("standard-inspection", day(onsite), flags=frozenset({"partner_concerns"}))
    )
    assert with_concerns["partner_inspectorate_letters"] == letters == with_concerns["draft_report_sent"]
    assert "partner_inspectorate_letters" not in targets(timeline("standard-inspection", day(onsite)))


@pytest.mark.parametrize(
    ("meeting", "shared"),
    [
        # Winter: the annual engagement meeting on Tuesday 10 November 2026; 10 working days before is
        # Tuesday 27 October (9, 6, 5, 4, 3, 2 November, 30, 29, 28, 27 October), after the clocks went
        # back on Sunday 25 October: 17:00 GMT.
        ("Tuesday 2026-11-10", "Tuesday 2026-10-27 17:00 +0000"),
        # Summer: the meeting on Tuesday 9 June 2026; Tuesday 26 May (8, 5, 4, 3, 2, 1 June, 29, 28, 27,
        # 26 May), 17:00 BST.
        ("Tuesday 2026-06-09", "Tuesday 2026-05-26 17:00 +0100"),
    ],
)
def test_after_a_focused_visit_the_updated_action_plan_comes_with_the_self_evaluation(meeting, shared):
    """003 ¶228: the updated action plan is sent when the LA shares its self-evaluation for the next
    annual engagement meeting ("should send"); one reminder before the day and no chaser, since the
    self-evaluation it travels with is voluntary [¶27]."""
    dated = targets(timeline("annual-engagement", day(meeting), flags=frozenset({"after_focused_visit"})))
    assert dated["updated_action_plan_shared"] == shared == dated["self_evaluation_shared"]
    assert "updated_action_plan_shared" not in targets(timeline("annual-engagement", day(meeting)))
    policy = shipped_policy()
    steps = policy.steps_for("updated_action_plan_shared", "LA")
    assert [(s.offset, s.to, s.courtesy) for s in steps] == [(-5, ("dcs",), False)]


def test_the_dfe_letter_goes_to_the_dfe_and_the_action_plan_review_is_shared_with_it():
    """003 ¶204: the letter telling the DfE is addressed to its inspections and interventions team;
    ¶126: the letter reviewing the action plan goes to the DCS and is shared with that team."""
    letters = shipped_policy().letters
    assert (letters["dfe_informed"].to, letters["dfe_informed"].cc) == ("dfe_inspections_team", ())
    assert letters["action_plan_review_letter"].to == "dcs"
    assert "dfe_inspections_team" in letters["action_plan_review_letter"].cc
