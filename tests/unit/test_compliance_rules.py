"""Judging a milestone against its target (spec section 3), in working days."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from calendars import LONDON
from models.compliance import CATEGORIES, Tally, judge, judge_many, percentile_90


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


def test_rates_leave_out_pending_unknown_waived_and_not_applicable_and_due_counts_only_those_due():
    judged = ("met", "late", "overdue", "pending", "unknown", "withdrawn")
    tally = Tally.of(
        np.array([CATEGORIES.index(c) for c in judged]),
        np.array([0, 3, -1, -1, -1, -1]),
        np.array([False, True, False, False, False, False]),
    )
    # met, late and overdue fell due; the pending and unknown ones are in the period but not due
    assert (tally.due, tally.in_period, tally.on_time_rate, tally.on_time_rate_with_justified) == (
        3,
        5,
        1 / 3,
        2 / 3,
    )
    assert tally.days_late == (3,)


def test_many_milestones_are_judged_together_in_summer_and_winter(calendar):
    cases = [  # target, actual, by day, expected (category, working days late), worked out by hand
        ("2025-06-03T17:00", "2025-06-03T16:59", False, ("met", 0)),  # BST
        ("2025-06-03T17:00", "2025-06-03T17:01", False, ("late", 1)),  # a minute late counts a day
        ("2025-12-23T17:00", "2025-12-29T09:00", False, ("late", 2)),  # Wed 24 and Mon 29 Dec
        ("2025-04-17T17:00", "2025-04-22T00:00", True, ("late", 1)),  # Good Friday, Easter Monday
        ("2025-01-07T17:00", "2025-01-07T00:00", True, ("met", 0)),  # GMT, the date alone
        ("2025-03-31T17:00", None, False, ("overdue", -1)),  # BST began on Sun 30 March
        ("2025-10-27T17:00", None, False, ("pending", -1)),  # GMT again from Sun 26 October
    ]
    targets = [at(t) for t, _, _, _ in cases]
    actuals = [at(a) if a else None for _, a, _, _ in cases]
    category, days = judge_many(
        target=np.array([t.timestamp() for t in targets]),
        actual=np.array([a.timestamp() if a else np.nan for a in actuals]),
        target_day=np.array([t.date() for t in targets], dtype="datetime64[D]"),
        actual_day=np.array([a.date() if a else None for a in actuals], dtype="datetime64[D]"),
        status=np.array(["planned"] * len(cases), dtype=object),
        by_day=np.array([d for _, _, d, _ in cases]),
        waived=np.zeros(len(cases), dtype=bool),
        as_of=at("2025-10-27T09:00").timestamp(),
        calendar=calendar,
    )
    got = [(CATEGORIES[c], int(d)) for c, d in zip(category, days, strict=True)]
    assert got == [expected for _, _, _, expected in cases]
