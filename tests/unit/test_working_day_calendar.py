"""England's working-day calendar (spec section 1)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import holidays
import numpy as np
import pytest
from govuk_bank_holidays.bank_holidays import BankHolidays
from hypothesis import given
from hypothesis import strategies as st

from calendars import (
    NonWorkingDayError,
    OutsideCalendarError,
    at_london_time,
)
from calendars.england import build_england_calendar, load_closures
from models.timeline import require_working_day
from tests.helpers import day


def govuk_england_and_wales() -> dict[date, str]:
    """GOV.UK's published list, read through the govuk-bank-holidays package's own API."""
    events = BankHolidays(use_cached_holidays=True).get_holidays(division=BankHolidays.ENGLAND_AND_WALES)
    return {e["date"]: e["title"] for e in events}


def test_every_govuk_bank_holiday_is_a_non_working_day(calendar):
    published = govuk_england_and_wales()
    assert len(published) > 100
    assert [d for d in published if calendar.is_working_day(d)] == []


def test_every_weekday_the_calendar_closes_is_a_govuk_bank_holiday_in_the_years_gov_uk_covers(calendar):
    published = govuk_england_and_wales()
    years = {d.year for d in published}
    first = date(min(years), 1, 1)
    closed = [
        first + timedelta(n)
        for n in range((date(max(years), 12, 31) - first).days + 1)
        if (first + timedelta(n)).weekday() < 5 and not calendar.is_working_day(first + timedelta(n))
    ]
    assert [d for d in closed if d not in published] == []


def test_published_bank_holidays_cover_next_year():
    """Fails when the GOV.UK copy has nothing for next year: upgrade govuk-bank-holidays in
    constraints.txt (or add the announced days as closure data) so next year's dates are confirmed."""
    next_year = date.today().year + 1
    assert any(d.year == next_year for d in govuk_england_and_wales())


@pytest.mark.parametrize(
    ("when", "name"),
    [
        ("Friday 2020-05-08", "VE day"),  # the early May bank holiday, moved from Monday 4 May
        ("Thursday 2022-06-02", "Spring Bank Holiday"),
        ("Friday 2022-06-03", "Platinum Jubilee"),
        ("Monday 2022-09-19", "State Funeral"),
        ("Monday 2023-05-08", "Coronation"),
        ("Friday 2025-04-18", "Good Friday"),
        ("Monday 2025-04-21", "Easter Monday"),
        ("Monday 2020-12-28", "Boxing Day"),  # substitute day
    ],
)
def test_moved_and_extra_bank_holidays_are_not_working_days(calendar, when, name):
    assert not calendar.is_working_day(day(when))
    assert name.lower() in calendar.non_working_reason(day(when)).lower()


def test_a_monday_after_the_may_day_that_moved_in_2020_is_a_working_day(calendar):
    assert calendar.is_working_day(day("Monday 2020-05-04"))


def test_a_non_working_day_is_refused_with_its_name(calendar):
    with pytest.raises(NonWorkingDayError, match="^2025-12-25 is Christmas Day, not a working day$"):
        require_working_day(calendar, date(2025, 12, 25))
    with pytest.raises(NonWorkingDayError, match="2025-12-27 is a Saturday, not a working day"):
        require_working_day(calendar, date(2025, 12, 27))


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("Friday 2025-12-19", 1, "Monday 2025-12-22"),
        ("Wednesday 2025-12-24", 1, "Monday 2025-12-29"),
        ("Wednesday 2025-12-24", 3, "Wednesday 2025-12-31"),
        ("Wednesday 2025-12-24", 4, "Friday 2026-01-02"),
        ("Friday 2026-01-02", -4, "Wednesday 2025-12-24"),
        ("Tuesday 2025-04-22", -1, "Thursday 2025-04-17"),
        ("Thursday 2025-04-17", 1, "Tuesday 2025-04-22"),
        ("Monday 2025-01-06", 0, "Monday 2025-01-06"),
        ("Monday 2025-01-06", 70, "Monday 2025-04-14"),
    ],
)
def test_adding_working_days_skips_weekends_and_bank_holidays(calendar, start, n, expected):
    assert calendar.add_working_days(day(start), n) == day(expected)


def test_counting_from_a_non_working_day_starts_at_the_next_or_previous_working_day(calendar):
    assert calendar.add_working_days(day("Saturday 2025-01-04"), 1) == day("Monday 2025-01-06")
    assert calendar.add_working_days(day("Saturday 2025-01-04"), -1) == day("Friday 2025-01-03")
    assert calendar.add_working_days(day("Saturday 2025-01-04"), 0) == day("Saturday 2025-01-04")


def test_next_and_previous_working_day_cross_easter(calendar):
    assert calendar.next_working_day(day("Thursday 2025-04-17")) == day("Tuesday 2025-04-22")
    assert calendar.previous_working_day(day("Tuesday 2025-04-22")) == day("Thursday 2025-04-17")
    assert calendar.roll_forward(day("Friday 2025-04-18")) == day("Tuesday 2025-04-22")
    assert calendar.roll_back(day("Monday 2025-04-21")) == day("Thursday 2025-04-17")
    assert calendar.roll_back(day("Wednesday 2025-04-16")) == day("Wednesday 2025-04-16")


def test_working_days_between_counts_the_half_open_interval(calendar):
    assert calendar.working_days_between(day("Wednesday 2025-12-24"), day("Friday 2026-01-02")) == 4
    assert calendar.working_days_between(day("Friday 2026-01-02"), day("Wednesday 2025-12-24")) == -4
    assert calendar.working_days_between(day("Friday 2025-12-19"), day("Friday 2025-12-19")) == 0
    assert calendar.working_days_between(day("Friday 2025-04-18"), day("Tuesday 2025-04-22")) == 1


def test_within_a_month_is_a_calendar_month_rolled_back_to_a_working_day(calendar):
    assert calendar.add_months(day("Friday 2025-03-14"), 1) == day("Monday 2025-04-14")
    assert calendar.add_months(day("Tuesday 2025-04-15"), 1) == day("Thursday 2025-05-15")
    assert calendar.add_months(day("Thursday 2025-07-31"), 1) == day(
        "Friday 2025-08-29"
    )  # 31 Aug is a Sunday
    assert calendar.add_months(day("Tuesday 2025-11-25"), 1) == day("Wednesday 2025-12-24")  # 25th: Christmas


def test_an_ofsted_closure_day_is_not_a_working_day(tmp_path):
    closures_file = tmp_path / "closures.toml"
    closures_file.write_text('[[closure]]\ndate = 2025-12-29\nname = "Ofsted Christmas closure"\n')
    with_closure = build_england_calendar(load_closures(closures_file))
    assert with_closure.non_working_reason(day("Monday 2025-12-29")) == "Ofsted Christmas closure"
    assert with_closure.add_working_days(day("Wednesday 2025-12-24"), 1) == day("Tuesday 2025-12-30")
    assert with_closure.version != build_england_calendar().version


def test_the_shipped_closure_list_is_empty_by_default():
    from calendars.england import DEFAULT_CLOSURES_FILE

    assert load_closures(DEFAULT_CLOSURES_FILE) == {}


def test_an_unreadable_closure_file_is_a_clear_error(tmp_path):
    broken = tmp_path / "closures.toml"
    broken.write_text('[[closure]]\ndate = "29 December"\nname = "x"\n')
    with pytest.raises(ValueError, match="cannot read Ofsted closure days from .*closures.toml"):
        load_closures(broken)


def test_dates_outside_the_calendar_are_refused(calendar):
    with pytest.raises(OutsideCalendarError, match="1999-12-31 is outside the calendar"):
        calendar.is_working_day(date(1999, 12, 31))
    with pytest.raises(OutsideCalendarError):
        calendar.add_working_days(date(2060, 12, 20), 30)


def test_dates_after_the_last_published_year_are_provisional(calendar):
    last_published = max(govuk_england_and_wales()).year
    assert not calendar.is_provisional(date(last_published, 12, 31))
    assert calendar.is_provisional(date(last_published + 1, 1, 2))


def test_london_time_is_gmt_in_winter_and_bst_in_summer():
    assert at_london_time(day("Monday 2025-01-06"), time(9, 30)).isoformat() == "2025-01-06T09:30:00+00:00"
    assert at_london_time(day("Monday 2025-06-02"), time(9, 30)).isoformat() == "2025-06-02T09:30:00+01:00"
    last_gmt = at_london_time(day("Friday 2025-03-28"), time(17, 0))
    first_bst = at_london_time(day("Monday 2025-03-31"), time(17, 0))
    assert first_bst.astimezone(UTC) - last_gmt.astimezone(UTC) == timedelta(days=3, hours=-1)


# Properties: the table-driven calendar against a plain day-by-day walk over the same holidays.

NON_WORKING = set(holidays.UK(subdiv="ENG", years=range(2017, 2032))) | set(govuk_england_and_wales())


def naive_add(start: date, n: int) -> date:
    step = 1 if n > 0 else -1
    current, left = start, abs(n)
    while left:
        current += timedelta(step)
        if current.weekday() < 5 and current not in NON_WORKING:
            left -= 1
    return current


starts = st.dates(min_value=date(2018, 1, 1), max_value=date(2030, 12, 31))
offsets = st.integers(min_value=-120, max_value=120)


@given(start=starts, n=offsets)
def test_offsets_agree_with_a_day_by_day_count(calendar, start, n):
    assert calendar.add_working_days(start, n) == naive_add(start, n)


@given(start=starts, n=offsets)
def test_adding_then_subtracting_returns_to_a_working_start(calendar, start, n):
    start = calendar.roll_forward(start)
    assert calendar.add_working_days(calendar.add_working_days(start, n), -n) == start


@given(start=starts, n=offsets)
def test_working_days_between_inverts_adding(calendar, start, n):
    start = calendar.roll_forward(start)
    assert calendar.working_days_between(start, calendar.add_working_days(start, n)) == n


@given(moment=st.datetimes(min_value=datetime(2018, 1, 1), max_value=datetime(2030, 12, 31)))
def test_every_london_wall_time_keeps_its_clock_reading(moment):
    aware = at_london_time(moment.date(), moment.time())
    assert (aware.hour, aware.minute) == (moment.hour, moment.minute)
    assert aware.utcoffset() in (timedelta(0), timedelta(hours=1))


@given(pairs=st.lists(st.tuples(starts, offsets), min_size=1, max_size=200))
def test_bulk_offsets_agree_with_scalar_offsets(calendar, pairs):
    days = np.array([d.isoformat() for d, _ in pairs], dtype="datetime64[D]")
    ns = np.array([n for _, n in pairs])
    bulk = calendar.add_working_days_bulk(days, ns)
    assert [d.item() for d in bulk] == [calendar.add_working_days(d, n) for d, n in pairs]


def test_working_days_between_in_bulk_gives_the_single_answers(calendar):
    import numpy as np

    pairs = [  # (start, end, working days in (start, end]) worked out by hand
        ("2025-04-17", "2025-04-22", 1),  # Thursday to Tuesday over Good Friday and Easter Monday
        ("2025-12-23", "2026-01-05", 6),  # 24, 29, 30, 31 Dec, 2 and 5 Jan
        ("2025-06-06", "2025-06-06", 0),
        ("2025-06-09", "2025-06-06", -1),  # backwards: [Fri 6, Mon 9) holds Friday
    ]
    start = np.array([s for s, _, _ in pairs], dtype="datetime64[D]")
    end = np.array([e for _, e, _ in pairs], dtype="datetime64[D]")
    assert calendar.working_days_between_bulk(start, end).tolist() == [n for _, _, n in pairs]
