"""`ilacs editions check FILE.toml`: validate an edition file and show the dates it would change."""

from __future__ import annotations

from tests.unit.test_cli_timeline import run

LATER_PUBLICATION = """
edition = "2026-09"
title = "Publication 30 working days after fieldwork"
effective_from = 2026-09-01
extends = "2026-04"

[templates.standard-inspection.milestones.publication]
offset = 30
"""


def test_a_new_edition_is_checked_and_its_changed_dates_listed(capsys, tmp_path):
    """Samples start three weeks after the edition's first day, Tuesday 1 September 2026, on the type's
    usual weekday. Standard inspection: Monday 28 September to Friday 9 October 2026; publication 21
    working days on, Monday 9 November (GMT from 25 October), becomes 30, Friday 20 November. The short
    inspection, based on it, ends Friday 2 October: Monday 2 November becomes Friday 13 November."""
    path = tmp_path / "2026-09.toml"
    path.write_text(LATER_PUBLICATION)
    status, out, err = run(capsys, "editions", "check", str(path))
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0] == "edition 2026-09 loads: in force from 2026-09-01, 6 activity types"
    assert "standard-inspection on site Monday 2026-09-28 (against edition 2026-04):" in lines
    assert "  publication: Monday 2026-11-09 09:30 GMT -> Friday 2026-11-20 09:30 GMT" in lines
    assert "short-inspection on site Monday 2026-09-28 (against edition 2026-04):" in lines
    assert "  publication: Monday 2026-11-02 09:30 GMT -> Friday 2026-11-13 09:30 GMT" in lines
    assert "focused-visit on site Tuesday 2026-09-22 (against edition 2026-04): no date changes" in lines


def test_a_broken_edition_file_is_one_line_and_exit_2(capsys, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(LATER_PUBLICATION.replace('extends = "2026-04"', 'extends = "2026-4"'))
    status, out, err = run(capsys, "editions", "check", str(path))
    assert (status, out) == (2, "")
    assert err == "ilacs: error: bad.toml: edition 2026-09 extends unknown edition '2026-4'\n"


def test_a_missing_file_is_refused(capsys, tmp_path):
    status, _, err = run(capsys, "editions", "check", str(tmp_path / "none.toml"))
    assert status == 2 and err.startswith("ilacs: error: ") and "none.toml" in err
