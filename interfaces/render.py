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
    return f"{template.title}: {span}\n(edition {timeline.edition}, times Europe/London)"


WIDTH = 100  # a terminal's columns the table keeps within
TITLE_WIDTH = 32  # a milestone's title wraps at this width


def milestones_table(milestones: Iterable[MilestoneDate]) -> str:
    """A table within 100 columns: milestone title (wrapped), owner, target (weekday, date, London time),
    and what is now expected or happened: the actual once recorded, else the forecast where it has moved
    from the target. Keys are for --json."""
    import textwrap

    milestones = list(milestones)
    rows = [("Milestone", "Owner", "Target", "Now")]
    for m in milestones:
        if m.status == MilestoneStatus.NOT_APPLICABLE:
            rows.append((m.title, m.owner, "not applicable", m.not_applicable_rule))
        elif m.status == MilestoneStatus.ON_EVENT and not m.actual:
            rows.append((m.title, m.owner, m.not_applicable_rule, ""))
        else:
            mark = " *" if m.provisional else ""
            if m.actual:
                now = f"done {_when(m.actual)}"
            else:
                now = f"forecast {_when(m.forecast)}" if m.forecast != m.target else ""
            rows.append((m.title, m.owner, _when(m.target) + mark, now))
    widths = [min(TITLE_WIDTH, max(len(r[0]) for r in rows))] + [max(len(r[i]) for r in rows) for i in (1, 2)]
    lines = []
    for title, owner, target, now in rows:
        first, *rest = textwrap.wrap(title, widths[0]) or [""]
        lead = "  ".join((first.ljust(widths[0]), owner.ljust(widths[1]), target.ljust(widths[2])))
        room = WIDTH - len(lead) - 2
        wrapped_now = textwrap.wrap(now, max(room, 20)) or [""]
        lines.append(f"{lead}  {wrapped_now[0]}".rstrip())
        indent = " " * (len(lead) + 2)
        lines += [f"{indent}{more}" for more in wrapped_now[1:]]
        lines += [more for more in rest]
    if any(m.provisional for m in milestones):
        lines.append("* provisional: beyond the bank holidays GOV.UK has published")
    return "\n".join(lines)


def timeline_table(timeline: Timeline, template: ActivityTemplate) -> str:
    return _heading(timeline, template) + "\n" + milestones_table(timeline.milestones)
