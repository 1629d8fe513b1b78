"""Recurring stretches of the year, such as Christmas and New Year, given by month and day (the
edition files name the ones the programme avoids)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class SeasonalPeriod:
    """The days from `start` to `end` (month, day), both included, every year.

    A period whose end comes before its start in the year wraps over New Year.
    """

    name: str
    start: tuple[int, int]
    end: tuple[int, int]

    def contains(self, day: date) -> bool:
        """True if `day` falls inside the period (ends included)."""
        md = (day.month, day.day)
        if self.start <= self.end:
            return self.start <= md <= self.end
        return md >= self.start or md <= self.end
