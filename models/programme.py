"""The national programme: when each local authority is next inspected or visited (spec section 4).

Pure: the LAs' latest judgements, what is already booked, the rules and capacity in; a dated plan
out, each activity with the reasons it sits where it does, and the demands that could not be met.
"""

from __future__ import annotations

import math
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import pendulum

from calendars import WorkingDayCalendar
from models.checks import period_conflicts
from models.templates import Edition, shipped_editions
from models.timeline import target_days, template_in_force

RULES_FILE = Path(__file__).with_name("programme.toml")
ONSITE_WEEKDAY = {
    "standard-inspection": 0,
    "short-inspection": 0,
    "focused-visit": 1,
    "monitoring-visit": 1,
    "jtai": 0,
}
JTAI = "jtai"  # a joint targeted area inspection, which may take a focused visit's place [003 ¶21, ¶26]
APV = "action-planning-visit"  # planned on the day its final report is received (the type's D)
DAYS_A_MONTH = 365.25 / 12


@dataclass(frozen=True)
class Rules:
    anniversary_years: int
    window_months: int
    min_spacing_weeks: int
    send_clash_weeks: int
    inspectors_per_region: dict[str, int] | int
    search_weeks: int
    weeks_ahead: int
    jtai_per_year: int
    team: dict[str, int]
    weeks_on_site: dict[str, int]
    focused_visits: dict[str, list[int]]
    monitoring: dict[str, int | list[int]]
    pathway_activities: dict[str, list[str]]

    def capacity(self, region: str) -> int:
        caps = self.inspectors_per_region
        return caps.get(region, caps.get("*", 0)) if isinstance(caps, dict) else caps


def load_rules(path: Path = RULES_FILE, **overrides) -> Rules:
    rules = tomllib.loads(path.read_text("utf-8"))
    rules.update(overrides)
    from models.templates import activity_types

    named = {kind for kinds in rules["pathway_activities"].values() for kind in kinds}
    if unknown := sorted(named - set(activity_types())):
        raise ValueError(f"{path.name}: pathway_activities names no activity type {', '.join(unknown)}")
    return Rules(**{k: rules[k] for k in Rules.__dataclass_fields__})


@lru_cache(maxsize=1)
def shipped_rules() -> Rules:
    return load_rules()


@dataclass(frozen=True)
class LocalAuthorityState:
    """What the plan starts from for one LA."""

    code: str
    name: str
    region: str
    last_type: str  # standard-inspection / short-inspection
    last_end: date  # last fieldwork day
    grade: str  # outstanding, good, requires_improvement, inadequate; or a summary of `judgements`
    deteriorating: bool = False
    jtai: bool = False  # chosen for a JTAI, which takes the place of its next focused visit
    judgements: tuple[tuple[str, str], ...] = ()  # (area, grade) when there is no overall grade
    action_plan_due: date | None = None  # the store's re-based deadline, when it has the inspection
    first_visit_by: date | None = None  # likewise, the first monitoring visit's


@dataclass(frozen=True)
class Booking:
    """An activity already in the store (or accepted earlier): it takes capacity and spacing."""

    code: str
    region: str
    activity_type: str
    onsite: date


@dataclass(frozen=True)
class Demand:
    code: str
    name: str
    region: str
    activity_type: str
    ideal: date
    earliest: date
    latest: date
    why: str
    priority: int  # lower first
    flags: tuple[str, ...] = ()


@dataclass
class Planned:
    code: str
    name: str
    region: str
    activity_type: str
    onsite: date
    window: tuple[date, date]
    reasons: list[str] = field(default_factory=list)
    flags: tuple[str, ...] = ()


@dataclass
class Unplaced:
    code: str
    name: str
    region: str
    activity_type: str
    window: tuple[date, date]
    reason: str


@dataclass
class Programme:
    planned: list[Planned]
    unplaced: list[Unplaced]
    notes: list[str]


@lru_cache(maxsize=8192)
def _months(day: date, months: int) -> date:
    moved = pendulum.Date(day.year, day.month, day.day).add(months=months)
    return date(moved.year, moved.month, moved.day)


def _graded(state: LocalAuthorityState) -> tuple[dict[str, str], Edition]:
    """The last inspection's judgements (an overall grade when the state has no others) and the edition
    they were judged under: the newest in force at its end that records those judgements."""
    judgements = dict(state.judgements) or {"overall_effectiveness": state.grade}
    judging = [e for e in shipped_editions() if set(judgements) <= {area for area, _ in e.judgements}]
    in_force = [e for e in judging if e.effective_from <= state.last_end]
    return judgements, (in_force or judging)[-1]


def pathway(state: LocalAuthorityState) -> str:
    """Pathway 1, 2 or 3 [003 ¶13-23] by the judgement mapping of the edition the last inspection was
    judged under."""
    judgements, edition = _graded(state)
    return edition.pathway_for(judgements)


def judged(state: LocalAuthorityState) -> tuple[tuple[str, str], ...]:
    """The last inspection's judgements as (label, grade) in its edition's words and order, so that an
    inspection without an overall grade shows the judgements it has."""
    judgements, edition = _graded(state)
    return labelled(edition, judgements)


def in_words(judgements: tuple[tuple[str, str], ...]) -> str:
    """(label, grade) pairs as a sentence reads them: "good for overall effectiveness"."""
    return "; ".join(f"{grade} for {label[:1].lower()}{label[1:]}" for label, grade in judgements)


def labelled(edition: Edition, judgements: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """Judgements (area to grade) as (label, grade in words), in the edition's order."""
    return tuple(
        (label, judgements[area].replace("_", " "))
        for area, label in edition.judgements
        if area in judgements
    )


@lru_cache(maxsize=4096)
def _after_inadequate_dates(kind: str, last_end: date, calendar: WorkingDayCalendar) -> dict[str, date | str]:
    """The section 2.5 dates of the last inspection's timeline under its edition (flag `inadequate`):
    final report, action planning visit, action plan deadline, first monitoring visit by; and `moved`,
    what the edition's seasons did to the visit's day (the same for every LA whose inspection ended on
    `last_end`, so computed once)."""
    template = template_in_force(kind, calendar.roll_back(last_end), calendar=calendar)
    onsite = calendar.add_working_days(calendar.roll_back(last_end), 1 - template.fieldwork_days)
    template = template_in_force(kind, onsite, calendar=calendar)
    keys = ("final_report_sent", "action_planning_visit", "action_plan_due", "first_monitoring_visit_by")
    inadequate = frozenset({"inadequate"})
    days = target_days(template, onsite, calendar=calendar, keys=keys, flags=inadequate, end=last_end)
    visit = template.rule("action_planning_visit")
    about = calendar.add_working_days(days["final_report_sent"], visit.offset)
    moved = ""
    if about != days["action_planning_visit"]:
        seasons = " and ".join(p.name for p in visit.outside if p.contains(about))
        moved = f"moved out of {seasons} from {about} (framework paragraph 14)"
    return {**{key: days[key] for key in keys}, "moved": moved}


def _spread(first: date, last: date, fewest: int, most: int, max_gap_months: int) -> list[date]:
    """Visit days from `first`, evenly spaced so that no gap (the last one up to `last`, the
    re-inspection) exceeds `max_gap_months`, with between `fewest` and `most` visits [003 ¶128]."""
    span = (last - first).days
    visits = min(most, max(fewest, math.ceil(span / (max_gap_months * DAYS_A_MONTH))))
    return [first + timedelta(days=round(n * span / visits)) for n in range(visits)]


def _after_inadequate(
    state: LocalAuthorityState, label: str, rules: Rules, calendar: WorkingDayCalendar
) -> list:
    """Section 2.5: the action planning visit [003 ¶116-118], monitoring visits from the action plan
    deadline until re-inspection [003 ¶128; 002]. The action plan deadline and the first visit's are
    the store's re-based ones when it has them, else those of the last inspection's edition."""
    dates = _after_inadequate_dates(state.last_type, state.last_end, calendar)
    action_plan = state.action_plan_due or dates["action_plan_due"]
    deadline = state.first_visit_by or dates["first_monitoring_visit_by"]
    m = rules.monitoring
    latest = _months(action_plan, m["reinspection_within_months"])
    reinspection = latest - timedelta(weeks=12)
    days = _spread(_months(deadline, -1), reinspection, *m["visits"], m["max_gap_months"])
    out = []
    if state.action_plan_due is None:  # the store, when it has the inspection, has this visit too
        visit, received = dates["action_planning_visit"], dates["final_report_sent"]
        why = (
            f"{label}: action planning visit on {visit}, about 30 working days after the final report "
            f"received on {received} (framework paragraphs 116 to 118)"
        )
        if dates["moved"]:
            why += f"; {dates['moved']}"
        out.append((APV, received, (visit, visit), why, 0, ()))
    for number, ideal in enumerate(days, 1):
        why = f"{label}: monitoring visit {number} of {len(days)}; action plan due {action_plan}"
        if number == 1:
            why += f", first visit no later than {deadline}"
        window = (ideal - timedelta(weeks=4), deadline if number == 1 else ideal + timedelta(weeks=4))
        flags = ("first_of_series",) if number == 1 else ()
        out.append(("monitoring-visit", ideal, window, why, 1, flags))
    window = (days[-1] + timedelta(weeks=8), latest)
    why = f"{label}: re-inspection within {m['reinspection_within_months']} months of the action plan"
    return [*out, ("standard-inspection", reinspection, window, why, 0, ())]


def _around_anniversary(state: LocalAuthorityState, label: str, path: str, rules: Rules, start: date) -> list:
    """Pathways 1 and 2: the next inspection around the anniversary, focused visits (or a JTAI) between."""
    anniversary = _months(state.last_end, 12 * rules.anniversary_years)
    window = (_months(anniversary, -rules.window_months), _months(anniversary, rules.window_months))
    kind = "short-inspection" if path == "1" and not state.deteriorating else "standard-inspection"
    years = rules.anniversary_years
    why = f"{label}: {kind.replace('-', ' ')} around the {years}-year anniversary {anniversary}"
    if state.deteriorating:
        why += " (standard, not short: significant deterioration reported (framework paragraph 19))"
    out, jtai = [(kind, anniversary, window, why, 0, ())], state.jtai
    for months in rules.focused_visits[f"pathway-{path}"]:
        ideal = _months(state.last_end, months)
        around = (ideal - timedelta(weeks=12), ideal + timedelta(weeks=12))
        if jtai and ideal >= start:
            why = (
                f"{label}: a JTAI in place of the focused visit about {months} months after "
                "(framework paragraphs 21 and 26)"
            )
            out.append((JTAI, ideal, around, why, 2, ()))
            jtai = False
        else:
            why = f"{label}: focused visit (or JTAI) about {months} months after the inspection"
            out.append(("focused-visit", ideal, around, why, 2, ()))
    return out


def demands(state: LocalAuthorityState, rules: Rules, calendar: WorkingDayCalendar, start: date, end: date):
    """What the LA's pathway asks for between `start` and `end`, and notes on what the data cannot tell."""
    notes = []
    path = pathway(state)
    last = f"{state.last_type.replace('-', ' ')} ended {state.last_end}"
    label = f"pathway {path} ({state.grade.replace('_', ' ')}, {last})"
    if path == "3":
        out = _after_inadequate(state, label, rules, calendar)
    else:
        out = _around_anniversary(state, label, path, rules, start)
    result = []
    first_week = start + timedelta(weeks=rules.weeks_ahead)  # time to notify and prepare
    for kind, ideal, (earliest, latest), why, priority, flags in out:
        if kind == APV:  # its day follows from the final report: not placed, and past ones are done
            if latest >= start and ideal <= end:
                result.append(
                    Demand(state.code, state.name, state.region, kind, ideal, ideal, latest, why, priority)
                )
            continue
        if latest < start:
            if kind in ("focused-visit", "monitoring-visit"):
                notes.append(
                    f"{state.name}: a {kind.replace('-', ' ')} was due by {latest}; the data does not "
                    "say whether it happened, so none is planned in its place"
                )
                continue
            why += f"; its window closed on {latest}, so it is planned as soon as possible"
            earliest, ideal, latest = first_week, first_week, first_week + timedelta(weeks=rules.search_weeks)
        if earliest > end:
            continue
        result.append(
            Demand(
                state.code,
                state.name,
                state.region,
                kind,
                max(ideal, first_week),
                max(earliest, first_week),
                latest,
                why,
                priority,
                flags,
            )
        )
    return result, notes


@lru_cache(maxsize=16384)
def _season(kind: str, onsite: date, flags: frozenset[str], calendar: WorkingDayCalendar) -> str | None:
    """`_Book.season`, computed once per type, day and flags: the target days of only the milestones the
    seasons are bounded by (and what they count from); every day only when one falls in a season, so
    that the refusal names the milestone on that day."""
    template = template_in_force(kind, onsite, calendar=calendar)
    bounds = {key for s in template.avoid_periods if not flags & s.unless for key in (s.first, s.last)}
    if not bounds:
        return None
    days = target_days(template, onsite, calendar=calendar, keys=bounds, flags=flags)
    if not period_conflicts(template, days, flags):
        return None
    days = target_days(template, onsite, calendar=calendar, flags=flags)
    return period_conflicts(template, days, flags)[0]


class _Book:
    """Capacity per region and week, and the on-site weeks of each LA."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.used: dict[tuple[str, date], int] = defaultdict(int)
        self.by_la: dict[str, list[date]] = defaultdict(list)
        self.jtais: dict[int, int] = defaultdict(int)

    def season(self, demand: Demand, onsite: date, calendar: WorkingDayCalendar) -> str | None:
        """The first season [003 ¶14] the activity would begin or take place in, by the edition in force
        (a JTAI by a focused visit's rules, whose place it takes [003 ¶21]); the same for every LA."""
        kind = "focused-visit" if demand.activity_type == JTAI else demand.activity_type
        return _season(kind, onsite, frozenset(demand.flags), calendar)

    def weeks(self, activity_type: str, monday: date) -> list[date]:
        return [monday + timedelta(weeks=i) for i in range(self.rules.weeks_on_site[activity_type])]

    def take(self, code: str, region: str, activity_type: str, onsite: date) -> None:
        monday = onsite - timedelta(days=onsite.weekday())
        for week in self.weeks(activity_type, monday):
            self.used[(region, week)] += self.rules.team[activity_type]
        self.by_la[code].append(monday)
        if activity_type == JTAI:
            self.jtais[onsite.year] += 1


def _conflict(
    demand: Demand, monday: date, book: _Book, rules: Rules, calendar: WorkingDayCalendar, send: dict
) -> str | None:
    """Why the week starting `monday` will not do, or None."""
    onsite = monday + timedelta(days=ONSITE_WEEKDAY[demand.activity_type])
    if not calendar.is_working_day(onsite):
        return f"{onsite} is {calendar.non_working_reason(onsite)}"
    season = book.season(demand, onsite, calendar)
    if season:
        return season
    if demand.activity_type == JTAI and book.jtais[onsite.year] >= rules.jtai_per_year:
        return f"the {rules.jtai_per_year} JTAIs of {onsite.year} are taken (framework paragraph 26)"
    spacing = timedelta(weeks=rules.min_spacing_weeks)
    if any(abs(monday - other) < spacing for other in book.by_la[demand.code]):
        return f"within {rules.min_spacing_weeks} weeks of another ILACS activity at {demand.name}"
    for send_start, send_end in send.get(demand.code, ()):
        margin = timedelta(weeks=rules.send_clash_weeks)
        if send_start - margin <= onsite <= send_end + margin:
            return f"within {rules.send_clash_weeks} weeks of the LA SEND inspection from {send_start}"
    need, cap = rules.team[demand.activity_type], rules.capacity(demand.region)
    for week in book.weeks(demand.activity_type, monday):
        if book.used[(demand.region, week)] + need > cap:
            return f"{demand.region} has no {need} inspectors free in the week of {week} (capacity {cap})"
    return None


def _place(
    demand: Demand, book: _Book, rules: Rules, calendar: WorkingDayCalendar, send: dict, start: date
) -> tuple[date | None, list[str]]:
    """The first week, searching outward from the ideal one, that breaks no rule; and why others failed."""
    ideal_monday = demand.ideal - timedelta(days=demand.ideal.weekday())
    earliest = max(demand.earliest, start)
    moves: list[str] = []
    for step in range(2 * (rules.search_weeks + 60)):
        monday = ideal_monday + timedelta(weeks=(step + 1) // 2 * (1 if step % 2 else -1))
        if monday + timedelta(days=ONSITE_WEEKDAY[demand.activity_type]) < earliest:
            continue
        if monday > max(demand.latest, ideal_monday + timedelta(weeks=rules.search_weeks)):
            break
        problem = _conflict(demand, monday, book, rules, calendar, send)
        if problem is None:
            return monday, moves
        if len(moves) < 3 and problem not in moves:
            moves.append(problem)
    return None, moves


def plan_programme(
    states: list[LocalAuthorityState],
    *,
    start: date,
    end: date,
    rules: Rules,
    calendar: WorkingDayCalendar,
    bookings: list[Booking] = (),
    send_inspections: dict[str, list[tuple[date, date]]] | None = None,
) -> Programme:
    """Place each demand in the first week, searching outward from its ideal date, that breaks no rule;
    demands with the earliest deadline first (inspections before visits on a tie)."""
    send = send_inspections or {}
    book = _Book(rules)
    for b in bookings:
        book.take(b.code, b.region, b.activity_type, b.onsite)
    booked = {(b.code, b.activity_type) for b in bookings}
    wanted, notes = [], []
    for state in states:
        found, more = demands(state, rules, calendar, start, end)
        wanted += [d for d in found if (d.code, d.activity_type) not in booked]
        notes += more
    planned, unplaced = [], []
    for demand in sorted(wanted, key=lambda d: (d.latest, d.priority, d.code)):
        if demand.activity_type == APV:
            window = (demand.ideal, demand.latest)
            planned.append(
                Planned(demand.code, demand.name, demand.region, APV, demand.ideal, window, [demand.why])
            )
            continue
        monday, moves = _place(demand, book, rules, calendar, send, start)
        if demand.activity_type == JTAI and (monday is None or monday > demand.latest):
            fallback = f"; a focused visit instead, as no JTAI fits its window: {'; '.join(moves)}"
            demand = replace(demand, activity_type="focused-visit", why=demand.why + fallback)
            monday, moves = _place(demand, book, rules, calendar, send, start)
        window = (max(demand.earliest, start), demand.latest)
        if monday is None:
            reason = "; ".join(moves) or "no week fits"
            unplaced.append(
                Unplaced(demand.code, demand.name, demand.region, demand.activity_type, window, reason)
            )
            continue
        onsite = monday + timedelta(days=ONSITE_WEEKDAY[demand.activity_type])
        if onsite > end:
            continue
        reasons = [demand.why]
        if moves:
            reasons.append(
                f"moved from the week of {demand.ideal - timedelta(days=demand.ideal.weekday())}: "
                + "; ".join(moves)
            )
        if onsite > demand.latest:
            reasons.append(f"OUTSIDE its window, which ends {demand.latest}")
        book.take(demand.code, demand.region, demand.activity_type, onsite)
        planned.append(
            Planned(
                demand.code,
                demand.name,
                demand.region,
                demand.activity_type,
                onsite,
                window,
                reasons,
                demand.flags,
            )
        )
    planned.sort(key=lambda p: (p.onsite, p.code))
    return Programme(planned, unplaced, notes)


def compare(before: Programme, after: Programme) -> list[str]:
    """What moves between two plans: one line per activity whose date changed, appeared or went."""
    key = lambda p: (p.code, p.activity_type, p.window)  # noqa: E731
    old, new = {key(p): p for p in before.planned}, {key(p): p for p in after.planned}
    lines = []
    for k in sorted(set(old) | set(new)):
        a, b = old.get(k), new.get(k)
        if a and b and a.onsite != b.onsite:
            lines.append(f"{a.name}: {a.activity_type} moves from {a.onsite} to {b.onsite}")
        elif a and not b:
            lines.append(f"{a.name}: {a.activity_type} on {a.onsite} can no longer be planned")
        elif b and not a:
            lines.append(f"{b.name}: {b.activity_type} now planned on {b.onsite}")
    return lines
