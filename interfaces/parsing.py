"""Turning command-line text into dates, times, ids and names, with one-line errors a user can act on.

Every date must fall inside the working-day calendar's years, so nothing downstream meets a date it
cannot count. A London time inside the spring-forward gap is refused, naming the gap; a London time
the autumn change makes happen twice means its first occurrence (BST), and an offset picks the other.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from calendars import LONDON
from calendars.england import FIRST_YEAR, LAST_YEAR
from services import validation

END_OF_DAY = time(17, 0)
MAX_ID = 2**31 - 1  # the largest id the store's keys hold: INTEGER, 32 bits on PostgreSQL
_WHOLE_NUMBER = re.compile(r"[0-9]{1,19}")
_SIGNED_NUMBER = re.compile(r"-?[0-9]{1,40}")
_MILESTONE_KEY = re.compile(r"[a-z][a-z0-9_]{0,99}")
_LA_CODE = re.compile(r"E[0-9]{8}")
_EXAMPLE = "e.g. 2025-02-07T15:30"


class UsageError(ValueError):
    """Input the user can correct: shown as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not argparse's usage block
        raise UsageError(message)


def _in_calendar(day: date, what: str) -> date:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise UsageError(f"{what}: {day.isoformat()} is outside the calendar ({FIRST_YEAR}-{LAST_YEAR})")
    return day


def _iso_text(text: str) -> str:
    """ISO 8601 is printable ASCII; Python 3.11's parser would ignore, say, a trailing NUL."""
    if not (text.isascii() and text.isprintable()):
        raise ValueError(text)
    return text


def parse_day(text: str, what: str) -> date:
    try:
        day = date.fromisoformat(_iso_text(text))
    except ValueError:
        raise UsageError(f"{what}: {text!r} is not a date; use YYYY-MM-DD") from None
    return _in_calendar(day, what)


def parse_moment(text: str, what: str) -> datetime:
    """An ISO date-time; without an offset it is London time; a bare date means 17:00 that day."""
    if not text.strip():
        raise UsageError(f"{what} is empty: give an ISO date-time, {_EXAMPLE}")
    try:
        parsed = datetime.combine(date.fromisoformat(_iso_text(text)), END_OF_DAY)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(_iso_text(text))
        except ValueError:
            raise UsageError(f"{what}: {text!r} is not an ISO date-time, {_EXAMPLE}") from None
    _in_calendar(parsed.date(), what)
    if parsed.tzinfo is None:
        return _in_london(parsed, text, what)
    _in_calendar(parsed.astimezone(LONDON).date(), what)
    return parsed


def _in_london(wall: datetime, text: str, what: str) -> datetime:
    """The London wall-clock time `wall`: refused if the clocks skip it; its first occurrence if they
    pass it twice (zoneinfo's fold=0)."""
    moment = wall.replace(tzinfo=LONDON, fold=0)
    if moment.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) != wall:
        raise UsageError(f"{what}: {text} does not exist in London: {_gap(wall)}")
    return moment


def _gap(wall: datetime) -> str:
    """'the clocks go forward from 01:00 to 02:00 GMT→BST' for a wall time inside a gap."""
    before = wall.replace(tzinfo=LONDON, fold=0).utcoffset()
    after = wall.replace(tzinfo=LONDON, fold=1).utcoffset()
    change = (wall - before).replace(tzinfo=UTC)  # the wall time read in the old offset: after the change
    minute = timedelta(minutes=1)
    while (change - minute).astimezone(LONDON).utcoffset() == after:
        change -= minute
    start, end = (change + before).replace(tzinfo=None), (change + after).replace(tzinfo=None)
    old, new = (change - minute).astimezone(LONDON).tzname(), change.astimezone(LONDON).tzname()
    return f"the clocks go forward from {start:%H:%M} to {end:%H:%M} {old}→{new}"


def parse_actuals(pairs: list[str]) -> dict[str, datetime]:
    actuals = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(
                f"--actual {pair!r}: use KEY=ISO_DATETIME, e.g. draft_report_sent=2025-02-07T15:30"
            )
        if not _MILESTONE_KEY.fullmatch(key):
            raise UsageError(f"--actual {pair!r}: {_not_a_key(key)}")
        actuals[key] = parse_moment(value, f"--actual {key}")
    return actuals


def _not_a_key(text: str) -> str:
    return f"{text!r} is not a milestone key (lower-case letters, digits and _, e.g. draft_report_sent)"


# Types for argparse's `type=`: each refuses with one line, which argparse prefixes with the option.


def activity_id(text: str) -> int:
    """An activity's id: 1 to 2**31 - 1, as the store's keys hold them on every backend; any other
    text names no activity (and is never sent to the database, which would overflow)."""
    if _WHOLE_NUMBER.fullmatch(text) and 0 < int(text) <= MAX_ID:
        return int(text)
    shown = text if re.fullmatch(r"-?[0-9]{1,40}", text) else repr(text)
    raise argparse.ArgumentTypeError(f"no activity {shown}: an id is a whole number from 1 to {MAX_ID}")


def whole_number(low: int, high: int = MAX_ID) -> Callable[[str], int]:
    """A type for a number from `low` to `high`, so a negative or huge one is refused, not obeyed."""
    wanted = f"from {low} to {high}" if high < MAX_ID else f"of {low} or more"

    def number(text: str) -> int:
        if not _SIGNED_NUMBER.fullmatch(text) or int(text) < low:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number {wanted}")
        if int(text) > high:
            raise argparse.ArgumentTypeError(f"{text} is too large (at most {high})")
        return int(text)

    number.__name__ = "whole_number"
    return number


def milestone_key(text: str) -> str:
    if not _MILESTONE_KEY.fullmatch(text):
        raise argparse.ArgumentTypeError(_not_a_key(text))
    return text


def la_code(text: str) -> str:
    """An LA's ONS code: its shape is checked here, whether the store knows it by the command."""
    if not _LA_CODE.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a known local authority: give its ONS code, like E09000002"
        )
    return text


def _checked(check: Callable[[str], str]) -> Callable[[str], str]:
    def convert(text: str) -> str:
        try:
            return check(text)
        except validation.InvalidInput as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = check.__name__
    return convert


person = _checked(validation.person)  # --by, --lead: a non-blank name
free_text = _checked(validation.free_text)  # --reason, --note, --what, --why, --response, --override


def output_file(text: str) -> Path:
    """A file to write: its folder must exist and it must not be a folder, checked before any work."""
    if not text.strip() or "\x00" in text:
        raise argparse.ArgumentTypeError(f"{text!r} is not a file name")
    path = Path(text)
    try:
        if path.is_dir():
            raise argparse.ArgumentTypeError(f"{text} is a folder: give a file name in it")
        if not path.parent.is_dir():
            raise argparse.ArgumentTypeError(f"{text}: there is no folder {path.parent}")
    except OSError as exc:  # a name too long for the file system, say
        raise argparse.ArgumentTypeError(f"{text}: {exc.strerror}") from None
    return path


def add_as_of(parser: argparse.ArgumentParser) -> None:
    """`--as-of`, last on each command that judges 'now', so a past day can be replayed as it was."""
    parser.add_argument("--as-of", help="judge 'now' as this date-time (replays; default: the clock)")
