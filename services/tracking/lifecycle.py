"""Changes to activities: register, record what happened, undo, defer. Each writes its audit entries
in the caller's transaction; record, undo and defer take the unit of work and tell it what moved, so
the mail that follows is queued with them. A refusal raises TrackingError before anything is written."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session, func, select

from calendars import WorkingDayCalendar
from models.checks import period_conflicts
from models.records import Activity, Deferral, LocalAuthority, Milestone
from models.states import ActivityStatus, MilestoneStatus
from models.templates import ActivityTemplate, template_for_edition
from models.timeline import (
    MilestoneDate,
    Timeline,
    london_day,
    plan,
    preview,
    require_working_day,
)
from services.store import audit
from services.tracking.events import ActivityChanged

if TYPE_CHECKING:
    from services.tracking.unit_of_work import UnitOfWork


class TrackingError(ValueError):
    """A change the rules refuse; nothing was written."""


def local_authority(session: Session, ons_code: str) -> LocalAuthority:
    la = session.exec(select(LocalAuthority).where(LocalAuthority.ons_code == ons_code)).first()
    if not la:
        raise TrackingError(f"no local authority with ONS code {ons_code!r}")
    return la


def activity(session: Session, activity_id: int) -> Activity:
    """The activity, locked for this transaction (FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE
    already serialises writers), so two changes to one activity cannot interleave and lose a re-plan."""
    found = session.exec(select(Activity).where(Activity.id == activity_id).with_for_update()).first()
    if not found:
        raise TrackingError(f"no activity {activity_id}")
    return found


def open_activity(session: Session, activity_id: int) -> Activity:
    """The activity, locked, if it can still change: a cancelled one is kept as it was cancelled."""
    found = activity(session, activity_id)
    if found.status == ActivityStatus.CANCELLED:
        raise TrackingError(
            f"activity {activity_id} was cancelled ({found.cancelled_reason}); it cannot change"
        )
    return found


def milestones(session: Session, activity_id: int) -> list[Milestone]:
    query = select(Milestone).where(Milestone.activity_id == activity_id).order_by(Milestone.position)
    return list(session.exec(query))


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def dates_of(row: Milestone) -> dict:
    return {"target": _iso(row.target), "forecast": _iso(row.forecast), "actual": _iso(row.actual)}


def _check_clash(session: Session, la_id: int, onsite: date, end: date, *, ignore: int | None = None) -> None:
    query = select(Activity).where(Activity.la_id == la_id, Activity.status != ActivityStatus.CANCELLED)
    for other in session.exec(query):
        if other.id != ignore and other.onsite <= end and onsite <= other.fieldwork_end:
            raise TrackingError(
                f"clashes with activity {other.id} ({other.activity_type}, on site {other.onsite} "
                f"to {other.fieldwork_end}) at the same local authority"
            )


def _check_periods(
    template: ActivityTemplate, timeline: Timeline, flags: frozenset[str], override: str
) -> None:
    days = {m.key: london_day(m.target) for m in timeline.milestones if m.target}
    conflicts = period_conflicts(template, days, flags)
    if conflicts and not override:
        raise TrackingError(f"{conflicts[0]}; give --override REASON to schedule it anyway")


def _apply(row: Milestone, dated: MilestoneDate) -> None:
    row.title, row.owner, row.source = dated.title, dated.owner, dated.source
    row.target, row.forecast, row.actual = dated.target, dated.forecast, dated.actual
    row.status, row.provisional = dated.status, dated.provisional
    row.calendar_version, row.rule = dated.calendar_version, dated.not_applicable_rule


def check_registration(
    session: Session,
    *,
    timeline: Timeline,
    template: ActivityTemplate,
    la_code: str,
    flags: frozenset[str],
    override: str,
) -> LocalAuthority:
    """The LA, if `timeline` can be registered there: refused for a clash with another of its activities
    or a closed period without an override. Changes nothing, so a preview can ask first."""
    la = local_authority(session, la_code)
    _check_clash(session, la.id, timeline.onsite, timeline.fieldwork_end)
    _check_periods(template, timeline, flags, override)
    return la


def register(
    session: Session,
    *,
    timeline: Timeline,
    template: ActivityTemplate,
    la_code: str,
    lead: str,
    flags: frozenset[str],
    override: str,
    actor: str,
    now: datetime,
) -> Activity:
    """Store a planned activity and its dated milestones, refusing a clash or a closed period; what it
    contradicts in the programme's rules is kept in its audit entry (`programme_warnings`)."""
    la = check_registration(
        session, timeline=timeline, template=template, la_code=la_code, flags=flags, override=override
    )
    new = Activity(
        activity_type=timeline.activity_type,
        la_id=la.id,
        onsite=timeline.onsite,
        fieldwork_end=timeline.fieldwork_end,
        variant=_variant(template, timeline.onsite),
        lead_inspector=lead,
        flags=sorted(flags),
        edition=timeline.edition,
        calendar_version=timeline.calendar_version,
        override_reason=override,
        created_at=now,
    )
    session.add(new)
    session.flush()
    for position, dated in enumerate(timeline.milestones):
        row = Milestone(
            activity_id=new.id, position=position, key=dated.key, title="", owner="", status=dated.status
        )
        _apply(row, dated)
        session.add(row)
    after = {
        "type": new.activity_type,
        "la": la.ons_code,
        "onsite": new.onsite.isoformat(),
        "fieldwork_end": new.fieldwork_end.isoformat(),
        "lead": lead,
        "flags": new.flags,
        "edition": new.edition,
    }
    warnings = programme_warnings(session, new)
    if warnings:
        after["warnings"] = warnings
    audit.append(
        session,
        at=now,
        actor=actor,
        action="schedule",
        activity_id=new.id,
        subject=f"activity {new.id}",
        after=after,
        reason=f"override: {override}" if override else "",
    )
    return new


def programme_warnings(session: Session, found: Activity) -> list[str]:
    """The programme's rules a registered activity contradicts, each naming its rule; a warning, not a
    refusal (the programme's spacing and pathways are what a planner may depart from with reason,
    models/programme.toml)."""
    from models.programme import shipped_rules

    rules = shipped_rules()
    la = session.get(LocalAuthority, found.la_id)
    return (
        _pathway_warnings(session, found, la, rules)
        + _spacing_warnings(session, found, la, rules)
        + _updated_action_plan_warnings(session, found, la)
    )


def _updated_action_plan_warnings(session: Session, found: Activity, la: LocalAuthority) -> list[str]:
    """An annual engagement meeting after a focused visit, registered without the flag that asks for
    the updated action plan with its self-evaluation [003 ¶228]: a focused visit (not cancelled, and
    without an area for priority action, whose action plan has its own deadlines [003 ¶229]) whose
    fieldwork ended since the LA's previous meeting."""
    flag = "after_focused_visit"
    if found.activity_type != "annual-engagement" or flag in (found.flags or []):
        return []
    at_la = (Activity.la_id == found.la_id, Activity.status != ActivityStatus.CANCELLED)
    previous = session.exec(
        select(func.max(Activity.onsite)).where(
            *at_la,
            Activity.activity_type == "annual-engagement",
            Activity.onsite < found.onsite,
            Activity.id != found.id,
        )
    ).one()
    since = [Activity.fieldwork_end > previous] if previous else []
    visits = session.exec(
        select(Activity.fieldwork_end, Activity.flags).where(
            *at_la, Activity.activity_type == "focused-visit", Activity.fieldwork_end < found.onsite, *since
        )
    ).all()
    ends = [end for end, flags in visits if "priority_action" not in (flags or [])]
    if not ends:
        return []
    return [
        f"{la.name} had a focused visit (fieldwork ended {max(ends)}) since its last annual engagement "
        f"meeting: give the flag {flag} so that the updated action plan is asked for with the "
        "self-evaluation (framework paragraph 228)"
    ]


def _pathway_warnings(session: Session, found: Activity, la: LocalAuthority, rules) -> list[str]:
    """An activity of a type the LA's pathway does not hold [003 ¶13-23], by the latest judgement before
    it (the reference data's or one recorded in the store, as the programme reads them)."""
    from models.programme import in_words, judged, pathway
    from services.reports.programme import starting_states

    states = starting_states(session, region=None, deteriorating=frozenset(), la_code=la.ons_code)
    state = next((s for s in states if s.last_end < found.onsite), None)
    if state is None:  # no graded inspection known before it: no pathway to contradict
        return []
    path = pathway(state)
    fits = rules.pathway_activities[f"pathway-{path}"]
    if found.activity_type in fits:
        return []
    holds = ", ".join(kind.replace("-", " ") for kind in fits)
    return [
        f"a {found.activity_type.replace('-', ' ')} is not in {la.name}'s pathway {path}: its latest "
        f"{state.last_type.replace('-', ' ')} (fieldwork ended {state.last_end}) judged "
        f"{in_words(judged(state))}; pathway {path} holds {holds} (framework paragraphs 13-23; "
        "pathway_activities, models/programme.toml)"
    ]


def _spacing_warnings(session: Session, found: Activity, la: LocalAuthority, rules) -> list[str]:
    """Another on-site activity at the LA within the programme's minimum spacing."""
    if found.activity_type not in rules.weeks_on_site:  # not an inspection or visit on site
        return []
    spacing = timedelta(weeks=rules.min_spacing_weeks)
    monday = found.onsite - timedelta(days=found.onsite.weekday())
    others = select(Activity).where(
        Activity.la_id == found.la_id,
        Activity.id != found.id,
        Activity.status != ActivityStatus.CANCELLED,
        Activity.activity_type.in_(list(rules.weeks_on_site)),
    )
    warnings = []
    for other in session.exec(others.order_by(Activity.onsite)):
        weeks = abs((other.onsite - timedelta(days=other.onsite.weekday())) - monday).days // 7
        if weeks * 7 < spacing.days:
            warnings.append(
                f"activity {other.id} ({other.activity_type.replace('-', ' ')} on site {other.onsite}) at "
                f"{la.name} is {weeks} weeks away: the programme keeps ILACS activities at one local "
                f"authority at least {rules.min_spacing_weeks} weeks apart (min_spacing_weeks, "
                "models/programme.toml)"
            )
    return warnings


def _variant(template: ActivityTemplate, onsite: date) -> str:
    if template.weekdays and len(template.weekdays) > 1 and onsite.weekday() == template.weekdays[1]:
        return "wednesday-thursday"
    return ""


def schedule(
    session: Session,
    *,
    activity_type: str,
    la_code: str,
    onsite: date,
    lead: str,
    actor: str,
    now: datetime,
    calendar: WorkingDayCalendar,
    flags: frozenset[str] = frozenset(),
    override: str = "",
) -> Activity:
    """Plan an activity by the edition in force and store it: `preview` then `register`."""
    template, timeline = preview(activity_type, onsite, flags=flags, calendar=calendar)
    return register(
        session,
        timeline=timeline,
        template=template,
        la_code=la_code,
        lead=lead,
        flags=flags,
        override=override,
        actor=actor,
        now=now,
    )


def replan(
    session: Session, found: Activity, rows: Sequence[Milestone], calendar: WorkingDayCalendar, snapshot: dict
) -> list[tuple[Milestone, dict]]:
    """Recompute every template milestone of `found` from its rows' actuals; return the rows whose dates
    differ from `snapshot` (their dates before the change), each with those earlier dates."""
    template = template_for_edition(found.activity_type, found.edition)
    flags = frozenset(found.flags)
    keys = {r.key for r in template.rules_for(flags)}
    actuals = {r.key: r.actual for r in rows if r.actual and r.key in keys}
    try:
        timeline = plan(
            template, found.onsite, calendar=calendar, actuals=actuals, flags=flags, end=found.fieldwork_end
        )
    except ValueError as exc:
        raise TrackingError(str(exc)) from None
    by_key = {r.key: r for r in rows}
    rows = list(rows)
    for position, dated in enumerate(timeline.milestones):
        row = by_key.get(dated.key)
        if row is None:  # a milestone the activity has just gained (an outcome added a flag)
            row = Milestone(
                activity_id=found.id,
                position=position,
                key=dated.key,
                title="",
                owner="",
                status=dated.status,
            )
            rows.append(row)
            snapshot[dated.key] = {"target": None, "forecast": None, "actual": None}
        _apply(row, dated)
    planned = {m.key for m in timeline.milestones}
    for row in rows:
        if row.origin == "template" and row.key not in planned:  # kept, never deleted
            row.status, row.rule = MilestoneStatus.WITHDRAWN, "no longer applies to this activity"
            row.target = row.forecast = None
    moved = [(r, snapshot[r.key]) for r in rows if dates_of(r) != snapshot[r.key]]
    session.add_all(r for r, _ in moved)
    return moved


def snapshot_dates(rows: Sequence[Milestone]) -> dict:
    return {r.key: dates_of(r) for r in rows}


def record_actual(
    uow: UnitOfWork, *, activity_id: int, key: str, at: datetime, by: str, note: str, now: datetime
) -> list[tuple[Milestone, dict]]:
    """Record that milestone `key` happened at `at`; re-plan what follows. Returns what moved."""

    def record(row: Milestone) -> None:
        if at > now:  # said with the milestone's title: staff read it on the dashboard too
            raise TrackingError(f"{row.title} cannot be recorded as done in the future ({at.isoformat()})")
        row.actual, row.recorded_by, row.note = at, by, note

    moved = _change_and_replan(uow, activity_id, key, record, actor=by, action="record", reason=note, now=now)
    uow.collect(ActivityChanged(activity_id, f"{key} recorded", now, moved))
    return moved


def record_many(
    uow: UnitOfWork, *, items: Sequence[tuple[int, str]], at: datetime, by: str, note: str, now: datetime
) -> list[tuple[Milestone, dict]]:
    """Record several milestones (activity id, key) as happening at `at`, in the caller's one
    transaction: all or nothing, and a refusal names the milestone it is about."""
    if not items:
        raise TrackingError("choose at least one milestone")
    moved = []
    for activity_id, key in items:
        try:
            moved += record_actual(uow, activity_id=activity_id, key=key, at=at, by=by, note=note, now=now)
        except TrackingError as exc:
            raise TrackingError(f"activity {activity_id}, {key}: {exc}") from None
    return moved


def undo_actual(
    uow: UnitOfWork, *, activity_id: int, key: str, by: str, reason: str, now: datetime
) -> list[tuple[Milestone, dict]]:
    """Take back a recorded actual: a new audited change, never a deletion."""

    def undo(row: Milestone) -> None:
        if row.actual is None:
            raise TrackingError(f"activity {activity_id} has no recorded actual for {key!r} to undo")
        row.actual, row.recorded_by, row.note = None, by, reason

    moved = _change_and_replan(uow, activity_id, key, undo, actor=by, action="undo", reason=reason, now=now)
    uow.collect(ActivityChanged(activity_id, f"{key} corrected", now, moved))
    return moved


def _change_and_replan(
    uow: UnitOfWork,
    activity_id: int,
    key: str,
    change: Callable[[Milestone], None],
    *,
    actor: str,
    action: str,
    reason: str,
    now: datetime,
) -> list[tuple[Milestone, dict]]:
    """Apply `change` to one milestone, re-plan the activity and audit every date that moved."""
    session = uow.session
    found = open_activity(session, activity_id)
    rows = milestones(session, activity_id)
    row = next((r for r in rows if r.key == key), None)
    if row is None:
        raise TrackingError(f"activity {activity_id} ({found.activity_type}) has no milestone {key!r}")
    snapshot = snapshot_dates(rows)
    change(row)
    moved = replan(session, found, rows, uow.calendar, snapshot)
    audit_moves(
        session, found, moved, actor=actor, action=action, subject=f"milestone {key}", reason=reason, now=now
    )
    return moved


def audit_moves(
    session: Session,
    found: Activity,
    moved: list[tuple[Milestone, dict]],
    *,
    actor: str,
    action: str,
    subject: str,
    reason: str,
    now: datetime,
) -> None:
    audit.append(
        session,
        at=now,
        actor=actor,
        action=action,
        activity_id=found.id,
        subject=subject,
        reason=reason,
        before={row.key: before for row, before in moved},
        after={row.key: dates_of(row) for row, _ in moved},
    )


def defer(
    uow: UnitOfWork, *, activity_id: int, to: date, reason: str, by: str, now: datetime, override: str = ""
) -> list[tuple[Milestone, dict]]:
    """Move the activity's first day on site; only for the framework's reasons [003 ¶16]."""
    session, calendar = uow.session, uow.calendar
    found = open_activity(session, activity_id)
    template = template_for_edition(found.activity_type, found.edition)
    label = _deferral_label(template, reason)
    try:
        require_working_day(calendar, to)
    except ValueError as exc:
        raise TrackingError(str(exc)) from None
    old_onsite, old_end = found.onsite, found.fieldwork_end
    new_end = calendar.add_working_days(to, template.fieldwork_days - 1)
    _check_clash(session, found.la_id, to, new_end, ignore=found.id)
    flags = frozenset(found.flags)
    _check_periods(template, plan(template, to, calendar=calendar, flags=flags), flags, override)
    found.onsite, found.fieldwork_end, found.status = to, new_end, ActivityStatus.PLANNED
    found.variant = _variant(template, to)
    session.add(found)
    session.add(
        Deferral(
            activity_id=found.id,
            old_onsite=old_onsite,
            new_onsite=to,
            reason=reason,
            deferred_by=by,
            deferred_at=now,
        )
    )
    rows = milestones(session, activity_id)
    moved = replan(session, found, rows, calendar, snapshot_dates(rows))
    audit.append(
        session,
        at=now,
        actor=by,
        action="defer",
        activity_id=found.id,
        subject=f"activity {found.id}",
        reason=f"{reason}" + (f"; override: {override}" if override else ""),
        before={
            "onsite": old_onsite.isoformat(),
            "fieldwork_end": old_end.isoformat(),
            **{row.key: before for row, before in moved},
        },
        after={
            "onsite": to.isoformat(),
            "fieldwork_end": new_end.isoformat(),
            **{row.key: dates_of(row) for row, _ in moved},
        },
    )
    uow.collect(ActivityChanged(found.id, f"deferred: {label}", now, moved))
    return moved


def _deferral_label(template: ActivityTemplate, reason: str) -> str:
    """The label of one of the edition's reasons to defer [003 ¶16]; any other reason is refused."""
    reasons = {r.code: r for r in template.deferral_reasons}
    allowed = [r for r in template.deferral_reasons if r.allowed]
    if reason in reasons and not reasons[reason].allowed:
        refused = reasons[reason]
        why = f" ({refused.why})" if refused.why else ""
        raise TrackingError(
            f"an inspection is not deferred for {refused.label}{why}: only for "
            f"{', '.join(r.label for r in allowed)} (framework paragraph 16)"
        )
    if reason not in reasons:
        raise TrackingError(
            f"deferral reason {reason!r} is not one of {', '.join(r.code for r in allowed)} "
            "(framework paragraph 16)"
        )
    return reasons[reason].label
