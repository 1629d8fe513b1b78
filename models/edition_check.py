"""Checking an edition file before it is added: that it loads beside the shipped editions, and which
dates of a sample activity of every type it would change against the edition in force."""

from __future__ import annotations

import shutil
import tomllib
from datetime import date, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

from calendars import LONDON, WorkingDayCalendar
from models.checks import onsite_warnings
from models.templates import EDITIONS_DIR, WEEKDAYS, ActivityTemplate, Edition, TemplateError, load_editions
from models.timeline import Timeline, TimelineError, plan, template_in_force

CANDIDATE = "~candidate.toml"  # sorts after every shipped file, so it replaces a same-named edition
SAMPLE_AFTER = timedelta(weeks=3)  # samples start after the edition's first day, notification included


def load_with_shipped(path: Path) -> tuple[Edition, tuple[Edition, ...]]:
    """The edition in `path` and every edition with it beside the shipped ones; a fault names the file."""
    try:
        text = path.read_text("utf-8")
        name = tomllib.loads(text)["edition"]
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError) as exc:
        raise TemplateError(f"{path.name}: {exc}") from None
    with TemporaryDirectory() as folder:
        for shipped in EDITIONS_DIR.glob("*.toml"):
            shutil.copy(shipped, folder)
        (Path(folder) / CANDIDATE).write_text(text, "utf-8")
        try:
            editions = load_editions(Path(folder))
        except TemplateError as exc:
            raise TemplateError(f"{path.name}: {str(exc).removeprefix(CANDIDATE + ': ')}") from None
    return next(e for e in editions if e.edition == name), editions


def _sample_day(template: ActivityTemplate, edition: Edition, calendar: WorkingDayCalendar) -> date:
    """The first usual day from three weeks after the edition starts that draws no warning."""
    day = calendar.roll_forward(edition.effective_from + SAMPLE_AFTER)
    for _ in range(90):
        if not onsite_warnings(template, day, calendar):
            return day
        day = calendar.next_working_day(day)
    return day


def _when(moment: datetime) -> str:
    local = moment.astimezone(LONDON)
    return f"{WEEKDAYS[local.weekday()]} {local:%Y-%m-%d %H:%M %Z}"


def _changes(before: Timeline, after: Timeline) -> list[str]:
    old = {m.key: m.target for m in before.milestones if m.target}
    new = {m.key: m.target for m in after.milestones if m.target}
    lines = []
    for key, target in new.items():
        if key not in old:
            lines.append(f"  {key}: new, {_when(target)}")
        elif old[key] != target:
            lines.append(f"  {key}: {_when(old[key])} -> {_when(target)}")
    lines += [f"  {key}: removed (was {_when(target)})" for key, target in old.items() if key not in new]
    return lines


def check_edition(path: Path, calendar: WorkingDayCalendar, shipped: tuple[Edition, ...]) -> list[str]:
    """What `ilacs editions check` prints: that the edition loads, then for a sample activity of each
    of its types the dates that differ from the edition in force without it."""
    edition, editions = load_with_shipped(path)
    types = len(edition.templates)
    lines = [
        f"edition {edition.edition} loads: in force from {edition.effective_from}, {types} activity types"
    ]
    for activity_type, template in edition.templates.items():
        onsite = _sample_day(template, edition, calendar)
        head = f"{activity_type} on site {WEEKDAYS[onsite.weekday()]} {onsite}"
        after = plan(
            template_in_force(activity_type, onsite, calendar=calendar, editions=editions),
            onsite,
            calendar=calendar,
        )
        try:
            current = template_in_force(activity_type, onsite, calendar=calendar, editions=shipped)
        except TimelineError:
            lines.append(f"{head}: a new type, {len(after.milestones)} milestones")
            continue
        changes = _changes(plan(current, onsite, calendar=calendar), after)
        against = f"(against edition {current.edition})"
        lines += [f"{head} {against}:", *changes] if changes else [f"{head} {against}: no date changes"]
    return lines
