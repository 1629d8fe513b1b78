"""Rule editions (spec section 7): a later edition is data, and an activity keeps the edition in force
on its notification day."""

from __future__ import annotations

import shutil

import pytest

from models.checks import onsite_warnings
from models.templates import EDITIONS_DIR, TemplateError, load_editions, shipped_editions
from models.timeline import TimelineError, plan, template_in_force
from tests.helpers import day

LATER_EDITION = """
edition = "2020-04"
title = "A later edition: publication 30 working days after fieldwork"
effective_from = 2020-04-01
extends = "2018-12"

[templates.standard-inspection.milestones.publication]
offset = 30
"""


@pytest.fixture
def editions(tmp_path):
    shutil.copy(EDITIONS_DIR / "2018-12.toml", tmp_path)
    (tmp_path / "2020-04.toml").write_text(LATER_EDITION)
    return load_editions(tmp_path)


def test_the_december_2018_and_april_2026_editions_ship_with_every_activity_type():
    assert [e.edition for e in shipped_editions()] == ["2018-12", "2026-04"]
    edition = shipped_editions()[-1]
    assert set(edition.templates) == {
        "standard-inspection",
        "short-inspection",
        "focused-visit",
        "monitoring-visit",
        "action-planning-visit",
        "annual-engagement",
    }


def test_an_activity_notified_before_a_new_edition_keeps_the_old_one(editions, calendar):
    onsite = day("Monday 2020-04-06")  # notified Monday 30 March 2020
    template = template_in_force("standard-inspection", onsite, calendar=calendar, editions=editions)
    tl = plan(template, onsite, calendar=calendar)
    assert tl.edition == "2018-12"
    assert calendar.working_days_between(tl.fieldwork_end, tl["publication"].target.date()) == 21


def test_an_activity_notified_after_a_new_edition_takes_effect_uses_it(editions, calendar):
    onsite = day("Monday 2020-04-20")  # notified Thursday 9 April 2020, before Easter
    template = template_in_force("standard-inspection", onsite, calendar=calendar, editions=editions)
    tl = plan(template, onsite, calendar=calendar)
    assert tl.edition == "2020-04"
    assert calendar.working_days_between(tl.fieldwork_end, tl["publication"].target.date()) == 30
    assert calendar.working_days_between(tl.fieldwork_end, tl["final_report_sent"].target.date()) == 18


def test_a_later_edition_inherits_the_types_it_does_not_restate(editions, calendar):
    onsite = day("Tuesday 2020-06-09")
    template = template_in_force("focused-visit", onsite, calendar=calendar, editions=editions)
    assert template.edition == "2020-04"
    assert template.rule("publication").offset == 16


def test_a_milestone_anchored_on_an_undeclared_milestone_is_refused(tmp_path):
    (tmp_path / "bad.toml").write_text(
        'edition = "x"\neffective_from = 2018-01-01\n[templates.t]\ntitle = "T"\nfieldwork_days = 1\n'
        'notification = "a"\n[templates.t.milestones]\n'
        'a = { title = "A", owner = "LA", source = "", anchor = "b", offset = 1 }\n'
    )
    with pytest.raises(TemplateError, match="t.a: depends on 'b', not declared before it"):
        load_editions(tmp_path)


def test_an_unknown_milestone_field_is_refused(tmp_path):
    (tmp_path / "bad.toml").write_text(
        'edition = "x"\neffective_from = 2018-01-01\n[templates.t]\ntitle = "T"\nfieldwork_days = 1\n'
        'notification = "a"\n[templates.t.milestones]\n'
        'a = { title = "A", owner = "LA", source = "", anchor = "D", ofset = 1 }\n'
    )
    with pytest.raises(TemplateError, match=r"unknown fields \['ofset'\]"):
        load_editions(tmp_path)


def test_every_shipped_milestone_cites_its_source():
    for edition in shipped_editions():
        for template in edition.templates.values():
            assert [r.key for r in template.milestones if not r.source] == [], template.activity_type


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            '[templates.focused-visit]\navoid_periods = [{ period = "augst", from = "D", to = "E" }]',
            r"unknown period 'augst' \(the edition defines august, christmas_new_year\)",
        ),
        (
            '[templates.focused-visit]\navoid_periods = [{ period = "august", from = "D", to = "X" }]',
            "focused-visit: avoid_periods: 'D' is not a dated milestone every focused-visit has",
        ),
        (
            '[groups.after_inadequate.action_planning_visit]\noutside = ["augst"]',
            r"action_planning_visit: outside names unknown period 'augst' \(the edition has august",
        ),
        (
            '[periods.august]\nend = "08-32"',
            r"edition 2020-04: period august: '08-32' is not a month and day",
        ),
    ],
)
def test_a_season_the_edition_does_not_define_is_refused_when_editions_load(tmp_path, change, message):
    shutil.copy(EDITIONS_DIR / "2018-12.toml", tmp_path)
    (tmp_path / "2020-04.toml").write_text(LATER_EDITION + change + "\n")
    with pytest.raises(TemplateError, match=message):
        load_editions(tmp_path)


def test_a_later_edition_can_move_a_season(tmp_path, calendar):
    """Christmas and New Year from 22 December: an inspection on Monday 21 December 2026 (notified
    Monday 14 December) no longer begins in it; under the shipped edition its Friday 18 December (D - 1)
    is the period's first day."""
    shutil.copy(EDITIONS_DIR / "2018-12.toml", tmp_path)
    (tmp_path / "2020-04.toml").write_text(LATER_EDITION + '[periods.christmas_new_year]\nstart = "12-22"\n')
    onsite = day("Monday 2026-12-21")
    later = template_in_force(
        "standard-inspection", onsite, calendar=calendar, editions=load_editions(tmp_path)
    )
    shipped = template_in_force("standard-inspection", onsite, calendar=calendar)
    assert [w for w in onsite_warnings(later, onsite, calendar) if "period" in w] == []
    assert [w for w in onsite_warnings(shipped, onsite, calendar) if "period" in w] == [
        "2026-12-18 (Call between Ofsted's analytical officer and the LA analyst) falls in the Christmas and "
        "New Year period: "
        "no inspection begins over Christmas and New Year (framework paragraph 14)"
    ]


NEW_TYPE_EDITION = """
edition = "2025-04"
title = "An edition that adds a type"
effective_from = 2025-04-01
extends = "2018-12"

[templates.practice-review]
title = "Practice review"
source = "test"
fieldwork_days = 1
notification = "notification"

[templates.practice-review.milestones]
notification = { title = "Notification", owner = "Ofsted", anchor = "D", offset = -5, source = "test" }
"""


def test_a_type_first_defined_in_a_later_edition_is_refused_before_that_edition_is_in_force(
    tmp_path, calendar
):
    shutil.copy(EDITIONS_DIR / "2018-12.toml", tmp_path)
    (tmp_path / "2025-04.toml").write_text(NEW_TYPE_EDITION)
    editions = load_editions(tmp_path)
    # On site Tuesday 8 April 2025, notified Tuesday 1 April, the edition's first day: in force.
    template = template_in_force(
        "practice-review", day("Tuesday 2025-04-08"), calendar=calendar, editions=editions
    )
    assert template.edition == "2025-04"
    # On site Monday 7 April 2025, notified Monday 31 March: the type did not exist yet.
    message = (
        r"practice-review is first defined by edition 2025-04, in force from 2025-04-01; "
        r"an activity on site on 2025-04-07 is notified on 2025-03-31, before it"
    )
    with pytest.raises(TimelineError, match=message):
        template_in_force("practice-review", day("Monday 2025-04-07"), calendar=calendar, editions=editions)
    # The earliest edition still covers activities from before it (history from 2017 onwards).
    old = template_in_force(
        "standard-inspection", day("Monday 2017-11-06"), calendar=calendar, editions=editions
    )
    assert old.edition == "2018-12"
