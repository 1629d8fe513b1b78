"""The compliance audit over an imported year with known lateness, worked out by hand (weekdays and
bank holidays counted on the calendar), on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import re
import shlex
from datetime import date

import pytest
from sqlalchemy import text

from interfaces.cli import main

pytestmark = pytest.mark.slow  # a year of history imported and reported in every format

# Five focused visits in 2025 (D a Tuesday, E the Wednesday): the draft letter is due E+5 at 17:00,
# publication E+16 at 09:30, the LA's comments 2 working days after the draft arrives.
HISTORY = """la_code,activity_type,onsite_start,fieldwork_end,draft_letter_sent,factual_accuracy_comments,\
publication
E09000002,focused-visit,2025-02-04,2025-02-05,2025-02-12,2025-02-17,2025-02-27T09:00
E09000003,focused-visit,2025-03-04,2025-03-05,2025-03-14,,2025-03-27T10:00
E09000004,focused-visit,2025-04-08,2025-04-09,2025-04-22,,
E09000005,focused-visit,2025-06-03,2025-06-04,2025-06-20,,2025-06-26
E09000006,focused-visit,2025-09-09,2025-09-10,2025-09-17T16:00,,2025-10-03
"""
# draft_letter_sent: on time (same day, date only); Fri 14 Mar is 2 working days after Wed 12 Mar;
#   Tue 22 Apr is 2 working days after Wed 16 Apr (Good Friday and Easter Monday are not counted);
#   Fri 20 Jun is 7 after Wed 11 Jun; 16:00 on the day is on time.  -> 2 met, late [2, 2, 7]
# publication: 09:00 before 09:30; 10:00 after 09:30 on Thu 27 Mar (late, counted as 1 working day);
#   no record (unknown); Thu 26 Jun on the day; Fri 3 Oct a day after Thu 2 Oct. -> 2 met, late [1, 1]
# factual_accuracy_comments: the draft arrived Wed 12 Feb, so due Fri 14 Feb; Mon 17 Feb is 1 late.
REPORT = "compliance report --from 2025-01-01 --to 2025-12-31 --as-of 2026-01-15"


def run(capsys, command: str) -> tuple[int, str, str]:
    status = main(shlex.split(command))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def year(store, capsys, tmp_path):
    history = tmp_path / "history.csv"
    history.write_text(HISTORY, encoding="utf-8")
    status, out, err = run(capsys, f"import history {history} --by Bea --as-of 2026-01-05")
    assert status == 0, err
    assert out == f"imported 5 past activities from {history}\n"
    return store


def by_key(data: dict) -> dict[str, dict]:
    return {m["key"]: m for m in data["milestones"]}


def test_a_year_with_known_lateness_gives_the_known_rates_medians_and_percentiles(year, capsys):
    status, out, _ = run(capsys, f"{REPORT} --format json")
    assert status == 0
    got = by_key(json.loads(out))
    draft, publication, comments = (
        got["draft_letter_sent"],
        got["publication"],
        got["factual_accuracy_comments"],
    )
    assert (draft["owner"], draft["due"], draft["met"], draft["late"], draft["overdue"]) == (
        "ofsted",
        5,
        2,
        3,
        0,
    )
    assert draft["on_time_rate"] == pytest.approx(0.4)
    assert draft["median_working_days_late"] == 2
    assert draft["p90_working_days_late"] == pytest.approx(6.0)  # 2 + 0.8 x (7 - 2), between the top two
    assert (publication["met"], publication["late"], publication["unknown"]) == (2, 2, 1)
    assert publication["on_time_rate"] == pytest.approx(0.5)  # the unknown one is left out
    assert (publication["median_working_days_late"], publication["p90_working_days_late"]) == (1, 1.0)
    assert (comments["owner"], comments["late"], comments["unknown"], comments["overdue"]) == ("la", 1, 4, 0)


def test_the_report_is_broken_down_by_region_and_month_with_owners_side_by_side(year, capsys):
    data = json.loads(run(capsys, f"{REPORT} --format json")[1])
    months = {(m["month"], m["owner"]): m for m in data["by_month"]}
    # April's Ofsted milestones are the Easter visit's: notification, confirmation email and set-up call
    # (Tue 1), off-site evaluation (Thu 3), team call (Fri 4), final evaluation (Mon 7), fieldwork (Tue 8),
    # feedback (Wed 9) and the draft letter (Wed 16), the only one with a record: late. Only that one
    # counts as due: the others, with no record, are in the period but left out of the rate.
    april = months[("2025-04", "ofsted")]
    assert (april["in_period"], april["due"], april["late"], april["unknown"]) == (9, 1, 1, 8)
    assert months[("2025-05", "ofsted")]["unknown"] >= 1  # the Easter visit's publication, due Tue 6 May
    assert {r["region"] for r in data["by_region"]} == {"London"}
    assert {o["owner"] for o in data["owners"]} == {"ofsted", "la"}
    table = run(capsys, REPORT)[1].splitlines()
    # draft letters 2 of 5 on time, publications 2 of 4 (one unknown): Ofsted's 4 of 9 due
    assert table[3].startswith("Ofsted: 4 of 9 due on time (44%); 44% counting justified variances; 5 late")
    assert table[4].startswith("LA: 0 of 1 due on time (0%)")  # the comments, one day late
    draft = r"Draft letter sent for factual accuracy +Ofsted +5 +2 +3 +0 +0 +0 +40% +2$"  # by title, not key
    assert any(re.fullmatch(draft, line) for line in table)


def test_a_justified_variance_counts_as_on_time_in_the_second_rate(year, capsys):
    assert run(capsys, "variance 4 draft_letter_sent --reason additional-moderation --by Bea")[0] == 0
    draft = by_key(json.loads(run(capsys, f"{REPORT} --format json")[1]))["draft_letter_sent"]
    assert draft["on_time_rate"] == pytest.approx(0.4)
    assert draft["on_time_rate_with_justified"] == pytest.approx(0.6)
    status, _, err = run(capsys, "variance 4 draft_letter_sent --reason traffic --by Bea")
    assert status == 2 and "variance reason 'traffic' is not one of severe-weather" in err


def test_waived_and_not_applicable_milestones_are_reported_with_their_reasons(year, capsys):
    visit = "schedule monitoring-visit --la E09000007 --onsite 2025-11-11 --lead Ann --flag first_of_series"
    run(capsys, f"{visit} --as-of 2025-10-01")
    run(capsys, "waive 2 draft_letter_sent --reason 'the visit was abandoned' --by Rita")
    data = json.loads(run(capsys, f"{REPORT} --format json")[1])
    got = by_key(data)
    assert got["publication"]["not_applicable"] == 1
    draft = got["draft_letter_sent"]  # the five visits' and the monitoring visit's (never recorded)
    assert (draft["in_period"], draft["due"], draft["met"], draft["late"], draft["overdue"]) == (
        6,
        5,
        2,
        2,
        1,
    )
    assert draft["waived"] == 1  # in the period, not due: left out
    assert draft["on_time_rate"] == pytest.approx(2 / 5)  # the waived one left out
    assert got["data_request"]["overdue"] == 1  # the monitoring visit's, never recorded
    assert any("not published" in why for why in data["rules"].values())
    assert data["rules"]["draft_letter_sent #2: waived by Rita"] == "the visit was abandoned"


def test_every_format_states_the_audit_chain(year, capsys, tmp_path):
    from openpyxl import load_workbook

    assert run(capsys, REPORT)[1].splitlines()[1].startswith("audit chain verifies over 1 entry; it holds")
    csv_lines = run(capsys, f"{REPORT} --format csv")[1].splitlines()
    assert csv_lines[0].startswith("# audit chain verifies over 1 entry;") and csv_lines[1].startswith(
        "owner,key,"
    )
    page = run(capsys, f"{REPORT} --format html")[1]
    assert "The audit chain verifies" in page and page.count("<svg") == 2
    status, out, _ = run(capsys, f"{REPORT} --format xlsx --output {tmp_path / 'report.xlsx'}")
    book = load_workbook(io.BytesIO((tmp_path / "report.xlsx").read_bytes()))
    assert status == 0 and book["About"]["B2"].value.startswith("audit chain verifies over 1 entry;")
    assert [c.value for c in book["Milestones"][1]][:3] == ["Milestone", "Owner", "Due"]
    assert run(capsys, f"{REPORT} --format xlsx")[0] == 2  # binary needs a file


def test_a_report_over_a_tampered_store_says_so(year, capsys):
    with year.begin() as connection:
        if year.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
            connection.execute(text("UPDATE audit_entry SET actor = 'Mallory'"))
        else:
            connection.execute(text("DROP TRIGGER audit_entry_no_update"))
            connection.execute(text("UPDATE audit_entry SET actor = 'Mallory'"))
    status, out, _ = run(capsys, REPORT)
    assert status == 1 and "audit chain BROKEN at entry 1" in out


def test_a_bad_history_row_names_its_line_and_imports_nothing(store, capsys, tmp_path):
    bad = tmp_path / "history.csv"
    bad.write_text(HISTORY + "E09000008,focused-visit,2025-12-25,2025-12-26,,,\n", encoding="utf-8")
    status, _, err = run(capsys, f"import history {bad}")
    assert (
        status == 2
        and err == "ilacs: error: history.csv: line 7: 2025-12-25 is Christmas Day, not a working day\n"
    )
    data = json.loads(run(capsys, f"{REPORT} --format json")[1])
    assert data["milestones"] == []
    bad.write_text(HISTORY.replace("2025-02-17", "2025-02-10"), encoding="utf-8")  # comments before the draft
    status, _, err = run(capsys, f"import history {bad}")
    assert (
        status == 2
        and "line 2: Factual accuracy comments returned (factual_accuracy_comments) cannot have happened"
        in err
    )


def test_history_fieldwork_end_wins_over_the_template(store, capsys, tmp_path):
    three_days = tmp_path / "short.csv"
    three_days.write_text(
        "la_code,activity_type,onsite_start,fieldwork_end,publication\n"
        "E06000053,short-inspection,2023-03-14,2023-03-16,2023-04-17\n",  # Isles of Scilly ran 3 days
        encoding="utf-8",
    )
    assert run(capsys, f"import history {three_days}")[0] == 0
    shown = json.loads(run(capsys, "show 1 --json")[1])
    assert shown["fieldwork_end"] == "2023-03-16"
    publication = next(m for m in shown["milestones"] if m["key"] == "publication")
    # E+21 from Thursday 16 March 2023, past Good Friday (7 April) and Easter Monday (10 April)
    assert publication["target"] == "2023-04-18T09:30:00+01:00"


def test_the_html_report_reads_as_a_manager_needs_and_prints_on_a4(year, capsys):
    page = run(capsys, f"{REPORT} --format html")[1]
    headline = page.index("Headline figures")
    assert headline < page.index("By region") < page.index("By month") < page.index("<svg")
    assert "Ofsted: 4 of 9 due on time (44%); 44% counting justified variances" in page
    assert "@page{size:A4" in page and "thead{display:table-header-group}" in page
    # one row a month, each month named once; April: the Easter visit's draft letter, late
    assert page.count(">April 2025<") == 1 and "2025-04" not in page
    # no raw field names as headings
    assert "median_working_days_late" not in page and "not_applicable" not in page
    # the lateness chart's text alternative says what it shows, and its figures follow it as a table:
    # late by 1 working day: two publications and the comments; by 2: two draft letters; by 7: one
    alt = re.search(r"<desc>(Histogram[^<]*)</desc>", page).group(1)
    assert alt.startswith("Histogram of the 6 late milestones by working days late, from 1 to 7")
    figures = page[page.index(alt) :]
    cells = re.findall(r"<tr><th scope='row' class=n>(\d+)</th><td class=n>(\d+)</td></tr>", figures)
    assert cells[:3] == [("1", "3"), ("2", "2"), ("7", "1")]


def test_a_period_with_nothing_late_draws_no_lateness_chart(year, capsys):
    page = run(
        capsys, "compliance report --from 2025-02-01 --to 2025-02-28 --as-of 2026-01-15 --format html"
    )[1]
    # February: the first visit's draft letter (on the day) and publication (09:00, before 09:30) met;
    # its comments, Mon 17 Feb for Fri 14 Feb, late by one working day
    assert "Histogram" in page
    page = run(
        capsys, "compliance report --from 2025-02-27 --to 2025-02-27 --as-of 2026-01-15 --format html"
    )[1]
    assert "No milestone in the period was late." in page and page.count("<svg") == 1


def test_the_workbook_has_named_sheets_readable_headings_dates_and_filters(year, capsys, tmp_path):
    from openpyxl import load_workbook

    run(capsys, f"{REPORT} --format xlsx --output {tmp_path / 'report.xlsx'}")
    book = load_workbook(tmp_path / "report.xlsx")
    assert book.sheetnames == [
        "About",
        "Milestones",
        "By region",
        "By month",
        "Lateness",
        "Practice against rules",
    ]
    months = book["By month"]
    assert months["A1"].value == "Month" and months.freeze_panes == "A2" and months.auto_filter.ref
    # January holds only the first visit's lead-up, never recorded: nothing fell due, so no rate
    assert months["A2"].is_date and months["A2"].value.date() == date(2025, 1, 1)
    assert (months["B2"].value, months["C2"].value) == (0, None)
    # February: its draft letter (on the day) and publication (09:00 for 09:30), both on time
    assert months["A3"].value.date() == date(2025, 2, 1) and months["A3"].number_format == "mmmm yyyy"
    assert months["C3"].number_format == "0%" and months["C3"].value == pytest.approx(2 / 2)
    milestones = book["Milestones"]
    titles = [c.value for c in milestones["A"][1:]]
    assert "Draft letter sent for factual accuracy" in titles and "draft_letter_sent" not in titles
    assert milestones.column_dimensions["A"].width >= len("Draft letter sent for factual accuracy")


def test_drift_is_worked_out_from_the_rules_anchor_in_working_days(store, capsys, tmp_path):
    one = tmp_path / "dorset.csv"
    one.write_text(
        "la_code,activity_type,onsite_start,fieldwork_end,publication\n"
        "E06000059,short-inspection,2025-03-17,2025-03-21,2025-05-09\n",
        encoding="utf-8",
    )
    assert run(capsys, f"import history {one}")[0] == 0
    data = json.loads(run(capsys, f"{REPORT} --format json")[1])
    # from Fri 21 March (E) to Fri 9 May 2025: 5 + 5 + 5 + 4 (Good Friday) + 4 (Easter Monday) + 5
    # + 4 (Early May bank holiday) = 32 working days, against the rule's E+21; one activity is no drift
    assert data["drift"] == [
        {
            "activity_types": ["short-inspection"],
            "key": "publication",
            "year": 2025,
            "activities": 1,
            "rule_working_days": 21,
            "median_working_days": 32.0,
            "difference": 11.0,
            "drift": False,
        }
    ]


def test_the_published_history_shows_publication_moving_from_21_to_30_to_27_working_days(store, capsys):
    """Ofsted's real publication days, shipped as reference data: about 21 working days after fieldwork
    until 2020, about 30 from 2021 to 2023, fewer again in 2025."""
    from pathlib import Path

    history = Path(__file__).parents[2] / "models" / "reference_data" / "published-ilacs-history.csv"
    status, out, err = run(capsys, f"import history {history} --as-of 2026-08-31")
    assert status == 0, err
    assert out.startswith("imported 318 past activities")
    report = "compliance report --from 2018-01-01 --to 2026-08-31 --as-of 2026-08-31"
    drift = {
        d["year"]: d
        for d in json.loads(run(capsys, f"{report} --format json")[1])["drift"]
        if d["key"] == "publication"
    }
    practice = {
        year: (d["median_working_days"], d["drift"]) for year, d in drift.items() if d["activities"] >= 20
    }
    assert practice[2018] == practice[2019] == (21.0, False)
    assert practice[2022] == practice[2023] == (30.0, True)
    assert practice[2025] == (28.0, True)
    assert all(d["rule_working_days"] == 21 for d in drift.values())
    table = run(capsys, report)[1]
    assert (
        "Report published (short and standard inspections), 2022: median 30 working days "
        "against the rule's 21, over 47 activities" in table
    )
    page = run(capsys, f"{report} --format html")[1]
    assert "Practice against the rules" in page and "<td class=n>30</td>" in page


def test_a_period_with_no_milestone_says_so_in_every_readable_format(store, capsys, tmp_path):
    table = run(capsys, REPORT)[1].splitlines()
    assert table[3:] == ["No milestone has a target in the period."]
    page = run(capsys, f"{REPORT} --format html")[1]
    assert "No milestone has a target in the period." in page and "<table" not in page and "<svg" not in page


@pytest.mark.parametrize(
    ("onsite", "notification", "confirmation"),
    [
        ("2025-07-08", "2025-07-01T09:30:00.000001+01:00", "2025-07-01T12:00:00+01:00"),  # summer (BST)
        ("2025-11-11", "2025-11-04T09:30:00.000001+00:00", "2025-11-04T12:00:00+00:00"),  # winter
    ],
)
def test_an_actual_a_microsecond_after_its_target_is_late_on_either_store(
    store, capsys, onsite, notification, confirmation
):
    """Times are compared as stored, to the microsecond, on SQLite as on PostgreSQL: notification is due
    D-5 at 09:30 and confirmation at 12:00 the same day (London time)."""
    status, out, err = run(
        capsys, f"schedule focused-visit --la E09000020 --onsite {onsite} --lead Ann --as-of 2025-06-02"
    )
    assert status == 0, err
    activity = out.strip().splitlines()[-1]
    day = notification[:10]
    for key, moment in (("notification", notification), ("confirmation_email", confirmation)):
        assert run(capsys, f"done {activity} {key} --at {moment} --by Ann --as-of {day}T18:00")[0] == 0
    data = json.loads(
        run(capsys, f"compliance report --from {day} --to {day} --as-of {day}T18:00 --format json")[1]
    )
    got = by_key(data)
    assert (got["notification"]["late"], got["notification"]["met"]) == (1, 0)
    assert got["notification"]["median_working_days_late"] == 1
    assert (got["confirmation_email"]["met"], got["confirmation_email"]["late"]) == (1, 0)


@pytest.mark.parametrize(
    ("option", "said"),
    [
        ("--region Nowhere", "unknown region 'Nowhere'"),
        ("--region ''", "unknown region ''"),
        ("--type inspection", "unknown activity type 'inspection'"),
    ],
)
def test_a_misspelt_filter_is_refused_in_one_line_not_answered_with_an_empty_report(
    year, capsys, tmp_path, option, said
):
    written = tmp_path / "report.json"
    status, out, err = run(capsys, f"{REPORT} {option} --format json --output {written}")
    assert (status, out, err.count("\n")) == (2, "", 1)
    assert said in err and "Traceback" not in err
    assert not written.exists()
