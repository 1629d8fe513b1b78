"""Reading the dashboard's forms the GOV.UK way: a date in three fields (day, month, year), a time as
typed ("14:30", "2:30pm"), and every problem kept against its field, so the page shows an error
summary that links to each field and the same message beside it."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from interfaces.parsing import UsageError, parse_day, parse_moment

_TIME = re.compile(r"(?P<hour>[0-9]{1,2})(?:[:.](?P<minute>[0-9]{2}))?\s*(?P<half>am|pm)?")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


class Problems:
    """The problems found in one form: a message per field, in the order the fields were read."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}
        self.anchors: dict[str, str] = {}

    def add(self, field: str, message: str, *, anchor: str | None = None) -> None:
        if field not in self.fields:
            self.fields[field] = _sentence(message)
            self.anchors[field] = anchor or field

    def __bool__(self) -> bool:
        return bool(self.fields)

    def summary(self) -> list[dict]:
        """The error summary's list: each message linking to its field."""
        return [{"text": text, "href": f"#{self.anchors[field]}"} for field, text in self.fields.items()]

    def inline(self) -> dict[str, dict]:
        return {field: {"text": text} for field, text in self.fields.items()}


def text(form: dict, name: str) -> str:
    """A text field as typed, with a browser's CR LF line ends made LF."""
    value = form.get(name, "")
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else ""


def read_date(form: dict, name: str, label: str, problems: Problems) -> date | None:
    """The date in fields `name-day`, `name-month`, `name-year`, or None with the problem noted."""
    parts = {p: text(form, f"{name}-{p}").strip() for p in ("day", "month", "year")}
    missing = [p for p, v in parts.items() if not v]
    if len(missing) == 3:
        problems.add(name, f"enter {label}", anchor=f"{name}-day")
        return None
    if missing:
        problems.add(name, f"{label} must include a {' and '.join(missing)}", anchor=f"{name}-{missing[0]}")
        return None
    if not all(v.isascii() and v.isdigit() for v in parts.values()) or len(parts["year"]) != 4:
        problems.add(name, f"{label} must be a real date", anchor=f"{name}-day")
        return None
    try:
        day = date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        problems.add(name, f"{label} must be a real date", anchor=f"{name}-day")
        return None
    try:
        return parse_day(day.isoformat(), label)  # inside the working-day calendar's years
    except UsageError as exc:
        problems.add(name, str(exc), anchor=f"{name}-day")
        return None


def read_time(form: dict, name: str, label: str, problems: Problems) -> time | None:
    """A time of day as people write it: "9:30", "14:30", "2:30pm", "9am"."""
    value = text(form, name).strip().lower().replace(" ", "")
    match = _TIME.fullmatch(value) if value else None
    if not value:
        problems.add(name, f"enter {label}")
        return None
    if match:
        hour, minute = int(match["hour"]), int(match["minute"] or 0)
        if match["half"]:
            hour = hour % 12 + (12 if match["half"] == "pm" else 0) if 1 <= hour <= 12 else 99
        if hour < 24 and minute < 60:
            return time(hour, minute)
    problems.add(name, f"{label} must be a real time, like 9:30am or 14:30")
    return None


def read_moment(form: dict, name: str, label: str, problems: Problems) -> datetime | None:
    """A London date and time from `name` (date fields) and `name-time`, read as the command line reads
    one (a time the clocks skip is refused)."""
    day = read_date(form, name, f"the date {label}", problems)
    at = read_time(form, f"{name}-time", f"the time {label}", problems)
    if day is None or at is None:
        return None
    try:
        return parse_moment(f"{day.isoformat()}T{at:%H:%M}", f"the time {label}")
    except UsageError as exc:
        problems.add(f"{name}-time", str(exc))
        return None


def date_values(form: dict | None, name: str, default: date | None = None) -> dict[str, str]:
    """What to show in a date's three fields: as typed, or `default`."""
    if form is not None and any(f"{name}-{p}" in form for p in ("day", "month", "year")):
        return {p: text(form, f"{name}-{p}") for p in ("day", "month", "year")}
    if default is None:
        return {"day": "", "month": "", "year": ""}
    return {"day": str(default.day), "month": str(default.month), "year": str(default.year)}
