"""Imports refuse what a user would not mean (a repeated row, an unknown region or role, a blank name)
in one line, exit status 2 and nothing written, and can be run twice without storing anything twice."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from importlib import resources

import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from models.records import Contact, NationalContact  # and so every table
from tests.integration.test_store_commands import run

pytestmark = pytest.mark.slow  # whole files through the importers and the command line

HISTORY = """la_code,activity_type,onsite_start,fieldwork_end,draft_letter_sent,publication
E09000002,focused-visit,2025-02-04,2025-02-05,2025-02-12,2025-02-27T09:00
E09000003,focused-visit,2025-03-04,2025-03-05,2025-03-14,
"""
CONTACTS = """la_code,role,name,email,valid_from
E09000002,dcs,Dee Director,dcs@example.org,2024-09-01
E09000002,link_person,Lin Link,link@example.org,2024-09-01
"""
STAFF = """name,role,email,ofsted_region
Ann Lead,lead_inspector,ann@example.org,London
Bea Support,business_support,bea@example.org,
"""
REPORT = "compliance report --from 2025-01-01 --to 2025-12-31 --as-of 2026-01-15 --format json"


def shipped_regions() -> set[str]:
    text = resources.files("models").joinpath("reference_data/local-authorities.csv").read_text("utf-8")
    return {row["ofsted_region"] for row in csv.DictReader(io.StringIO(text))}


def state(store, capsys) -> tuple[dict[str, int], str]:
    """Every table's row count and what `audit verify` says: unchanged means nothing was written."""
    with Session(store) as session:
        counts = {
            table.name: session.exec(select(func.count()).select_from(table)).one()
            for table in SQLModel.metadata.sorted_tables
        }
    return counts, run(capsys, "audit verify")[1]


def refused(store, capsys, command: str) -> str:
    """Run a command that must be refused; returns its one line of error after checking nothing changed."""
    before = state(store, capsys)
    status, out, err = run(capsys, command)
    assert (status, out) == (2, ""), err
    assert err.startswith("ilacs: error: ") and err.count("\n") == 1 and err.endswith("\n")
    assert state(store, capsys) == before
    return err


@pytest.fixture
def write(tmp_path):
    def write(name: str, text: str):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


# --- history --------------------------------------------------------------------------------------


def test_a_history_row_given_twice_is_refused_naming_both_lines(store, capsys, write):
    row = HISTORY.splitlines()[1]
    err = refused(store, capsys, f"import history {write('history.csv', HISTORY + row + chr(10))}")
    assert err == "ilacs: error: history.csv: line 4 repeats line 2\n"


def test_two_rows_for_one_activity_with_different_dates_are_refused_naming_both(store, capsys, write):
    other = "E09000002,focused-visit,2025-02-04,2025-02-05,2025-02-13,\n"
    err = refused(store, capsys, f"import history {write('history.csv', HISTORY + other)}")
    assert "history.csv: line 4:" in err and "line 2" in err and "E09000002" in err


def test_rows_whose_fieldwork_overlaps_at_one_la_are_refused(store, capsys, write):
    short = "E09000003,short-inspection,2025-03-03,2025-03-07,,\n"  # over the focused visit of line 3
    err = refused(store, capsys, f"import history {write('history.csv', HISTORY + short)}")
    assert "history.csv: line 4:" in err and "line 3" in err


def test_importing_the_same_history_twice_stores_it_once_and_says_what_was_skipped(store, capsys, write):
    history = write("history.csv", HISTORY)
    assert run(capsys, f"import history {history} --by Bea --as-of 2026-01-05")[0] == 0
    once = json.loads(run(capsys, REPORT)[1])
    before = state(store, capsys)
    status, out, err = run(capsys, f"import history {history} --by Bea --as-of 2026-01-06")
    assert (status, err) == (0, "")
    assert out.startswith("imported 0 past activities") and "skipped 2" in out
    assert state(store, capsys) == before  # not even an audit entry: nothing changed
    assert json.loads(run(capsys, REPORT)[1])["milestones"] == once["milestones"]


def test_a_file_with_new_and_already_stored_rows_adds_only_the_new(store, capsys, write):
    first = write("history.csv", HISTORY)
    assert run(capsys, f"import history {first} --as-of 2026-01-05")[0] == 0
    more = write("more.csv", HISTORY + "E09000004,focused-visit,2025-04-08,2025-04-09,2025-04-22,\n")
    status, out, _ = run(capsys, f"import history {more} --as-of 2026-01-06")
    assert status == 0 and out.startswith("imported 1 past activities") and "skipped 2" in out
    assert run(capsys, "show 3 --json")[0] == 0 and run(capsys, "show 4 --json")[0] == 2


def test_a_row_contradicting_the_stored_activity_is_refused(store, capsys, write):
    assert run(capsys, f"import history {write('history.csv', HISTORY)} --as-of 2026-01-05")[0] == 0
    changed = HISTORY.replace("2025-02-12", "2025-02-11")
    err = refused(store, capsys, f"import history {write('changed.csv', changed)} --as-of 2026-01-06")
    assert "changed.csv: line 2:" in err and "activity 1" in err and "draft_letter_sent" in err


def test_a_history_row_for_a_scheduled_activity_is_not_stored_twice(store, capsys, write):
    run(capsys, "schedule focused-visit --la E09000002 --onsite 2025-02-04 --lead Ann --as-of 2025-01-02")
    plain = (
        "la_code,activity_type,onsite_start,fieldwork_end\nE09000002,focused-visit,2025-02-04,2025-02-05\n"
    )
    status, out, _ = run(capsys, f"import history {write('plain.csv', plain)} --as-of 2026-01-05")
    assert status == 0 and "skipped 1" in out and run(capsys, "show 2 --json")[0] == 2
    # with a draft letter sent, line 2 contradicts the scheduled visit, which has none recorded
    err = refused(store, capsys, f"import history {write('history.csv', HISTORY)} --as-of 2026-01-05")
    assert "line 2:" in err and "activity 1" in err


# --- staff, contacts, local authorities -----------------------------------------------------------


def test_a_staff_member_given_twice_is_one_line_not_an_integrity_error(store, capsys, write):
    twice = STAFF + "Ann Lead,team_inspector,ann.lead@example.org,London\n"
    err = refused(store, capsys, f"import staff {write('staff.csv', twice)}")
    assert "staff.csv: line 4:" in err and "line 2" in err and "Ann Lead" in err
    err = refused(store, capsys, f"import staff {write('same.csv', STAFF + STAFF.splitlines()[1] + chr(10))}")
    assert err == "ilacs: error: same.csv: line 4 repeats line 2\n"


def test_importing_staff_twice_keeps_one_of_each(store, capsys, write):
    staff = write("staff.csv", STAFF)
    assert run(capsys, f"import staff {staff}")[0] == 0
    before = state(store, capsys)
    assert run(capsys, f"import staff {staff}")[0] == 0
    assert state(store, capsys) == before


def test_a_contact_given_twice_is_refused_naming_both_lines(store, capsys, write):
    twice = CONTACTS + CONTACTS.splitlines()[1] + "\n"
    err = refused(store, capsys, f"import contacts {write('contacts.csv', twice)}")
    assert err == "ilacs: error: contacts.csv: line 4 repeats line 2\n"


def test_importing_contacts_twice_keeps_one_of_each_and_takes_the_new_end_date(store, capsys, write):
    assert run(capsys, f"import contacts {write('contacts.csv', CONTACTS)}")[0] == 0
    before = state(store, capsys)
    assert run(capsys, f"import contacts {write('contacts.csv', CONTACTS)}")[0] == 0
    assert state(store, capsys) == before
    header, dee = CONTACTS.splitlines()[:2]
    ended = write("ended.csv", f"{header},valid_to\n{dee},2025-03-31\n")
    assert run(capsys, f"import contacts {ended}")[0] == 0
    assert state(store, capsys)[0] == before[0]
    with Session(store) as session:
        stored = session.exec(select(Contact).where(Contact.email == "dcs@example.org")).one()
    assert stored.valid_to == date(2025, 3, 31)


def test_an_la_given_twice_is_refused_naming_both_lines(store, capsys, write):
    las = "ons_code,name,ofsted_region\nE06000099,Newtown,South West\nE06000099,Oldtown,South West\n"
    err = refused(store, capsys, f"import las {write('las.csv', las)}")
    assert "las.csv: line 3:" in err and "line 2" in err and "E06000099" in err


def test_every_shipped_region_is_accepted(store, capsys, write):
    rows = [f'E0600009{n},Town {n},"{region}"' for n, region in enumerate(sorted(shipped_regions()))]
    las = write("las.csv", "\n".join(["ons_code,name,ofsted_region", *rows, ""]))
    assert run(capsys, f"import las {las}") == (0, f"imported {len(rows)} rows from {las}\n", "")


def test_an_unknown_ofsted_region_is_refused_naming_the_valid_ones(store, capsys, write):
    las = "ons_code,name,ofsted_region\nE06000099,Newtown,South West\nE06000098,Sunken,Atlantis\n"
    err = refused(store, capsys, f"import las {write('las.csv', las)}")
    assert "las.csv: line 3:" in err and "'Atlantis'" in err
    assert all(region in err for region in shipped_regions())
    staff = STAFF + "Cy Diver,senior_hmi,cy@example.org,Atlantis\n"
    err = refused(store, capsys, f"import staff {write('staff.csv', staff)}")
    assert "staff.csv: line 4:" in err and "'Atlantis'" in err
    assert all(region in err for region in shipped_regions())


HEADERS = {
    "las": "ons_code,name,ofsted_region,status",
    "contacts": "la_code,role,name,email,valid_from",
    "staff": "name,role,email",
}


@pytest.mark.parametrize(
    ("what", "row", "named"),
    [
        ("las", "E06000099,   ,South West,current", "name"),
        ("las", "E06000099,Newtown,South West,closed", "current"),
        ("contacts", "E09000002,dcs,  ,d@example.org,2024-09-01", "name"),
        ("contacts", "E09000002,dcs,Dee, ,2024-09-01", "email"),
        ("contacts", "E09000002,dcs,Dee,d@example.org,2024-13-01", "valid_from"),
        ("contacts", "E09000002,mayor,Dee,d@example.org,2024-09-01", "link_person"),
        ("staff", "  ,lead_inspector,a@example.org", "name"),
        ("staff", "Ann,lead_inspector,", "email"),
        ("staff", "Ann,wizard,a@example.org", "business_support"),
    ],
)
def test_a_bad_reference_row_is_one_line_naming_the_row_and_what_is_valid(
    store, capsys, write, what, row, named
):
    err = refused(
        store, capsys, f"import {what} {write(f'{what}.csv', HEADERS[what] + chr(10) + row + chr(10))}"
    )
    assert f"{what}.csv: line 2:" in err and named in err


NATIONAL = """role,organisation,name,email,valid_from
dfe_inspections_team,Department for Education,Inspections and interventions,dfe.team@example.org,2024-01-01
partner_inspectorate,Care Quality Commission,CQC,cqc@example.org,2024-01-01
"""


def test_national_recipients_import_twice_as_one_and_a_misspelt_role_is_refused(store, capsys, write):
    assert run(capsys, f"import national {write('national.csv', NATIONAL)}")[0] == 0
    assert run(capsys, f"import national {write('national.csv', NATIONAL)}")[0] == 0
    with Session(store) as session:
        assert len(session.exec(select(NationalContact)).all()) == 2
    misspelt = NATIONAL.replace("partner_inspectorate", "partner_inspectorat")
    err = refused(store, capsys, f"import national {write('bad.csv', misspelt)}")
    assert "bad.csv: line 3:" in err and "did you mean 'partner_inspectorate'" in err
