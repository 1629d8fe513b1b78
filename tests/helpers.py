"""Test helpers: dates written with their weekday, so a wrong expectation fails loudly."""

from __future__ import annotations

from datetime import date, datetime

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def day(text: str) -> date:
    """`"Friday 2025-12-19"` -> date(2025, 12, 19), checking that the weekday is right."""
    weekday, iso = text.split()
    parsed = date.fromisoformat(iso)
    assert WEEKDAYS[parsed.weekday()] == weekday, f"{iso} is a {WEEKDAYS[parsed.weekday()]}, not a {weekday}"
    return parsed


def when(moment: datetime) -> str:
    """An aware datetime as the tests write it: "Monday 2025-01-06 09:30 +0000"."""
    return f"{WEEKDAYS[moment.weekday()]} {moment:%Y-%m-%d %H:%M %z}"
