"""What each pathway holds (models/programme.toml `pathway_activities`), checked when the rules load,
and an LA's latest judgements in its edition's words."""

from __future__ import annotations

from datetime import date

import pytest

from models.programme import LocalAuthorityState, in_words, judged, load_rules, pathway


def test_the_shipped_pathways_hold_what_the_framework_diagram_gives():
    """003 ¶13 and ¶17-22: short inspections for good LAs, standard for the others, monitoring and the
    action planning visit only after an inadequate judgement, the annual engagement for all."""
    held = load_rules().pathway_activities
    assert held == {
        "pathway-1": ["short-inspection", "focused-visit", "annual-engagement"],
        "pathway-2": ["standard-inspection", "focused-visit", "annual-engagement"],
        "pathway-3": [
            "action-planning-visit",
            "monitoring-visit",
            "standard-inspection",
            "annual-engagement",
        ],
    }


def test_a_pathway_naming_an_activity_type_that_does_not_exist_is_refused_at_load():
    with pytest.raises(ValueError, match="pathway_activities names no activity type monitoring-vist"):
        load_rules(pathway_activities={"pathway-3": ["monitoring-vist"]})


def test_a_post_reform_inspection_is_said_by_its_four_judgements_in_the_editions_order():
    """Somerset, short inspection ended Friday 1 May 2026 (2026-04 edition): requires improvement for
    the three first judgements, good for care leavers, so not pathway 1 (leaders not good) nor 3."""
    grades = {
        "care_leavers": "good",
        "impact_of_leaders": "requires_improvement",
        "help_and_protection": "requires_improvement",
        "children_in_care": "requires_improvement",
    }
    state = LocalAuthorityState(
        "E06000066",
        "Somerset",
        "South West",
        "short-inspection",
        date(2026, 5, 1),
        "",
        judgements=tuple(grades.items()),
    )
    assert pathway(state) == "2"
    assert [grade for _, grade in judged(state)] == ["requires improvement"] * 3 + ["good"]
    assert judged(state)[3][0] == "The experiences and progress of care leavers"


def test_an_overall_grade_is_said_as_the_grade_for_overall_effectiveness():
    state = LocalAuthorityState(
        "E09000007", "Camden", "London", "short-inspection", date(2025, 3, 7), "outstanding"
    )
    assert in_words(judged(state)) == "outstanding for overall effectiveness"
    assert pathway(state) == "1"
