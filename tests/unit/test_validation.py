"""The shared checks on typed values: names, free text, choices and flags."""

from __future__ import annotations

import pytest

from models.templates import shipped_editions
from services.validation import InvalidInput, check_flags, free_text, known_flags, one_of, person


def template(activity_type: str):
    return shipped_editions()[-1].templates[activity_type]


@pytest.mark.parametrize(
    ("activity_type", "flags"),
    [
        # ¶14 lifts August for focused visits only; partner_concerns: letters to partner chief inspectors
        ("standard-inspection", {"commissioner", "inadequate", "partner_concerns"}),
        ("short-inspection", {"commissioner", "inadequate", "partner_concerns"}),
        ("focused-visit", {"by_agreement", "commissioner", "concerns", "priority_action"}),
        ("monitoring-visit", {"commissioner", "first_of_series", "second_set"}),
        ("action-planning-visit", set()),
        ("annual-engagement", {"after_focused_visit", "inadequate_first_year"}),
    ],
)
def test_each_type_knows_the_flags_its_template_uses(activity_type, flags):
    assert known_flags(template(activity_type)) == flags


def test_a_misspelt_flag_is_refused_with_the_nearest_and_every_valid_one():
    with pytest.raises(InvalidInput) as refused:
        check_flags(template("monitoring-visit"), ["first_of_sereis"])
    assert str(refused.value) == (
        "unknown monitoring-visit flag 'first_of_sereis' (did you mean 'first_of_series'?); "
        "valid: commissioner | first_of_series | second_set"
    )


def test_a_type_without_flags_says_so():
    with pytest.raises(InvalidInput, match="flag 'bogus': action-planning-visit takes no flags"):
        check_flags(template("action-planning-visit"), ["bogus"])


def test_known_flags_pass():
    assert check_flags(template("focused-visit"), ["by_agreement"]) == {"by_agreement"}


def test_a_choice_is_suggested_whatever_its_case():
    with pytest.raises(InvalidInput, match=r"unknown region 'london' \(did you mean 'London'\?\); valid: "):
        one_of("london", ["East Midlands", "London"], "region")


@pytest.mark.parametrize(
    ("text", "kept"), [("  Ann Example ", "Ann Example"), ("Zoë O'Brien-Łukasz", "Zoë O'Brien-Łukasz")]
)
def test_a_name_is_kept_without_the_spaces_around_it(text, kept):
    assert person(text) == kept


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "is blank"),
        (" \t ", "is blank"),
        ("\u200b", "is blank"),
        ("-", "is blank"),
        ("Ann\x00", "contains a control character"),
        ("Ann\nBea", "contains a control character"),
        ("Ann\x1b[31m", "contains a control character"),
        ("Ann\udcff", "is not valid text"),
    ],
)
def test_a_name_needs_a_letter_or_digit_and_nothing_invisible(text, problem):
    with pytest.raises(InvalidInput, match=problem):
        person(text, "--by")


def test_free_text_may_run_over_lines_but_not_hold_a_nul():
    assert free_text("first line\nsecond\tline ") == "first line\nsecond\tline"
    with pytest.raises(InvalidInput, match="--note: 'a\\\\x00b' contains a control character"):
        free_text("a\x00b", "--note")
