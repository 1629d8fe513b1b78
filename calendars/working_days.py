"""A working-day calendar with precomputed tables, so an offset of n days costs two list look-ups.

Every function takes and returns `datetime.date` (a day in Europe/London); times of day and time
zones are the caller's business except in `at_london_time`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import TYPE_CHECKING

import pendulum

if TYPE_CHECKING:
    import numpy as np

LONDON = pendulum.timezone("Europe/London")
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class NonWorkingDayError(ValueError):
    """A day that must be a working day is not one."""


class OutsideCalendarError(ValueError):
    """A day lies outside the years the calendar was built for."""


class WorkingDayCalendar:
    """Monday to Friday, less the named non-working days, for the years `first_year`..`last_year`.

    `non_working` maps each bank holiday or closure day to its name. Years after `confirmed_through`
    are computed from the usual rules rather than a published list: their dates are provisional.
    """

    def __init__(
        self,
        non_working: Mapping[date, str],
        *,
        first_year: int,
        last_year: int,
        confirmed_through: int,
        version_label: str,
    ) -> None:
        self.first_year = first_year
        self.last_year = last_year
        self.confirmed_through = confirmed_through
        self._names = {d: n for d, n in non_working.items() if first_year <= d.year <= last_year}
        self._base = date(first_year, 1, 1).toordinal()
        end = date(last_year, 12, 31).toordinal()
        self._working: list[bool] = []
        self._before: list[int] = []  # working days strictly before the day
        self._up_to: list[int] = []  # working days up to and including the day
        self._days: list[date] = []  # the k-th working day of the table
        for ordinal in range(self._base, end + 1):
            day = date.fromordinal(ordinal)
            working = day.weekday() < 5 and day not in self._names
            self._working.append(working)
            self._before.append(len(self._days))
            if working:
                self._days.append(day)
            self._up_to.append(len(self._days))
        digest = hashlib.sha256(
            "\n".join(f"{d.isoformat()} {n}" for d, n in sorted(self._names.items())).encode()
        ).hexdigest()[:10]
        self.version = f"{version_label}+{digest}"
        self._numpy_tables: dict | None = None

    def _index(self, day: date) -> int:
        i = day.toordinal() - self._base
        if i < 0 or i >= len(self._working):
            raise OutsideCalendarError(
                f"{day.isoformat()} is outside the calendar ({self.first_year}-{self.last_year})"
            )
        return i

    def is_working_day(self, day: date) -> bool:
        """True for Monday to Friday that is neither a bank holiday nor a closure day."""
        return self._working[self._index(day)]

    def non_working_reason(self, day: date) -> str | None:
        """Why `day` is not a working day ("Christmas Day", "a Saturday"), or None if it is one."""
        if self.is_working_day(day):
            return None
        return self._names.get(day) or f"a {_WEEKDAY_NAMES[day.weekday()]}"

    def holidays_between(self, start: date, end: date) -> list[tuple[date, str]]:
        """Named non-working days (bank holidays, closures) in the closed interval [start, end]."""
        return sorted((d, n) for d, n in self._names.items() if start <= d <= end and d.weekday() < 5)

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day` (before it when n < 0).

        Edge cases: n = 0 returns `day` unchanged, working or not. `day` itself is never counted,
        so from a Saturday, +1 is the next working day and -1 the previous one.
        """
        if n == 0:
            return day
        i = self._index(day)
        k = self._up_to[i] + n - 1 if n > 0 else self._before[i] + n
        if k < 0 or k >= len(self._days):
            raise OutsideCalendarError(
                f"{n:+d} working days from {day.isoformat()} is outside the calendar "
                f"({self.first_year}-{self.last_year})"
            )
        return self._days[k]

    def add_working_days_bulk(self, days: np.ndarray, n: np.ndarray) -> np.ndarray:
        """`add_working_days` over arrays: `days` as datetime64[D], `n` as integers, same shape.

        Same edge cases as the scalar form; raises OutsideCalendarError if any result leaves the table.
        """
        import numpy as np  # only bulk callers pay for numpy's import

        tables = self._arrays()
        i = days.astype("datetime64[D]").astype(np.int64) - tables["epoch_offset"]
        if i.size and (i.min() < 0 or i.max() >= len(self._working)):
            raise OutsideCalendarError(f"a day is outside the calendar ({self.first_year}-{self.last_year})")
        n = np.asarray(n, dtype=np.int64)
        k = np.where(n > 0, tables["up_to"][i] + n - 1, tables["before"][i] + n)
        moved = k[n != 0]
        if moved.size and (moved.min() < 0 or moved.max() >= len(self._days)):
            raise OutsideCalendarError(f"an offset leaves the calendar ({self.first_year}-{self.last_year})")
        k = np.clip(k, 0, len(self._days) - 1)  # n == 0 rows, whose k is unused
        return (np.where(n == 0, i, tables["days"][k]) + tables["epoch_offset"]).astype("datetime64[D]")

    def working_days_between_bulk(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """`working_days_between` over arrays of datetime64[D], same shape: the same edge cases."""
        import numpy as np

        tables = self._arrays()
        i = start.astype("datetime64[D]").astype(np.int64) - tables["epoch_offset"]
        j = end.astype("datetime64[D]").astype(np.int64) - tables["epoch_offset"]
        both = np.concatenate([i, j])
        if both.size and (both.min() < 0 or both.max() >= len(self._working)):
            raise OutsideCalendarError(f"a day is outside the calendar ({self.first_year}-{self.last_year})")
        return np.where(
            j >= i, tables["up_to"][j] - tables["up_to"][i], tables["before"][j] - tables["before"][i]
        )

    def _arrays(self) -> dict:
        import numpy as np

        if self._numpy_tables is None:
            epoch = date(1970, 1, 1).toordinal()
            self._numpy_tables = {
                "epoch_offset": self._base - epoch,
                "up_to": np.asarray(self._up_to, dtype=np.int64),
                "before": np.asarray(self._before, dtype=np.int64),
                "days": np.asarray([d.toordinal() - self._base for d in self._days], dtype=np.int64),
            }
        return self._numpy_tables

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        return self.add_working_days(day, 1)

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before `day`."""
        return self.add_working_days(day, -1)

    def roll_forward(self, day: date) -> date:
        """`day` if it is a working day, else the next one."""
        return day if self.is_working_day(day) else self.next_working_day(day)

    def roll_back(self, day: date) -> date:
        """`day` if it is a working day, else the previous one."""
        return day if self.is_working_day(day) else self.previous_working_day(day)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in the half-open interval (start, end]; negative, -[end, start), if end < start.

        For working days a and b, add_working_days(a, working_days_between(a, b)) == b.
        Equal dates give 0.
        """
        i, j = self._index(start), self._index(end)
        if j >= i:
            return self._up_to[j] - self._up_to[i]
        return self._before[j] - self._before[i]

    def add_months(self, day: date, months: int) -> date:
        """Calendar months after `day` (pendulum clamps 31 Jan + 1 month to 28/29 Feb), rolled back to a
        working day: "within a month" ends on the last working day on or before the same date."""
        moved = pendulum.Date(day.year, day.month, day.day).add(months=months)
        return self.roll_back(date(moved.year, moved.month, moved.day))

    def is_provisional(self, day: date) -> bool:
        """True when `day` lies beyond the last year of the published bank holiday list."""
        return day.year > self.confirmed_through


def at_london_time(day: date, clock: time) -> datetime:
    """`day` at wall-clock `clock` in Europe/London: GMT in winter, BST in summer."""
    return datetime.combine(day, clock, tzinfo=LONDON)
