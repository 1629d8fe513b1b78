"""Checks on values people type, shared by the command line, the dashboard and the services, so a
mistake is refused in one sentence that names what would be right, never stored or answered with
nothing."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable

from models.templates import ActivityTemplate

_FREE_TEXT_CONTROLS = frozenset("\t\n")  # a note or reason may run over lines; nothing else invisible


class InvalidInput(ValueError):
    """A value no rule can accept: nothing was written."""


def _prefixed(what: str, problem: str) -> str:
    return f"{what}: {problem}" if what else problem


def did_you_mean(value: str, valid: Iterable[str]) -> str:
    """ " (did you mean 'x'?)" for the closest valid value, ignoring case; "" when none is close."""
    by_lower = {v.lower(): v for v in valid}
    close = difflib.get_close_matches(value.lower(), list(by_lower), n=1, cutoff=0.6)
    return f" (did you mean {by_lower[close[0]]!r}?)" if close else ""


def one_of(value: str, valid: Iterable[str], what: str) -> str:
    """`value` if it is one of `valid`; else refused naming the valid values (separated by " | ", as
    some, such as "North East, Yorkshire and the Humber", hold commas)."""
    valid = list(valid)
    if value in valid:
        return value
    listed = " | ".join(valid) or "none"
    raise InvalidInput(f"unknown {what} {value!r}{did_you_mean(value, valid)}; valid: {listed}")


def _text(text: str, what: str, *, controls: frozenset[str]) -> str:
    stripped = text.strip()
    for c in stripped:
        category = unicodedata.category(c)
        if category == "Cs":
            raise InvalidInput(_prefixed(what, f"{text!r} is not valid text (bytes that are not UTF-8)"))
        if category == "Cc" and c not in controls:
            raise InvalidInput(_prefixed(what, f"{text!r} contains a control character"))
    if not any(c.isalnum() for c in stripped):
        raise InvalidInput(_prefixed(what, f"{text!r} is blank: it needs a letter or digit"))
    return stripped


def person(text: str, what: str = "") -> str:
    """Who did something (an actor, a lead inspector): stripped, with a letter or digit, on one line."""
    return _text(text, what, controls=frozenset())


def free_text(text: str, what: str = "") -> str:
    """A reason, note, request or response: stripped, with a letter or digit; tabs and new lines allowed."""
    return _text(text, what, controls=_FREE_TEXT_CONTROLS)


def known_flags(template: ActivityTemplate) -> frozenset[str]:
    """The flags that change something for this template: the milestones they add or make not
    applicable, and the closed periods they lift."""
    named = {lit.lstrip("!") for r in template.milestones for lit in (*r.requires, *r.not_applicable_if)}
    for season in template.avoid_periods:
        named |= season.unless
    return frozenset(named)


def check_flags(template: ActivityTemplate, flags: Iterable[str]) -> frozenset[str]:
    """`flags` if the template knows each of them; a flag it ignores would be stored and mean nothing."""
    flags, valid = frozenset(flags), sorted(known_flags(template))
    for flag in sorted(flags - set(valid)):
        if not valid:
            raise InvalidInput(f"flag {flag!r}: {template.activity_type} takes no flags")
        one_of(flag, valid, f"{template.activity_type} flag")
    return flags
