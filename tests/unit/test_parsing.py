"""Command-line text into dates, times and ids: one-line errors for every mistake, and London's clock
changes read the documented way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from calendars import LONDON
from interfaces.parsing import UsageError, activity_id, milestone_key, parse_actuals, parse_day, parse_moment


def test_a_time_in_the_spring_forward_gap_is_refused_naming_the_gap():
    with pytest.raises(UsageError) as refused:
        parse_moment("2025-03-30T01:30", "--at")
    assert str(refused.value) == (
        "--at: 2025-03-30T01:30 does not exist in London: the clocks go forward from 01:00 to 02:00 GMT→BST"
    )


@pytest.mark.parametrize("text", ["2025-03-30T01:00", "2025-03-30T01:59:59", "2026-03-29T01:15"])
def test_every_time_inside_the_gap_is_refused(text):
    with pytest.raises(UsageError, match="does not exist in London"):
        parse_moment(text, "--at")


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2025-03-30T00:59", "2025-03-30T00:59:00+00:00"),  # GMT, just before the gap
        ("2025-03-30T02:00", "2025-03-30T01:00:00+00:00"),  # BST, just after it
        ("2025-03-30T01:30+00:00", "2025-03-30T01:30:00+00:00"),  # an offset names a real instant
        ("2025-03-30T01:30Z", "2025-03-30T01:30:00+00:00"),
    ],
)
def test_times_around_the_gap_and_with_an_offset_are_read_as_given(text, utc):
    assert parse_moment(text, "--at").astimezone(UTC).isoformat() == utc


def test_an_ambiguous_autumn_time_is_the_first_occurrence_in_bst():
    first = parse_moment("2025-10-26T01:30", "--at")
    assert first.utcoffset() == timedelta(hours=1)
    assert first.astimezone(UTC).isoformat() == "2025-10-26T00:30:00+00:00"


def test_an_offset_picks_the_second_occurrence_of_an_ambiguous_time():
    second = parse_moment("2025-10-26T01:30+00:00", "--at")
    assert second.astimezone(UTC) - parse_moment("2025-10-26T01:30", "--at").astimezone(UTC) == timedelta(
        hours=1
    )


def test_a_plain_time_is_london_time_and_a_bare_date_means_five_pm():
    assert parse_moment("2025-07-01T10:00", "--at") == datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
    assert parse_moment("2025-07-01", "--at") == datetime(2025, 7, 1, 17, 0, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "--at is empty: give an ISO date-time, e.g. 2025-02-07T15:30"),
        ("   ", "--at is empty: give an ISO date-time, e.g. 2025-02-07T15:30"),
        ("2025", "--at: '2025' is not an ISO date-time, e.g. 2025-02-07T15:30"),
        ("yesterday", "--at: 'yesterday' is not an ISO date-time, e.g. 2025-02-07T15:30"),
        ("2025-02-07T25:00", "--at: '2025-02-07T25:00' is not an ISO date-time, e.g. 2025-02-07T15:30"),
        ("2025-02-07T15:30\x00", "--at: '2025-02-07T15:30\\x00' is not an ISO date-time"),
        ("1900-01-01", "--at: 1900-01-01 is outside the calendar (2000-2060)"),
        ("9999-12-31", "--at: 9999-12-31 is outside the calendar (2000-2060)"),
        ("9999-12-31T23:00-05:00", "--at: 9999-12-31 is outside the calendar (2000-2060)"),
        ("0001-01-01T00:30+05:00", "--at: 0001-01-01 is outside the calendar (2000-2060)"),
        ("2060-12-31T23:30-05:00", "--at: 2061-01-01 is outside the calendar (2000-2060)"),
    ],
)
def test_a_bad_moment_is_one_line_naming_the_option(text, message):
    with pytest.raises(UsageError) as refused:
        parse_moment(text, "--at")
    assert str(refused.value).startswith(message) and "\n" not in str(refused.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "--from: '' is not a date; use YYYY-MM-DD"),
        ("1999-12-31", "--from: 1999-12-31 is outside the calendar (2000-2060)"),
        ("2061-01-01", "--from: 2061-01-01 is outside the calendar (2000-2060)"),
        ("9999-12-31", "--from: 9999-12-31 is outside the calendar (2000-2060)"),
    ],
)
def test_a_day_outside_the_calendar_is_refused(text, message):
    with pytest.raises(UsageError) as refused:
        parse_day(text, "--from")
    assert str(refused.value) == message


def test_the_calendar_s_first_and_last_days_are_accepted():
    assert parse_day("2000-01-01", "--from").isoformat() == "2000-01-01"
    assert parse_day("2060-12-31", "--from").isoformat() == "2060-12-31"


@pytest.mark.parametrize(
    "text", ["0", "-1", "2147483648", "9223372036854775808", "99999999999999999999999", "1.5", "x", "", "١"]
)
def test_an_activity_id_outside_the_store_s_32_bit_keys_is_refused(text):
    with pytest.raises(Exception) as refused:  # argparse's ArgumentTypeError, shown as one line
        activity_id(text)
    assert "no activity" in str(refused.value) and "\n" not in str(refused.value)


def test_the_largest_32_bit_id_is_a_valid_id():
    assert activity_id("2147483647") == 2**31 - 1


@pytest.mark.parametrize("text", ["", "Notification", "draft report", "x\x00", "é", "a" * 101])
def test_a_milestone_key_is_lower_case_letters_digits_and_underscores(text):
    with pytest.raises(Exception, match="is not a milestone key"):
        milestone_key(text)


def test_actuals_name_their_key_and_refuse_a_gap_time():
    with pytest.raises(UsageError, match="--actual notification: 2025-03-30T01:30 does not exist"):
        parse_actuals(["notification=2025-03-30T01:30"])
    with pytest.raises(UsageError, match="is not a milestone key"):
        parse_actuals(["Notification=2025-03-28T09:30"])
