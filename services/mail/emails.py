"""Rendering emails: Jinja2 templates in plain English, as text and as HTML, with an .ics of key dates.

Subjects are written in code by the modules that queue each kind of mail, never in a template, and
`render` passes each through `header_safe`, as delivery does again with names and subjects: no control
character (CR, LF) reaches a header, whatever a contact's name or a note says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from calendars import LONDON


def header_safe(text: str) -> str:
    """One line, no control characters: what may go into an email header."""
    if text.isprintable():
        return " ".join(text.split())
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def govuk_time(moment: datetime) -> str:
    """GOV.UK style: 9:30am, 5pm, midday."""
    local = moment.astimezone(LONDON)
    if (local.hour, local.minute) == (12, 0):
        return "midday"
    hour = local.hour % 12 or 12
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{hour}{minutes}{'am' if local.hour < 12 else 'pm'}"


def govuk_day(day: date) -> str:
    """GOV.UK style: Tuesday 7 January 2025."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def govuk_when(moment: datetime | date | None) -> str:
    if moment is None:
        return "not set"
    if not isinstance(moment, datetime):
        return govuk_day(moment)
    return f"{govuk_day(moment.astimezone(LONDON).date())} at {govuk_time(moment)}"


@lru_cache(maxsize=2)
def _environment(*, html: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("services.mail", "templates"),
        autoescape=html,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["when"] = govuk_when
    env.filters["day"] = govuk_day
    return env


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    ics: str | None = None


def render(
    template: str,
    subject: str,
    context: dict,
    *,
    ics: str | None = None,
) -> Rendered:
    """The email `template` (services/mail/templates/<template>.j2) in both formats, with `ics` (a
    calendar file from services/mail/calendar_files.py) to attach when there is one."""
    text = _environment(html=False).get_template(f"{template}.j2").render(format="text", **context)
    html = _environment(html=True).get_template(f"{template}.j2").render(format="html", **context)
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return Rendered(subject=header_safe(subject), text=text, html=html, ics=ics)
