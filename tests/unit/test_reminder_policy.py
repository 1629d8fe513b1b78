"""The section 6 ladders and quiet hours, as pure functions of dates."""

from __future__ import annotations

import shutil
from datetime import datetime

import pytest

from calendars import LONDON
from models.reminders import POLICY_FILE, latest_due_step, load_policy, outside_quiet_hours, shipped_policy
from models.templates import EDITIONS_DIR, load_editions
from tests.helpers import when

POLICY = shipped_policy()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


@pytest.mark.parametrize(
    ("moment", "leaves"),
    [
        ("2025-01-06T09:30", "Monday 2025-01-06 09:30 +0000"),  # working hours: at once
        ("2025-01-06T06:15", "Monday 2025-01-06 08:00 +0000"),  # before 08:00: at 08:00
        ("2025-01-06T19:00", "Tuesday 2025-01-07 08:00 +0000"),  # after 18:00: next working day
        ("2025-04-17T18:30", "Tuesday 2025-04-22 08:00 +0100"),  # Thursday evening before Easter
        ("2025-01-04T11:00", "Monday 2025-01-06 08:00 +0000"),  # a Saturday
    ],
)
def test_letters_wait_for_working_hours(calendar, moment, leaves):
    assert when(outside_quiet_hours(at(moment), POLICY, calendar)) == leaves


def test_the_ladders_are_the_spec_section_6_table():
    la_returns = [(s.offset, s.to, s.cc) for s in POLICY.steps_for("case_information")]
    assert la_returns == [
        (0, ("dcs",), ("link_person",)),
        (1, ("dcs",), ("link_person", "lead_inspector")),
        (3, ("lead_inspector", "senior_hmi"), ()),
    ]
    assert [s.offset for s in POLICY.steps_for("action_plan_due")] == [-20, -10, -5, -1, 0, 1, 5]
    assert POLICY.steps_for("action_plan_due")[-1].to == ("senior_hmi", "regional_director")
    ofsted = [(s.offset, s.to) for s in POLICY.steps_for("draft_report_sent")]
    assert ofsted == [
        (-2, ("owner",)),
        (0, ("owner",)),
        (1, ("owner", "business_support")),
        (3, ("qa_manager", "senior_hmi")),
        (5, ("regional_director",)),
    ]
    assert [s.stage for s in POLICY.steps_for("further_information_7")] == ["due", "overdue+1", "overdue+3"]
    assert POLICY.steps_for("fieldwork_start") == ()


def test_a_sweep_after_an_outage_sends_only_the_newest_step(calendar):
    steps = POLICY.steps_for("action_plan_due")
    forecast = at("2025-06-03T17:00")  # Tuesday 3 June 2025
    assert latest_due_step(steps, forecast, at("2025-05-01T07:00"), calendar) is None
    assert latest_due_step(steps, forecast, at("2025-05-06T07:00"), calendar).stage == "before-20"
    assert latest_due_step(steps, forecast, at("2025-06-02T07:00"), calendar).stage == "before-1"
    assert latest_due_step(steps, forecast, at("2025-06-11T07:00"), calendar).stage == "overdue+5"


def test_a_per_milestone_override_replaces_its_ladder(tmp_path):
    edited = tmp_path / "policy.toml"
    override = '\n[overrides.publication]\nsteps = [{ offset = 0, to = ["owner"] }]\n'
    edited.write_text(POLICY_FILE.read_text(encoding="utf-8") + override, encoding="utf-8")
    policy = load_policy(edited)
    assert [s.stage for s in policy.steps_for("publication")] == ["due"]
    assert [s.stage for s in policy.steps_for("draft_report_sent")][:2] == ["before-2", "due"]


def test_a_broken_policy_file_is_a_clear_error(tmp_path):
    broken = tmp_path / "policy.toml"
    broken.write_text('send_time = "08:00"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="cannot read the reminder policy .*policy.toml"):
        load_policy(broken)


def test_the_voluntary_self_evaluation_gets_one_courtesy_reminder_and_never_a_chaser(calendar):
    """003 ¶27 "This part of the framework is voluntary"; ¶34 "no expectation that local authorities
    schedule their work around our timelines": five working days before, to the DCS, and nothing after."""
    steps = POLICY.steps_for("self_evaluation_shared")
    assert [(s.offset, s.to, s.cc, s.courtesy) for s in steps] == [(-5, ("dcs",), ("link_person",), True)]
    forecast = at("2025-06-03T17:00")  # Tuesday 3 June 2025: the courtesy reminder on Tuesday 27 May
    assert latest_due_step(steps, forecast, at("2025-05-23T07:00"), calendar) is None
    assert latest_due_step(steps, forecast, at("2025-05-27T07:00"), calendar).stage == "before-5"
    assert latest_due_step(steps, forecast, at("2025-06-20T07:00"), calendar).stage == "before-5"


@pytest.mark.parametrize("offset", [0, 2])
def test_a_courtesy_ladder_with_a_step_on_or_after_the_day_is_refused(tmp_path, offset):
    edited = tmp_path / "policy.toml"
    courtesy = (
        f'\n[overrides.agenda_agreed]\ncourtesy = true\nsteps = [{{ offset = {offset}, to = ["dcs"] }}]\n'
    )
    edited.write_text(POLICY_FILE.read_text(encoding="utf-8") + courtesy, encoding="utf-8")
    with pytest.raises(ValueError, match="agenda_agreed is a courtesy: its reminders come before the day"):
        load_policy(edited)


EDITION_WITH_ITS_OWN_REMINDERS = """
edition = "2025-04"
effective_from = 2025-04-01
extends = "2018-12"

[templates.standard-inspection.milestones]
practice_summary = { title = "Practice summary", owner = "LA", anchor = "D", offset = -3, source = "test" }
quality_review = { title = "Quality review", owner = "Ofsted", anchor = "E", offset = 5, source = "test" }

[reminders.overrides.publication]
steps = [{ offset = 0, to = ["owner"] }]
"""


@pytest.fixture
def later_edition(tmp_path):
    shutil.copy(EDITIONS_DIR / "2018-12.toml", tmp_path)
    (tmp_path / "2025-04.toml").write_text(EDITION_WITH_ITS_OWN_REMINDERS)
    return {e.edition: e for e in load_editions(tmp_path)}


def test_the_reminder_policy_can_differ_per_edition(later_edition):
    later, first = POLICY.for_edition(later_edition["2025-04"]), POLICY.for_edition(later_edition["2018-12"])
    assert [s.stage for s in later.steps_for("publication", "Ofsted")] == ["due"]
    assert [s.stage for s in first.steps_for("publication", "Ofsted")] == [
        "before-2",
        "due",
        "overdue+1",
        "overdue+3",
        "overdue+5",
    ]


def test_a_new_milestone_takes_its_owners_default_ladder(later_edition):
    policy = POLICY.for_edition(later_edition["2025-04"])
    assert policy.steps_for("practice_summary", "LA") == POLICY.steps_for("case_information", "LA")
    assert policy.steps_for("quality_review", "Ofsted") == POLICY.steps_for("draft_report_sent", "Ofsted")
    # What the policy names as reminder-free stays so, whoever owns it.
    assert policy.steps_for("fieldwork_start", "Ofsted") == ()


def test_every_shipped_milestone_is_named_by_the_policy(later_edition):
    """A shipped milestone with no ladder, override or `no_reminders` entry would fall to its owner's
    default by accident: each is named on purpose."""
    named = POLICY.named_milestones()
    for template in later_edition["2018-12"].templates.values():
        assert [r.key for r in template.milestones if r.key not in named and not r.event] == []


def test_an_owner_default_naming_an_unknown_ladder_is_refused(tmp_path):
    edited = tmp_path / "policy.toml"
    edited.write_text(
        POLICY_FILE.read_text(encoding="utf-8").replace('LA = "la_returns"', 'LA = "la_retruns"')
    )
    with pytest.raises(ValueError, match="owner LA's default ladder 'la_retruns' is not defined"):
        load_policy(edited)
