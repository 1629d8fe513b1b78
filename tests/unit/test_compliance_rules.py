"""Judging a milestone against its target (spec section 3), in working days."""

from __future__ import annotations

from datetime import datetime

import pytest

from calendars import LONDON
from models.compliance import Tally, Verdict, judge, percentile_90


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def verdict(
    calendar, target, actual, *, precision="time", status="planned", waived=False, as_of="2026-01-01T00:00"
):
    return judge(
        target=at(target),
        actual=at(actual) if actual else None,
        status=status,
        precision=precision,
        waived=waived,
        as_of=at(as_of),
        calendar=calendar,
    )


@pytest.mark.parametrize(
    ("target", "actual", "precision", "category", "days"),
    [
        ("2025-04-17T17:00", "2025-04-17T16:59", "time", "met", 0),
        ("2025-04-17T17:00", "2025-04-17T17:30", "time", "late", 1),  # hours late count as a day
        ("2025-04-17T17:00", "2025-04-17T00:00", "day", "met", 0),  # a date alone: judged by day
        ("2025-04-17T17:00", "2025-04-22T09:00", "time", "late", 1),  # Good Friday, Easter Monday skipped
        ("2025-04-17T17:00", "2025-04-19T10:00", "time", "late", 1),  # a Saturday: still late
        ("2025-12-23T17:00", "2026-01-05T12:00", "time", "late", 6),  # 24, 29, 30, 31 Dec, 2 and 5 Jan
    ],
)
def test_lateness_is_counted_in_working_days(calendar, target, actual, precision, category, days):
    judged = verdict(calendar, target, actual, precision=precision)
    assert (judged.category, judged.days_late) == (category, days)


def test_open_milestones_are_overdue_only_once_their_target_has_passed(calendar):
    assert verdict(calendar, "2025-06-03T17:00", None, as_of="2025-06-03T16:00").category == "pending"
    assert verdict(calendar, "2025-06-03T17:00", None, as_of="2025-06-03T17:01").category == "overdue"
    assert verdict(calendar, "2025-06-03T17:00", None, status="unknown").category == "unknown"
    assert verdict(calendar, "2025-06-03T17:00", None, status="not_applicable").category == "not_applicable"
    assert verdict(calendar, "2025-06-03T17:00", "2025-07-01T10:00", waived=True).category == "waived"


def test_the_90th_percentile_interpolates_between_closest_ranks():
    assert percentile_90([2, 2, 7]) == pytest.approx(6.0)
    assert percentile_90([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) == pytest.approx(9.1)
    assert percentile_90([4]) == 4.0 and percentile_90([]) is None


def test_rates_leave_out_pending_unknown_waived_and_not_applicable(calendar):
    tally = Tally()
    for category, days in (("met", 0), ("late", 3), ("overdue", None), ("pending", None), ("unknown", None)):
        tally.add(Verdict(category, days), justified=category == "late")
    assert (tally.due, tally.on_time_rate, tally.on_time_rate_with_justified) == (5, 1 / 3, 2 / 3)
