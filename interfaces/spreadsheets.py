"""Every CSV and XLSX the project writes goes through here, so that a name someone typed or imported,
such as `=HYPERLINK(...)`, opens as text and never runs as a formula (OWASP's CSV injection guidance).
Numbers and dates are not text and stay numbers and dates, a negative number included."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ROW_END = "\r\n"


def inert(value):
    """Text a spreadsheet would read as a formula, with a leading single quote; anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(out: TextIO, rows: Iterable[Sequence]) -> None:
    """Rows ended by CRLF, as RFC 4180 has it: the csv module then quotes a cell holding a lone CR,
    which with a bare LF ending it would leave unquoted, and a spreadsheet would start a row there."""
    csv.writer(out, lineterminator=ROW_END).writerows([inert(v) for v in row] for row in rows)


def append_row(sheet, values: Sequence) -> None:
    """Append a row to an openpyxl sheet with every text cell typed as a string, never a formula.
    Control characters XML cannot hold are dropped: an export must not fail over a stray one."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    sheet.append([inert(ILLEGAL_CHARACTERS_RE.sub("", v)) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
