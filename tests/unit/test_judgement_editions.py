"""Judgements and the judgement -> pathway mapping are edition data [003 ¶13-23, ¶96-97]; the edition in
force from 1 April 2026 reports four judgements and no overall grade."""

from __future__ import annotations

import shutil

import pytest

from models.templates import EDITIONS_DIR, TemplateError, edition_in_force, load_editions, shipped_editions
from tests.helpers import day

POST_REFORM = ("impact_of_leaders", "help_and_protection", "children_in_care", "care_leavers")


def grades(*four: str) -> dict[str, str]:
    return dict(zip(POST_REFORM, four, strict=True))


def test_the_december_2018_edition_maps_the_overall_grade_to_a_pathway():
    edition = edition_in_force(day("Friday 2025-01-24"))
    assert edition.edition == "2018-12"
    assert [a for a, _ in edition.judgements][0] == "overall_effectiveness"
    assert [edition.pathway_for({"overall_effectiveness": g}) for g in ("outstanding", "good")] == ["1", "1"]
    assert edition.pathway_for({"overall_effectiveness": "requires_improvement"}) == "2"
    assert edition.pathway_for({"overall_effectiveness": "inadequate"}) == "3"


@pytest.mark.parametrize(
    ("name", "four", "path"),
    [
        # good or outstanding for impact of leaders and at least two of the three practice judgements
        ("Liverpool", grades("good", "good", "good", "requires_improvement"), "1"),
        ("Lancashire", grades("outstanding", "good", "good", "outstanding"), "1"),
        (
            "Somerset",
            grades("requires_improvement", "requires_improvement", "requires_improvement", "good"),
            "2",
        ),
        (
            "leaders good, one practice judgement good",
            grades("good", "requires_improvement", "good", "requires_improvement"),
            "2",
        ),
        ("Trafford", grades("inadequate", "inadequate", "good", "requires_improvement"), "3"),
        ("care leavers inadequate", grades("good", "good", "good", "inadequate"), "3"),
    ],
)
def test_the_april_2026_edition_has_four_judgements_and_no_overall_grade(name, four, path):
    edition = edition_in_force(day("Friday 2026-05-22"))
    assert edition.edition == "2026-04" and edition.effective_from == day("Wednesday 2026-04-01")
    assert tuple(a for a, _ in edition.judgements) == POST_REFORM
    assert edition.pathway_for(four) == path, name


def test_a_pathway_rule_naming_a_judgement_the_edition_lacks_is_refused_when_editions_load(tmp_path):
    for edition in shipped_editions():
        shutil.copy(EDITIONS_DIR / f"{edition.edition}.toml", tmp_path)
    text = (tmp_path / "2026-04.toml").read_text(encoding="utf-8")
    (tmp_path / "2026-04.toml").write_text(
        text.replace('areas = ["impact_of_leaders"]', 'areas = ["leadership"]')
    )
    with pytest.raises(TemplateError, match="edition 2026-04: pathway 1: unknown judgement 'leadership'"):
        load_editions(tmp_path)
