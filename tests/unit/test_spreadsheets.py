"""The one place that makes spreadsheet cells inert: text that would start a formula gets a leading
single quote; numbers (negative ones too) and dates stay what they are."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from interfaces.spreadsheets import append_row, write_csv


@pytest.mark.parametrize(
    "text",
    [
        "=1+2",
        "+1",
        "-1",
        "-2+3",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
        '=HYPERLINK("http://x","y")',
        "+cmd|' /C calc'!A0",
    ],
)
def test_text_that_would_start_a_formula_is_quoted_in_both_formats(text):
    out = io.StringIO()
    write_csv(out, [[text]])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'" + text]
    book = Workbook()
    append_row(book.active, [text])
    buffer = io.BytesIO()
    book.save(buffer)
    cell = load_workbook(buffer).active["A1"]
    assert (cell.value, cell.data_type) == ("'" + text.replace("\r", "\n"), "s")  # XML reads CR as LF


def test_numbers_dates_and_plain_text_are_left_alone():
    row = [-3, -2.5, 0, date(2025, 1, 6), "Bromley", "a-b", "", None]
    out = io.StringIO()
    write_csv(out, [row])
    assert out.getvalue() == "-3,-2.5,0,2025-01-06,Bromley,a-b,,\r\n"
    book = Workbook()
    append_row(book.active, row)
    buffer = io.BytesIO()
    book.save(buffer)
    cells = next(load_workbook(buffer).active.iter_rows())
    assert [c.value for c in cells[:3]] == [-3, -2.5, 0] and {c.data_type for c in cells[:3]} == {"n"}
    assert cells[3].is_date and cells[3].value.date() == date(2025, 1, 6)
    assert [c.value for c in cells[4:6]] == ["Bromley", "a-b"]


def test_a_line_break_inside_a_cell_cannot_start_a_new_row():
    out = io.StringIO()
    write_csv(out, [["Brom\rley", "Brom\nley\r=1+2"], ["next"]])
    assert list(csv.reader(io.StringIO(out.getvalue(), newline=""))) == [
        ["Brom\rley", "Brom\nley\r=1+2"],
        ["next"],
    ]


def test_characters_an_xlsx_cannot_hold_are_dropped_rather_than_failing_the_export():
    book = Workbook()
    append_row(book.active, ["Brom\x07ley", "\x0b=1+2"])
    assert [c.value for c in book.active[1]] == ["Bromley", "'=1+2"]
