"""Turning command-line text into dates and times, with one-line errors a user can act on."""

from __future__ import annotations

import argparse
from datetime import date, datetime, time

import pendulum

from calendars import LONDON

END_OF_DAY = time(17, 0)


class UsageError(ValueError):
    """Input the user can correct: shown as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not argparse's usage block
        raise UsageError(message)


def parse_day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{what}: {text!r} is not a date; use YYYY-MM-DD") from None


def parse_moment(text: str, what: str) -> datetime:
    """An ISO date-time; without an offset it is London time; a bare date means 17:00 that day."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), END_OF_DAY, tzinfo=LONDON)
        parsed = pendulum.parse(text, tz=LONDON)
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        raise UsageError(f"{what}: {text!r} is not an ISO date-time, e.g. 2025-02-07T15:30") from None
    if not isinstance(parsed, datetime):
        raise UsageError(f"{what}: {text!r} is not an ISO date-time, e.g. 2025-02-07T15:30")
    return parsed


def parse_actuals(pairs: list[str]) -> dict[str, datetime]:
    actuals = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(
                f"--actual {pair!r}: use KEY=ISO_DATETIME, e.g. draft_report_sent=2025-02-07T15:30"
            )
        actuals[key] = parse_moment(value, f"--actual {key}")
    return actuals
