"""Recurring stretches of the year, such as Christmas and New Year, given by month and day."""

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


CHRISTMAS_NEW_YEAR = SeasonalPeriod("Christmas and New Year", (12, 18), (1, 5))
AUGUST = SeasonalPeriod("August", (8, 1), (8, 31))
