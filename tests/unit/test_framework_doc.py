"""docs/framework.md states every milestone of the shipped edition as the edition file defines it."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.templates import shipped_editions

DOC = (Path(__file__).resolve().parents[2] / "docs" / "framework.md").read_text(encoding="utf-8")
EDITION = shipped_editions()[0]


def _target(rule) -> str:
    if rule.event:
        return f"when it happens ({rule.event})"
    if rule.months:
        step = f"{rule.anchor} + {rule.months} month{'s' if rule.months > 1 else ''}"
    elif rule.offset == 0:
        step = rule.anchor
    else:
        days = abs(rule.offset)
        step = f"{rule.anchor} {'+' if rule.offset > 0 else '−'} {days} working day{'s' if days != 1 else ''}"
    outside = "".join(f", outside {period.name}" for period in rule.outside)
    return f"{step}{' (from the actual, once recorded)' if rule.receipt else ''}{outside}, {rule.time:%H:%M}"


@pytest.mark.parametrize("template", EDITION.templates.values(), ids=lambda t: t.activity_type)
def test_each_milestone_is_in_the_framework_doc_as_the_edition_dates_it(template):
    heading = f"### {template.title} (`{template.activity_type}`)"
    assert heading in DOC
    section = DOC.split(heading, 1)[1].split("\n### ", 1)[0].splitlines()
    for rule in template.milestones:
        row = next((line for line in section if line.startswith(f"| `{rule.key}` — {rule.title}")), None)
        assert row is not None, rule.key
        assert f"| {rule.owner} | {_target(rule)} | {rule.source} |" in row, row
