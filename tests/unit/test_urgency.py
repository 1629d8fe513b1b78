"""The urgency tag and working-day countdown of a milestone, with weekdays worked out by hand: summer
(BST, UTC+1) and winter (GMT) cases, bank holidays and the London-day boundary."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from calendars import LONDON
from models.states import MilestoneStatus
from models.urgency import urgency
from tests.helpers import day


def at(text: str, clock: str) -> datetime:
    """ "Friday 2025-06-13", "17:00" -> 5pm that day, London time."""
    return datetime.combine(day(text), time.fromisoformat(clock), tzinfo=LONDON)


def open_one(target: datetime, now: datetime, calendar, status=MilestoneStatus.PLANNED):
    return urgency(status=status, target=target, forecast=target, waived=False, now=now, calendar=calendar)


@pytest.mark.parametrize(
    ("target", "now", "state", "days", "label"),
    [
        # summer: Monday 9 June 2025 to Friday 13 June is 4 working days
        (
            at("Friday 2025-06-13", "17:00"),
            at("Monday 2025-06-09", "09:00"),
            "due soon",
            4,
            "due in 4 working days",
        ),
        # the same day, before 5pm BST
        (at("Friday 2025-06-13", "17:00"), at("Friday 2025-06-13", "16:59"), "due today", 0, "due today"),
        # Friday 13 June to Monday 23 June: 16, 17, 18, 19, 20, 23 June, six working days, so on track
        (
            at("Monday 2025-06-23", "17:00"),
            at("Friday 2025-06-13", "10:00"),
            "on track",
            6,
            "on track, 6 working days left",
        ),
        # one working day: Friday to the Monday after
        (
            at("Monday 2025-06-16", "17:00"),
            at("Friday 2025-06-13", "10:00"),
            "due soon",
            1,
            "due in 1 working day",
        ),
        # passed 5pm BST on the Friday: overdue, the same London day
        (at("Friday 2025-06-13", "17:00"), at("Friday 2025-06-13", "17:01"), "overdue", 0, "overdue"),
        # 00:30 BST Saturday is still Friday in UTC; the London day is Saturday, no working day later
        (
            at("Friday 2025-06-13", "17:00"),
            datetime(2025, 6, 13, 23, 30, tzinfo=UTC),
            "overdue",
            0,
            "overdue",
        ),
        # Monday 16 June: one working day after Friday 13 June
        (
            at("Friday 2025-06-13", "17:00"),
            at("Monday 2025-06-16", "09:00"),
            "overdue",
            -1,
            "overdue by 1 working day",
        ),
        # Spring bank holiday, Monday 26 May 2025: Friday 23 May to Tuesday 27 May is one working day
        (
            at("Friday 2025-05-23", "17:00"),
            at("Tuesday 2025-05-27", "09:00"),
            "overdue",
            -1,
            "overdue by 1 working day",
        ),
    ],
)
def test_summer(target, now, state, days, label, calendar):
    found = open_one(target, now, calendar)
    assert (found.state, found.working_days, found.label) == (state, days, label)


@pytest.mark.parametrize(
    ("target", "now", "state", "days", "label"),
    [
        # Christmas Day (Thursday 25) and Boxing Day (Friday 26) 2025 are bank holidays, 27 and 28 a
        # weekend: from Wednesday 24 December the next working day is Monday 29
        (
            at("Monday 2025-12-29", "17:00"),
            at("Wednesday 2025-12-24", "10:00"),
            "due soon",
            1,
            "due in 1 working day",
        ),
        # Friday 19 December to Wednesday 31 December: 22, 23, 24, 29, 30, 31, six working days late
        (
            at("Friday 2025-12-19", "17:00"),
            at("Wednesday 2025-12-31", "12:00"),
            "overdue",
            -6,
            "overdue by 6 working days",
        ),
        # New Year's Day, Thursday 1 January 2026: Wednesday 31 December to Friday 2 January is one
        (
            at("Friday 2026-01-02", "17:00"),
            at("Wednesday 2025-12-31", "12:00"),
            "due soon",
            1,
            "due in 1 working day",
        ),
        # GMT: 5pm is 17:00 UTC; at 16:59 UTC it is still due today
        (
            at("Tuesday 2025-11-25", "17:00"),
            datetime(2025, 11, 25, 16, 59, tzinfo=UTC),
            "due today",
            0,
            "due today",
        ),
        # Monday 24 November to Monday 1 December: 25, 26, 27, 28 November, 1 December, five: due soon
        (
            at("Monday 2025-12-01", "17:00"),
            at("Monday 2025-11-24", "09:00"),
            "due soon",
            5,
            "due in 5 working days",
        ),
        # Monday 24 November to Tuesday 2 December: six, on track
        (
            at("Tuesday 2025-12-02", "17:00"),
            at("Monday 2025-11-24", "09:00"),
            "on track",
            6,
            "on track, 6 working days left",
        ),
    ],
)
def test_winter(target, now, state, days, label, calendar):
    found = open_one(target, now, calendar)
    assert (found.state, found.working_days, found.label) == (state, days, label)


def test_closed_milestones_have_no_countdown(calendar):
    now, target = at("Monday 2025-06-16", "09:00"), at("Friday 2025-06-13", "17:00")
    common = {"target": target, "forecast": target, "now": now, "calendar": calendar}
    assert urgency(status=MilestoneStatus.DONE, waived=False, **common).label == "done"
    assert urgency(status=MilestoneStatus.DONE, waived=True, **common).label == "waived"
    assert urgency(status=MilestoneStatus.NOT_APPLICABLE, waived=False, **common).label == "not applicable"
    assert urgency(status=MilestoneStatus.WITHDRAWN, waived=False, **common).label == "not applicable"
    for status in (MilestoneStatus.DONE, MilestoneStatus.NOT_APPLICABLE):
        assert urgency(status=status, waived=False, **common).working_days is None


def test_without_a_target_the_forecast_is_the_deadline(calendar):
    found = urgency(
        status=MilestoneStatus.PLANNED,
        target=None,
        forecast=at("Wednesday 2025-06-11", "17:00"),
        waived=False,
        now=at("Monday 2025-06-09", "09:00"),
        calendar=calendar,
    )
    assert (found.state, found.working_days) == ("due soon", 2)


def test_at_risk_means_overdue_or_due_today(calendar):
    now = at("Friday 2025-06-13", "12:00")
    assert open_one(at("Friday 2025-06-13", "17:00"), now, calendar).at_risk
    assert open_one(at("Thursday 2025-06-12", "17:00"), now, calendar).at_risk
    assert not open_one(at("Monday 2025-06-16", "17:00"), now, calendar).at_risk
