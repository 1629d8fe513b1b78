"""Outcomes: the judgements of a standard or short inspection, and a focused visit's area for priority
action. Each may add milestones: an inadequate overall effectiveness brings the section 2.5 sequence;
an area for priority action brings the draft and full action plans."""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING

from sqlmodel import Session, select

from calendars import LONDON, WorkingDayCalendar
from models.records import Judgement, Milestone
from models.templates import GRADES, edition_named, template_for_edition
from services.store import audit
from services.tracking.events import ActivityChanged
from services.tracking.lifecycle import (
    TrackingError,
    audit_moves,
    milestones,
    open_activity,
    replan,
    snapshot_dates,
)

if TYPE_CHECKING:
    from services.tracking.unit_of_work import UnitOfWork

FLAG_FOR_INADEQUATE = "inadequate"
FLAG_FOR_PRIORITY_ACTION = "priority_action"
FLAG_FOR_PARTNER_CONCERNS = "partner_concerns"


def record_outcome(
    uow: UnitOfWork,
    *,
    activity_id: int,
    grades: dict[str, str],
    priority_action: bool,
    by: str,
    note: str,
    now: datetime,
    partner_concerns: bool = False,
) -> list[tuple[Milestone, dict]]:
    """Judgements and/or a focused visit's area for priority action, and the milestones they add; and
    concerns about other agencies' practice, which bring the letters to partner chief inspectors."""
    moved = []
    if grades:
        moved += record_judgements(
            uow.session, activity_id=activity_id, grades=grades, by=by, now=now, calendar=uow.calendar
        )
    if priority_action:
        moved += record_priority_action(
            uow.session, activity_id=activity_id, by=by, note=note, now=now, calendar=uow.calendar
        )
    if partner_concerns:
        moved += record_partner_concerns(
            uow.session, activity_id=activity_id, by=by, note=note, now=now, calendar=uow.calendar
        )
    uow.collect(ActivityChanged(activity_id, "outcome recorded", now, moved))
    return moved


def record_judgements(
    session: Session,
    *,
    activity_id: int,
    grades: dict[str, str],
    by: str,
    now: datetime,
    calendar: WorkingDayCalendar,
) -> list[tuple[Milestone, dict]]:
    """Record (or correct) the judgements of the activity's edition (framework paragraphs 96 and 97);
    re-plan if they change whether the section 2.5 milestones apply (the edition's pathway 3). Returns
    the milestones that moved or appeared."""
    found = open_activity(session, activity_id)
    if not template_for_edition(found.activity_type, found.edition).graded:
        raise TrackingError(f"activity {activity_id} is a {found.activity_type}: only inspections are graded")
    _after_fieldwork(session, found, now, "judgements")
    edition = edition_named(found.edition)
    areas = [area for area, _ in edition.judgements]
    for area, grade in grades.items():
        if area not in areas:
            raise TrackingError(
                f"{area!r} is not a judgement of edition {edition.edition}: {', '.join(areas)}"
            )
        if grade not in GRADES:
            raise TrackingError(f"grade {grade!r} is not one of {', '.join(GRADES)} (framework paragraph 97)")
    existing = {
        j.area: j for j in session.exec(select(Judgement).where(Judgement.activity_id == activity_id))
    }
    before = {area: j.grade for area, j in existing.items()}
    for area, grade in grades.items():
        judgement = existing.get(area) or Judgement(activity_id=activity_id, area=area, grade=grade)
        judgement.grade = grade
        session.add(judgement)
    inadequate = edition.pathway_for({**before, **grades}) == "3"  # the edition's mapping [003 ¶22-23]
    moved = _set_flag(session, found, FLAG_FOR_INADEQUATE, on=inadequate, calendar=calendar)
    audit.append(
        session,
        at=now,
        actor=by,
        action="judgements",
        activity_id=activity_id,
        subject="judgements",
        before=before,
        after={**before, **grades},
    )
    if moved:
        audit_moves(session, found, moved, actor=by, action="replan", subject="outcome", reason="", now=now)
    return moved


def record_priority_action(
    session: Session, *, activity_id: int, by: str, note: str, now: datetime, calendar: WorkingDayCalendar
) -> list[tuple[Milestone, dict]]:
    """A focused visit found an area for priority action [003 ¶109-110, ¶229]."""
    found = open_activity(session, activity_id)
    if not template_for_edition(found.activity_type, found.edition).priority_action:
        raise TrackingError(
            f"activity {activity_id} is a {found.activity_type}: areas for priority action "
            "come from focused visits (framework paragraph 109)"
        )
    _after_fieldwork(session, found, now, "an area for priority action")
    moved = _set_flag(session, found, FLAG_FOR_PRIORITY_ACTION, on=True, calendar=calendar)
    audit_moves(
        session, found, moved, actor=by, action="priority_action", subject="outcome", reason=note, now=now
    )
    return moved


def takes_partner_concerns(template) -> bool:
    """Whether the activity's template has the letters to partner chief inspectors [003 ¶234]."""
    return FLAG_FOR_PARTNER_CONCERNS in {flag for rule in template.milestones for flag in rule.requires}


def record_partner_concerns(
    session: Session, *, activity_id: int, by: str, note: str, now: datetime, calendar: WorkingDayCalendar
) -> list[tuple[Milestone, dict]]:
    """The inspection found significant concerns about the practice of other agencies [003 ¶233]: the
    lead inspector's letters to partner chief inspectors go with the draft report to quality assurance
    [003 ¶234] (the milestone the flag brings, where the activity's template has it)."""
    found = open_activity(session, activity_id)
    if not takes_partner_concerns(template_for_edition(found.activity_type, found.edition)):
        raise TrackingError(
            f"activity {activity_id} is a {found.activity_type}: letters to partner chief inspectors go "
            "with an inspection's draft report (framework paragraph 234)"
        )
    _after_fieldwork(session, found, now, "concerns about other agencies")
    moved = _set_flag(session, found, FLAG_FOR_PARTNER_CONCERNS, on=True, calendar=calendar)
    audit.append(
        session,
        at=now,
        actor=by,
        action="partner_concerns",
        activity_id=activity_id,
        subject="outcome",
        after={"flag": FLAG_FOR_PARTNER_CONCERNS},
        reason=note,
    )
    if moved:
        audit_moves(session, found, moved, actor=by, action="replan", subject="outcome", reason=note, now=now)
    return moved


def _after_fieldwork(session: Session, found, now: datetime, what: str) -> None:
    """Outcomes are given at the feedback meeting at the end of fieldwork [003 ¶83]: not before the
    last day of fieldwork starts, nor before the feedback meeting when it is recorded."""
    end = found.fieldwork_end
    earliest = datetime.combine(end, time(0, 0), tzinfo=LONDON)
    why = f"the last day of fieldwork, {end:%A} {end.day} {end:%B %Y}"
    meeting = next((r for r in milestones(session, found.id) if r.key == "feedback_meeting"), None)
    if meeting and meeting.actual:
        earliest, why = meeting.actual, f"the feedback meeting, recorded at {_london(meeting.actual)}"
    if now < earliest:
        raise TrackingError(
            f"{what} of activity {found.id} cannot be recorded at {_london(now)}: not before {why}"
        )


def _london(moment: datetime) -> str:
    return f"{moment.astimezone(LONDON):%Y-%m-%d %H:%M %Z}"


def _set_flag(session: Session, found, flag: str, *, on: bool, calendar: WorkingDayCalendar) -> list:
    flags = set(found.flags)
    if (flag in flags) == on:
        return []
    rows = milestones(session, found.id)
    snapshot = snapshot_dates(rows)
    found.flags = sorted(flags | {flag} if on else flags - {flag})
    session.add(found)
    return replan(session, found, rows, calendar, snapshot)
