"""Timelines as people read them: a table for the terminal, and the JSON shape other tools rely on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from models.states import MilestoneStatus
from models.templates import ActivityTemplate
from models.timeline import MilestoneDate, Timeline


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def milestone_json(m: MilestoneDate) -> dict:
    hidden = m.status == MilestoneStatus.NOT_APPLICABLE
    return {
        "key": m.key,
        "title": m.title,
        "owner": m.owner,
        "target": None if hidden else iso(m.target),
        "forecast": None if hidden else iso(m.forecast),
        "actual": iso(m.actual),
        "status": m.status,
        "provisional": m.provisional,
        "calendar_version": m.calendar_version,
        "source": m.source,
        "rule": m.not_applicable_rule or None,
    }


def timeline_json(timeline: Timeline, *, title: str, warnings: list[str]) -> dict:
    return {
        "activity_type": timeline.activity_type,
        "title": title,
        "onsite": timeline.onsite.isoformat(),
        "fieldwork_end": timeline.fieldwork_end.isoformat(),
        "edition": timeline.edition,
        "calendar_version": timeline.calendar_version,
        "warnings": warnings,
        "milestones": [milestone_json(m) for m in timeline.milestones],
    }


def _when(moment: datetime | None) -> str:
    return moment.strftime("%a %d %b %Y %H:%M") if moment else ""


def _heading(timeline: Timeline, template: ActivityTemplate) -> str:
    if timeline.onsite == timeline.fieldwork_end:
        span = f"{template.anchor_label} {timeline.onsite:%A %d %B %Y}"
    else:
        span = f"on site {timeline.onsite:%A %d %B %Y} to {timeline.fieldwork_end:%A %d %B %Y}"
    return f"{template.title}: {span} (edition {timeline.edition}, times Europe/London)"


def milestones_table(milestones: Iterable[MilestoneDate]) -> str:
    """A fixed-width table: milestone, owner, target, forecast and actual (weekday, date, London time)."""
    milestones = list(milestones)
    rows = [("Milestone", "Owner", "Target", "Forecast", "Actual")]
    for m in milestones:
        if m.status == MilestoneStatus.NOT_APPLICABLE:
            rows.append((m.key, m.owner, "not applicable", m.not_applicable_rule, ""))
        elif m.status == MilestoneStatus.ON_EVENT and not m.actual:
            rows.append((m.key, m.owner, m.not_applicable_rule, "", ""))
        else:
            mark = " *" if m.provisional else ""
            forecast = _when(m.forecast) if m.forecast != m.target else "on target"
            rows.append((m.key, m.owner, _when(m.target) + mark, forecast, _when(m.actual)))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    if any(m.provisional for m in milestones):
        lines.append("* provisional: beyond the bank holidays GOV.UK has published")
    return "\n".join(lines)


def timeline_table(timeline: Timeline, template: ActivityTemplate) -> str:
    return _heading(timeline, template) + "\n" + milestones_table(timeline.milestones)
