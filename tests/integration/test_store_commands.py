"""The store's commands as staff type them, against SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shlex

import pytest

from interfaces.cli import main

SCHEDULE = "schedule standard-inspection --la E09000002 --onsite 2025-01-13 --lead Ann --as-of 2025-01-02"


def run(capsys, command: str) -> tuple[int, str, str]:
    status = main(shlex.split(command))
    out, err = capsys.readouterr()
    return status, out, err


def test_schedule_prints_the_new_id_and_show_gives_its_milestones(store, capsys):
    assert run(capsys, SCHEDULE) == (0, "1\n", "")
    status, out, _ = run(capsys, "show 1 --json")
    data = json.loads(out)
    assert status == 0 and (data["id"], data["la"], data["onsite"]) == (1, "E09000002", "2025-01-13")
    assert data["milestones"][0]["target"] == "2025-01-06T09:30:00+00:00"


def test_schedule_json_gives_the_id_and_milestones_shaped_as_the_preview(store, capsys):
    status, out, _ = run(capsys, SCHEDULE + " --json")
    scheduled = json.loads(out)
    _, preview_out, _ = run(capsys, "timeline standard-inspection --onsite 2025-01-13 --json")
    preview = json.loads(preview_out)
    assert status == 0 and scheduled["id"] == 1
    assert scheduled["milestones"] == preview["milestones"]


def test_done_moves_the_chain_and_due_and_overdue_follow(store, capsys):
    run(capsys, SCHEDULE)
    status, out, _ = run(
        capsys, "done 1 draft_report_sent --at 2025-02-10T11:00 --by Ann --as-of 2025-02-10T12:00"
    )
    assert status == 0
    assert "factual_accuracy_comments: target 2025-02-12T17:00:00+00:00 -> 2025-02-13T17:00:00+00:00" in out
    _, out, _ = run(capsys, "due --within 3 --as-of 2025-02-11 --owner LA --json")
    assert [(d["activity"], d["key"]) for d in json.loads(out)["items"]] == [(1, "factual_accuracy_comments")]
    _, out, _ = run(capsys, "overdue --as-of 2025-02-11 --json")
    overdue = [d["key"] for d in json.loads(out)["items"]]
    assert "notification" in overdue and "draft_report_sent" not in overdue


def test_a_refused_deferral_is_one_line_and_exit_status_2(store, capsys):
    run(capsys, SCHEDULE)
    status, out, err = run(capsys, "defer 1 --to 2025-01-20 --reason dcs-absence --by Bea")
    assert (status, out) == (2, "")
    assert err.count("\n") == 1 and "not deferred for the DCS's absence" in err


def test_deferral_to_a_bank_holiday_is_refused_naming_it(store, capsys):
    run(capsys, SCHEDULE)
    status, _, err = run(capsys, "defer 1 --to 2025-04-21 --reason weather --by Bea")
    assert status == 2 and "2025-04-21 is Easter Monday, not a working day" in err


def test_audit_verify_reports_the_chain(store, capsys):
    run(capsys, SCHEDULE)
    status, out, err = run(capsys, "audit verify")
    assert (status, err) == (0, "") and out.startswith(
        "audit chain verifies over 1 entry; it holds the checkpoint"
    )


def test_importing_las_with_a_bad_row_names_the_line_and_imports_nothing(store, capsys, tmp_path):
    bad = tmp_path / "las.csv"
    bad.write_text(
        "ons_code,name,ofsted_region\nE06000099,Newtown,South West\nX123,Oldtown,London\n", encoding="utf-8"
    )
    status, out, err = run(capsys, f"import las {bad}")
    assert (status, out) == (2, "")
    assert err == "ilacs: error: las.csv: line 3: ons_code 'X123' is not an English LA code like E09000002\n"
    newtown = "schedule focused-visit --la E06000099 --onsite 2025-02-04 --lead Ann"
    assert run(capsys, newtown)[0] == 2  # line 2 was good, but nothing of the file went in
    good = tmp_path / "good.csv"
    good.write_text("ons_code,name,ofsted_region\nE06000099,Newtown,South West\n", encoding="utf-8")
    assert run(capsys, f"import las {good}")[0] == 0
    assert run(capsys, newtown)[0] == 0


def test_importing_contacts_checks_every_row(store, capsys, tmp_path):
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(
        "la_code,role,name,email,valid_from\n"
        "E09000002,dcs,Dee Director,dcs@example.org,2024-09-01\n"
        "E09000002,mayor,Max Mayor,mayor@example.org,2024-09-01\n",
        encoding="utf-8",
    )
    status, _, err = run(capsys, f"import contacts {contacts}")
    assert status == 2 and "contacts.csv: line 3: role 'mayor' is not one of dcs" in err


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("done 9 notification --by Ann", "no activity 9"),
        ("done 1 publication_day --by Ann", "has no milestone 'publication_day'"),
        ("schedule short-inspection --la E99999999 --onsite 2025-03-03 --lead Ann", "no local authority"),
        ("schedule focused-visit --la E09000002 --onsite 2025-13-01 --lead Ann", "is not a date"),
        ("import las /no/such/file.csv", "cannot read /no/such/file.csv"),
    ],
)
def test_bad_store_input_is_one_line_and_exit_status_2(store, capsys, command, message):
    run(capsys, SCHEDULE)
    status, out, err = run(capsys, command)
    assert (status, out) == (2, "")
    assert err.count("\n") == 1 and message in err


# Two standard inspections: Barking and Dagenham on site Mon 13 Jan 2025 (GMT), Barnet Mon 9 Jun 2025 (BST).
# Each is notified the Monday before (09:30, confirmation 12:00, set-up call 14:00, owned "Ofsted + LA"),
# the child-level data and audits are due Tuesday 17:00, the management information Wednesday 17:00.
SUMMER = "schedule standard-inspection --la E09000003 --onsite 2025-06-09 --lead Ann --as-of 2025-05-01"


def test_overdue_counts_first_then_pages_by_target_with_titles(store, capsys):
    run(capsys, SCHEDULE)
    run(capsys, SUMMER)
    # Thu 9 Jan 12:00 GMT: Monday's three (Ofsted's), Tuesday's two and Wednesday's one (the LA's)
    status, out, _ = run(capsys, "overdue --as-of 2025-01-09T12:00 --limit 4 --page 2")
    lines = out.splitlines()
    assert status == 0 and lines[0] == "overdue: 6 (Ofsted's 3, the LA's 3); rows 5 to 6, page 2 of 2"
    assert lines[1:] == [
        "Tue 07 Jan 2025 17:00  #1 Barking and Dagenham (standard inspection)  "
        "Audits completed in the last six months  [LA]",
        "Wed 08 Jan 2025 17:00  #1 Barking and Dagenham (standard inspection)  "
        "Information used to manage services  [LA]",
    ]
    data = json.loads(run(capsys, "overdue --as-of 2025-01-09T12:00 --limit 4 --json")[1])
    assert (data["total"], data["sections"], data["page"], data["pages"]) == (6, {"ofsted": 3, "la": 3}, 1, 2)
    assert [i["key"] for i in data["items"]] == [
        "notification",
        "confirmation_email",
        "setup_call",
        "child_level_data",
    ]
    assert data["items"][0]["target"] == "2025-01-06T09:30:00+00:00"


def test_due_counts_today_and_later_in_summer_time(store, capsys):
    run(capsys, SCHEDULE)
    run(capsys, SUMMER)
    # Tue 3 Jun 10:00 BST, the rest of today and Wednesday: Barnet's Tuesday two and Wednesday one, and
    # Barking and Dagenham's action plan (Tue 3 Jun 17:00, the 70th working day after its publication)
    data = json.loads(run(capsys, "due --within 1 --as-of 2025-06-03T10:00 --json")[1])
    assert (data["total"], data["sections"], data["pages"]) == (4, {"today": 3, "later": 1}, 1)
    assert [(i["la"], i["key"], i["forecast"]) for i in data["items"]] == [
        ("E09000002", "action_plan_due", "2025-06-03T17:00:00+01:00"),
        ("E09000003", "child_level_data", "2025-06-03T17:00:00+01:00"),
        ("E09000003", "audit_information", "2025-06-03T17:00:00+01:00"),
        ("E09000003", "management_information", "2025-06-04T17:00:00+01:00"),
    ]
    out = run(capsys, "due --within 1 --as-of 2025-06-03T10:00 --region London --owner LA --limit 2")[1]
    assert out.splitlines()[0] == (
        "due by the end of the next working day: 4 (due today 3, later 1); rows 1 to 2, page 1 of 2; "
        "--page 2 for more"
    )


def test_a_page_past_the_last_is_refused_and_an_empty_list_says_nothing(store, capsys):
    run(capsys, SCHEDULE)
    status, out, err = run(capsys, "overdue --as-of 2025-01-09T12:00 --limit 4 --page 3")
    assert (status, out, err) == (2, "", "ilacs: error: page 3 is past the last page (2)\n")
    assert run(capsys, "overdue --as-of 2025-01-01") == (0, "overdue: nothing\n", "")
    status, _, err = run(capsys, "overdue --limit 0")
    assert status == 2 and "'0' is not a whole number from 1 to 10000" in err


def test_an_activity_four_weeks_after_another_at_the_same_la_warns_naming_the_rule(store, capsys):
    """Monitoring visits at Harrow on Tuesday 3 February and Tuesday 3 March 2026: 4 weeks apart, where
    the programme keeps 12 (models/programme.toml). Registered, with a warning; 12 weeks on, none."""
    visit = "schedule monitoring-visit --la E09000015 --lead Ann --as-of 2026-01-05 --onsite "
    assert run(capsys, visit + "2026-02-03") == (0, "1\n", "")
    status, out, err = run(capsys, visit + "2026-03-03")
    assert (status, out) == (0, "2\n")
    assert err == (
        "ilacs: warning: activity 1 (monitoring visit on site 2026-02-03) at Harrow is 4 weeks away: the "
        "programme keeps ILACS activities at one local authority at least 12 weeks apart "
        "(min_spacing_weeks, models/programme.toml)\n"
    )
    status, out, err = run(capsys, visit + "2026-05-26")  # 16 weeks after the first, 12 after the second
    assert (status, out, err) == (0, "3\n", "")
