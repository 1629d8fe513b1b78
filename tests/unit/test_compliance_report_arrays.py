"""The compliance report's arrays: instants as London days across both clock changes and midnight, and
the cycle collector paused only while a report is built."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from calendars import LONDON
from services.reports.compliance import london_days


@pytest.mark.parametrize(
    "around",
    [
        datetime(2025, 3, 29, 12, tzinfo=UTC),  # clocks go forward at 01:00 UTC on Sunday 30 March
        datetime(2025, 10, 25, 12, tzinfo=UTC),  # and back at 01:00 UTC on Sunday 26 October
        datetime(2025, 1, 14, 12, tzinfo=UTC),  # a winter midnight
        datetime(2025, 7, 15, 12, tzinfo=UTC),  # a summer midnight (23:00 UTC)
    ],
)
def test_each_instant_falls_on_the_london_day_the_time_zone_database_gives(around):
    moments = [around + timedelta(minutes=m) for m in range(0, 48 * 60, 7)]
    moments += [datetime(2025, 7, 15, 22, 59, 59, 999999, tzinfo=UTC), datetime(2025, 7, 15, 23, tzinfo=UTC)]
    instants = np.array([m.replace(tzinfo=None) for m in moments] + [None], dtype="datetime64[us]")
    days = london_days(instants)
    expected = [np.datetime64(m.astimezone(LONDON).date(), "D") for m in moments]
    assert days[:-1].tolist() == [d.astype(object) for d in expected]
    assert np.isnat(days[-1])


def test_the_last_microsecond_of_a_summer_day_and_its_midnight_are_two_days():
    instants = np.array(["2025-07-15T22:59:59.999999", "2025-07-15T23:00:00"], dtype="datetime64[us]")
    assert london_days(instants).astype(str).tolist() == ["2025-07-15", "2025-07-16"]


def test_the_cycle_collector_is_running_again_after_a_report_even_a_refused_one():
    import gc

    from services.reports.compliance import build_report

    assert gc.isenabled()
    with pytest.raises(ValueError, match="before --from"):
        build_report(
            None, start=date(2025, 2, 1), end=date(2025, 1, 1), as_of=datetime.now(UTC), calendar=None
        )
    assert gc.isenabled()
