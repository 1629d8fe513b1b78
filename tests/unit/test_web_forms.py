"""The dashboard's GOV.UK date and time fields (interfaces/web/forms.py), read into London moments."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from interfaces.web.forms import Problems, read_date, read_moment, read_time
from tests.helpers import day


def moment(d: str, m: str, y: str, t: str) -> tuple[datetime | None, dict]:
    problems = Problems()
    form = {"at-day": d, "at-month": m, "at-year": y, "at-time": t}
    return read_moment(form, "at", "it happened", problems), problems.fields


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("9:30", time(9, 30)), ("9.30am", time(9, 30)), ("2:30pm", time(14, 30)), ("14:30", time(14, 30))]
    + [("12am", time(0, 0)), ("12pm", time(12, 0)), ("9 AM", time(9, 0))],
)
def test_times_as_people_write_them(typed, expected):
    assert read_time({"t": typed}, "t", "the time", Problems()) == expected


@pytest.mark.parametrize("typed", ["13pm", "24:00", "9:60", "half nine", "0pm"])
def test_a_time_that_does_not_exist_is_refused(typed):
    problems = Problems()
    assert read_time({"t": typed}, "t", "the time", problems) is None
    assert problems.fields == {"t": "The time must be a real time, like 9:30am or 14:30"}


def test_summer_and_winter_moments_are_london_time():
    """Monday 2 June 2025 09:30 is BST (08:30 UTC); Monday 13 January 2025 09:30 is GMT (09:30 UTC)."""
    assert day("Monday 2025-06-02") and day("Monday 2025-01-13")
    assert moment("2", "6", "2025", "9:30am")[0].astimezone(UTC) == datetime(2025, 6, 2, 8, 30, tzinfo=UTC)
    assert moment("13", "1", "2025", "9:30am")[0].astimezone(UTC) == datetime(2025, 1, 13, 9, 30, tzinfo=UTC)


def test_a_time_the_clocks_skip_is_refused_on_the_time_field():
    """The clocks went forward at 01:00 GMT on Sunday 30 March 2025: 01:30 did not happen in London."""
    at, problems = moment("30", "3", "2025", "1:30am")
    assert at is None and "does not exist in London" in problems["at-time"]


@pytest.mark.parametrize(
    ("d", "m", "y", "message", "anchor"),
    [
        ("", "", "", "Enter the date", "at-day"),
        ("2", "", "2025", "The date must include a month", "at-month"),
        ("29", "2", "2025", "The date must be a real date", "at-day"),
        ("2", "6", "25", "The date must be a real date", "at-day"),
        ("2", "6", "1999", "outside the calendar", "at-day"),
    ],
)
def test_each_wrong_date_has_its_own_message_and_links_to_its_field(d, m, y, message, anchor):
    problems = Problems()
    assert read_date({"at-day": d, "at-month": m, "at-year": y}, "at", "the date", problems) is None
    assert message in problems.fields["at"]
    assert problems.summary() == [{"text": problems.fields["at"], "href": f"#{anchor}"}]
