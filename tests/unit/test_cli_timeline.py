"""`ilacs timeline`: the preview staff use, its JSON shape, and its one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from interfaces.cli import main
from tests.unit.test_inspection_timelines import STANDARD_JANUARY_2025


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_json_gives_every_milestone_with_london_offsets(capsys):
    status, out, err = run(capsys, "timeline", "standard-inspection", "--onsite", "2025-01-13", "--json")
    assert (status, err) == (0, "")
    data = json.loads(out)
    assert (data["activity_type"], data["onsite"], data["fieldwork_end"]) == (
        "standard-inspection",
        "2025-01-13",
        "2025-01-24",
    )
    assert data["edition"] == "2018-12"
    keys = [m["key"] for m in data["milestones"]]
    assert keys == list(STANDARD_JANUARY_2025)
    first = data["milestones"][0]
    assert first["target"] == first["forecast"] == "2025-01-06T09:30:00+00:00"
    assert {"key", "title", "owner", "target", "forecast", "provisional"} <= set(first)
    assert data["milestones"][-1]["target"] == "2025-06-03T17:00:00+01:00"


def test_the_table_shows_title_owner_weekday_date_and_time_within_100_columns(capsys):
    status, out, _ = run(capsys, "timeline", "focused-visit", "--onsite", "2025-02-04")
    assert status == 0
    line = next(row for row in out.splitlines() if row.startswith("Child-level data lists"))
    assert "LA" in line and "Wed 29 Jan 2025 12:00" in line and "child_level_data" not in out
    args = [
        "--actual",
        "draft_report_sent=2025-02-10T11:00",
        "--actual",
        "factual_accuracy_comments=2025-02-13T10:00",
    ]
    out = run(capsys, "timeline", "standard-inspection", "--onsite", "2025-01-13", *args)[1]
    assert max(len(row) for row in out.splitlines()) <= 100
    rows = out.splitlines()
    # what happened and the forecasts it moved: Fri 7 Feb's draft report done on Mon 10 Feb moves the
    # final report (E+18, Wed 19 Feb) to Thu 20 Feb
    assert any(
        r.startswith("Draft report sent for factual") and r.endswith("done Mon 10 Feb 2025 11:00")
        for r in rows
    )
    assert any(
        r.startswith("Final report sent under embargo") and r.endswith("forecast Thu 20 Feb 2025 17:00")
        for r in rows
    )
    assert "Factual accuracy comments" in out


def test_actuals_move_the_forecasts(capsys):
    args = ["timeline", "standard-inspection", "--onsite", "2025-01-13", "--json"]
    status, out, _ = run(capsys, *args, "--actual", "draft_report_sent=2025-02-10T11:00")
    milestones = {m["key"]: m for m in json.loads(out)["milestones"]}
    assert status == 0
    assert milestones["draft_report_sent"]["actual"] == "2025-02-10T11:00:00+00:00"
    assert milestones["factual_accuracy_comments"]["target"] == "2025-02-13T17:00:00+00:00"
    assert milestones["final_report_sent"]["forecast"] == "2025-02-20T17:00:00+00:00"


def test_a_first_monitoring_visit_shows_publication_as_not_applicable(capsys):
    args = ["timeline", "monitoring-visit", "--onsite", "2025-03-11", "--flag", "first_of_series", "--json"]
    _, out, _ = run(capsys, *args)
    publication = json.loads(out)["milestones"][-1]
    assert (publication["key"], publication["status"], publication["target"]) == (
        "publication",
        "not_applicable",
        None,
    )
    assert "not published" in publication["rule"]


FOCUSED = "timeline focused-visit --onsite 2025-02-04"


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("timeline full-inspection --onsite 2025-01-13", "unknown activity type 'full-inspection'"),
        (
            "timeline focused-visit --onsite 2025-13-01",
            "--onsite: '2025-13-01' is not a date; use YYYY-MM-DD",
        ),
        (
            "timeline standard-inspection --onsite 2025-12-25",
            "2025-12-25 is Christmas Day, not a working day",
        ),
        ("timeline focused-visit --onsite 2025-02-08", "2025-02-08 is a Saturday, not a working day"),
        (
            f"{FOCUSED} --actual draft_report_sent=2025-02-12T10:00",
            "focused-visit has no milestone 'draft_report_sent'",
        ),
        (
            f"{FOCUSED} --actual draft_letter_sent=2025-02-12T10:00 "
            "--actual factual_accuracy_comments=2025-02-11",
            "(factual_accuracy_comments) cannot have happened",
        ),
        (f"{FOCUSED} --actual notification", "use KEY=ISO_DATETIME"),
        (f"{FOCUSED} --actual notification=soon", "not an ISO date-time"),
        ("timeline focused-visit", "the following arguments are required: --onsite"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_status_2(capsys, command, message):
    status, out, err = run(capsys, *command.split())
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("ilacs: error: ")
    assert message in err


def test_unusual_but_legal_dates_warn_and_proceed(capsys):
    status, out, err = run(capsys, "timeline", "standard-inspection", "--onsite", "2025-04-22")
    assert status == 0 and "Feedback meeting with the DCS" in out
    assert "usually starts on a Monday; 2025-04-22 is a Tuesday" in err
    assert "spans Early May bank holiday (2025-05-05)" in err


def test_a_standard_inspection_over_christmas_warns(capsys):
    status, _, err = run(capsys, "timeline", "standard-inspection", "--onsite", "2025-12-22")
    assert status == 0
    assert "falls in the Christmas and New Year period" in err


def test_the_preview_never_imports_prefect():
    code = (
        "import sys; from interfaces.cli import main; "
        "main(['timeline', 'short-inspection', '--onsite', '2025-03-03', '--json']); "
        "sys.exit(3 if 'prefect' in sys.modules else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_the_installed_console_script_answers():
    result = subprocess.run(
        [Path(sys.executable).with_name("ilacs"), "timeline", "short-inspection", "--onsite", "2025-03-03"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Short inspection: on site Monday 03 March 2025 to Friday 07 March 2025")
