"""What could not have happened is refused by the commands, in one line, writing nothing: an actual
before its earliest moment, and an outcome before fieldwork ends. Winter and summer."""

from __future__ import annotations

import json
import shlex

import pytest
from sqlalchemy import inspect, text

from interfaces.cli import main

WINTER = "schedule standard-inspection --la E09000002 --onsite 2025-01-13 --lead Ann --as-of 2025-01-02"
SUMMER = "schedule standard-inspection --la E09000002 --onsite 2025-06-16 --lead Ann --as-of 2025-06-02"


def run(capsys, command: str) -> tuple[int, str, str]:
    status = main(shlex.split(command))
    out, err = capsys.readouterr()
    return status, out, err


def everything(engine) -> dict:
    with engine.connect() as connection:
        names = inspect(connection).get_table_names()
        return {n: connection.execute(text(f"SELECT * FROM {n} ORDER BY 1")).all() for n in sorted(names)}


def test_a_draft_report_dated_before_fieldwork_is_refused_and_moves_nothing(store, capsys):
    assert run(capsys, WINTER)[0] == 0
    before = everything(store)
    status, out, err = run(capsys, "done 1 draft_report_sent --at 2025-01-01 --by Bea --as-of 2025-02-10")
    assert (status, out) == (2, "")
    assert err == (
        "ilacs: error: Draft report sent for factual accuracy (draft_report_sent) "
        "cannot have happened at Wednesday 1 January 2025 17:00 GMT: "
        "not before the last day of fieldwork, Friday 24 January 2025\n"
    )
    assert everything(store) == before
    shown = {m["key"]: m for m in json.loads(run(capsys, "show 1 --json")[1])["milestones"]}
    assert shown["factual_accuracy_comments"]["target"] == "2025-02-12T17:00:00+00:00"  # Wednesday, E+13


@pytest.mark.parametrize(
    ("schedule", "too_early", "first_allowed", "message"),
    [
        (
            WINTER,
            "2025-01-23T17:00",
            "2025-01-24T00:00",
            "not before the last day of fieldwork, Friday 24 January 2025",
        ),
        (
            SUMMER,
            "2025-06-26T23:59",
            "2025-06-27T00:00",  # BST: 22:59 and 23:00 UTC
            "not before the last day of fieldwork, Friday 27 June 2025",
        ),
    ],
)
def test_judgements_come_at_the_end_of_fieldwork(store, capsys, schedule, too_early, first_allowed, message):
    assert run(capsys, schedule)[0] == 0
    before = everything(store)
    status, out, err = run(capsys, f"outcome 1 --overall good --by Ann --as-of {too_early}")
    assert (status, out, err.count("\n")) == (2, "", 1) and message in err
    assert everything(store) == before
    assert run(capsys, f"outcome 1 --overall good --by Ann --as-of {first_allowed}")[0] == 0


def test_a_recorded_feedback_meeting_is_the_earliest_moment_for_judgements(store, capsys):
    assert run(capsys, WINTER)[0] == 0
    feedback = "done 1 feedback_meeting --at 2025-01-24T13:30 --by Ann --as-of 2025-01-24T14:00"
    assert run(capsys, feedback)[0] == 0
    status, _, err = run(capsys, "outcome 1 --overall good --by Ann --as-of 2025-01-24T12:00")
    assert status == 2 and "not before the feedback meeting, recorded at 2025-01-24 13:30 GMT" in err
    assert run(capsys, "outcome 1 --overall good --by Ann --as-of 2025-01-24T13:45")[0] == 0


def test_a_focused_visits_priority_action_comes_at_the_end_of_fieldwork_too(store, capsys):
    visit = "schedule focused-visit --la E09000002 --onsite 2025-02-04 --lead Ann --as-of 2025-01-20"
    assert run(capsys, visit)[0] == 0  # Tuesday 4 and Wednesday 5 February
    status, _, err = run(capsys, "outcome 1 --priority-action --by Ann --as-of 2025-02-04T16:00")
    assert status == 2 and "not before the last day of fieldwork, Wednesday 5 February 2025" in err
    assert run(capsys, "outcome 1 --priority-action --by Ann --as-of 2025-02-05T16:00")[0] == 0
