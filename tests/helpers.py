"""Test helpers: dates written with their weekday, so a wrong expectation fails loudly."""

from __future__ import annotations

from collections.abc import Callable
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


def sweep_dies_on_the_second_batch(monkeypatch) -> tuple[list[list[int]], Callable[[], None]]:
    """The sweeps that follow are killed while their second batch is in hand: the activities of each
    batch taken in hand, and what gives the sweep its real batches back."""
    from services.mail import sweep

    batches: list[list[int]] = []
    real_batch = sweep._sweep_batch

    def dies_on_the_second_batch(session, ids, *, ladders):
        batches.append(ids)
        if len(batches) == 2:
            raise KeyboardInterrupt
        return real_batch(session, ids, ladders=ladders)

    monkeypatch.setattr(sweep, "_sweep_batch", dies_on_the_second_batch)
    return batches, lambda: monkeypatch.setattr(sweep, "_sweep_batch", real_batch)
