"""What each activity type is (graded, takes an area for priority action, importable as history, named in
the preview's help) and the reasons to defer are data of the edition, read by every part that asks."""

from __future__ import annotations

import shutil

import pytest

from interfaces.cli import main
from models.templates import EDITIONS_DIR, TemplateError, load_editions, template_for_edition, types_with

LATER_EDITION = """
edition = "2021-09"
effective_from = 2021-09-01
extends = "2018-12"

[deferral.allowed]
pandemic = { label = "a national lockdown" }

[templates.focused-visit]
graded = true
"""


def test_the_shipped_edition_says_which_types_are_what():
    assert types_with("graded") == ("standard-inspection", "short-inspection")
    assert types_with("priority_action") == ("focused-visit",)
    inspections_and_visits = ("standard-inspection", "short-inspection", "focused-visit", "monitoring-visit")
    assert types_with("history") == types_with("previewed") == inspections_and_visits


def test_a_type_based_on_another_shares_its_facts():
    assert template_for_edition("short-inspection", "2018-12").graded


def test_the_reasons_to_defer_are_the_frameworks_and_the_refused_ones_say_why():
    reasons = template_for_edition("focused-visit", "2018-12").deferral_reasons
    assert [r.code for r in reasons if r.allowed] == ["weather", "power-failure", "serious-incident"]
    refused = {r.code: r for r in reasons if not r.allowed}
    assert set(refused) == {"staff-absence", "dcs-absence", "dcs-unavailable"}
    assert refused["dcs-absence"].why == "framework paragraph 75: the start is not delayed"


def test_a_later_edition_restates_only_the_facts_and_reasons_that_change(tmp_path):
    shutil.copy(EDITIONS_DIR / "2018-12.toml", tmp_path)
    (tmp_path / "2021-09.toml").write_text(LATER_EDITION)
    older, newer = load_editions(tmp_path)
    assert not older.templates["focused-visit"].graded and newer.templates["focused-visit"].graded
    assert newer.templates["focused-visit"].priority_action and newer.templates["standard-inspection"].graded
    assert [r.code for r in newer.deferral_reasons if r.allowed][-1] == "pandemic"
    assert newer.templates["monitoring-visit"].deferral_reasons == newer.deferral_reasons
    assert "pandemic" not in {r.code for r in older.deferral_reasons}


def test_a_fact_is_true_or_false(tmp_path):
    text = (EDITIONS_DIR / "2018-12.toml").read_text(encoding="utf-8")
    (tmp_path / "bad.toml").write_text(text.replace("graded = true", 'graded = "yes"', 1), encoding="utf-8")
    with pytest.raises(TemplateError, match="graded, priority_action, history, previewed are true or false"):
        load_editions(tmp_path)


def test_the_command_line_offers_what_the_edition_says(capsys):
    def help_of(command: str) -> str:
        with pytest.raises(SystemExit):
            main([command, "--help"])
        return "".join(capsys.readouterr().out.split())  # as one line, wherever argparse wrapped it

    assert "weather|power-failure|serious-incident" in help_of("defer")
    assert "oneof" + ",".join(types_with("previewed")) + "(andmore)" in help_of("timeline")
