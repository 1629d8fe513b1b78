"""Target, forecast and actual of every milestone (spec section 3), as pure functions of the dates given.

No clock, no database, no Prefect: a template, the first day on site D and any recorded actuals in;
dated milestones out. Targets and forecasts are aware datetimes in Europe/London.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from calendars import LONDON, NonWorkingDayError, WorkingDayCalendar
from models.states import MilestoneStatus
from models.templates import FIXED_ANCHORS, ActivityTemplate, Edition, MilestoneRule, shipped_editions


class TimelineError(ValueError):
    """The dates asked for cannot make a timeline (unknown milestone, actuals out of order)."""


@dataclass(frozen=True, slots=True)
class MilestoneDate:
    """One milestone of one activity. `target`/`forecast` are None only for event-driven milestones."""

    key: str
    title: str
    owner: str
    source: str
    target: datetime | None
    forecast: datetime | None
    actual: datetime | None
    status: MilestoneStatus
    provisional: bool
    calendar_version: str
    not_applicable_rule: str = ""

    @property
    def achieved_or_expected(self) -> datetime | None:
        """The actual if recorded, else the forecast: what later milestones wait on."""
        return self.actual or self.forecast


@dataclass(frozen=True, slots=True)
class Timeline:
    activity_type: str
    edition: str
    onsite: date
    fieldwork_end: date
    calendar_version: str
    milestones: tuple[MilestoneDate, ...]

    def __getitem__(self, key: str) -> MilestoneDate:
        for m in self.milestones:
            if m.key == key:
                return m
        raise KeyError(key)


def london_day(moment: datetime) -> date:
    """The day in Europe/London on which an aware `moment` falls."""
    return moment.date() if moment.tzinfo is LONDON else moment.astimezone(LONDON).date()


def require_working_day(calendar: WorkingDayCalendar, day: date) -> None:
    """Refuse `day` unless it is a working day, naming the holiday: "2025-12-25 is Christmas Day"."""
    reason = calendar.non_working_reason(day)
    if reason:
        raise NonWorkingDayError(f"{day.isoformat()} is {reason}, not a working day")


def fieldwork_end(template: ActivityTemplate, onsite: date, calendar: WorkingDayCalendar) -> date:
    """E: the last day of fieldwork, (fieldwork_days - 1) working days after D."""
    return calendar.add_working_days(onsite, template.fieldwork_days - 1)


def compute_milestone(
    rule: MilestoneRule,
    *,
    onsite: date,
    end: date,
    upstream: Mapping[str, MilestoneDate],
    actual: datetime | None,
    flags: frozenset[str],
    calendar: WorkingDayCalendar,
) -> MilestoneDate:
    """Date one milestone from D, E and the milestones it depends on (`upstream` holds at least those).

    The target is the anchor moved by the rule; a receipt-anchored target starts from the anchor's
    actual once recorded. The forecast is the target, or later if a predecessor is late: the
    predecessor's actual/forecast plus the working days that normally separate the two.
    """
    if rule.event:
        return MilestoneDate(
            key=rule.key,
            title=rule.title,
            owner=rule.owner,
            source=rule.source,
            target=None,
            forecast=actual,
            actual=actual,
            status=MilestoneStatus.DONE if actual else MilestoneStatus.ON_EVENT,
            provisional=False,
            calendar_version=calendar.version,
            not_applicable_rule=rule.event,
        )
    target_day = _move(rule, _anchor_day(rule, onsite, end, upstream, receipt=rule.receipt), calendar)
    target = datetime.combine(target_day, rule.time, tzinfo=LONDON)
    if actual:
        forecast_day, forecast = london_day(actual), actual
    else:
        forecast_day = _forecast_day(rule, target_day, upstream, calendar)
        forecast = (
            target if forecast_day == target_day else datetime.combine(forecast_day, rule.time, tzinfo=LONDON)
        )
    not_applicable = not actual and rule.not_applicable_if and rule.not_applicable(flags)
    status = MilestoneStatus.NOT_APPLICABLE if not_applicable else MilestoneStatus.PLANNED
    return MilestoneDate(
        key=rule.key,
        title=rule.title,
        owner=rule.owner,
        source=rule.source,
        target=target,
        forecast=forecast,
        actual=actual,
        status=MilestoneStatus.DONE if actual else status,
        provisional=calendar.is_provisional(max(target_day, forecast_day)),
        calendar_version=calendar.version,
        not_applicable_rule=rule.not_applicable_rule if not_applicable else "",
    )


def _anchor_day(
    rule: MilestoneRule, onsite: date, end: date, upstream: Mapping[str, MilestoneDate], *, receipt: bool
) -> date:
    if rule.anchor == "D":
        return onsite
    if rule.anchor == "E":
        return end
    anchor = upstream[rule.anchor]
    return london_day(anchor.actual if receipt and anchor.actual else anchor.target)


def _move(rule: MilestoneRule, day: date, calendar: WorkingDayCalendar) -> date:
    moved = (
        calendar.add_months(day, rule.months) if rule.months else calendar.add_working_days(day, rule.offset)
    )
    return out_of_seasons(rule, moved, calendar)


def out_of_seasons(rule: MilestoneRule, day: date, calendar: WorkingDayCalendar) -> date:
    """`day`, or the nearest working day outside each season the rule keeps it out of (the earlier on a
    tie, counted in working days): the day the framework gives, moved only as far as a season needs."""
    for period in rule.outside:
        if period.contains(day):
            before, after = day, day
            while period.contains(before) or not calendar.is_working_day(before):
                before -= timedelta(days=1)
            while period.contains(after) or not calendar.is_working_day(after):
                after += timedelta(days=1)
            early = calendar.working_days_between(before, calendar.roll_forward(day))
            late = calendar.working_days_between(calendar.roll_back(day), after)
            day = before if early <= late else after
    return day


def _forecast_day(
    rule: MilestoneRule, target_day: date, upstream: Mapping[str, MilestoneDate], calendar: WorkingDayCalendar
) -> date:
    """The target day, or later where a predecessor's actual/forecast, plus the standard gap, is later."""
    latest = target_day
    if rule.anchor not in FIXED_ANCHORS:
        expected = london_day(upstream[rule.anchor].achieved_or_expected)
        latest = max(latest, _move(rule, calendar.roll_forward(expected), calendar))
    for key, gap in rule.gaps:
        expected = london_day(upstream[key].achieved_or_expected)
        latest = max(latest, calendar.add_working_days(calendar.roll_forward(expected), gap))
    return latest


def _named(milestone, key: str = "") -> str:
    """A milestone as people read it, by its title, with the key a command takes in brackets."""
    return f"{milestone.title} ({milestone.key})" if milestone else key


def target_days(
    template: ActivityTemplate,
    onsite: date,
    *,
    calendar: WorkingDayCalendar,
    keys: Iterable[str] | None = None,
    flags: frozenset[str] = frozenset(),
    end: date | None = None,
) -> dict[str, date]:
    """The target day of each of `keys` (default: every dated milestone), and of what they count from:
    no forecasts, actuals or times, for the checks that only need days (seasons, the edition in force,
    the programme's deadlines) at a fraction of `plan`'s cost."""
    end = end or fieldwork_end(template, onsite, calendar)
    rules = {r.key: r for r in template.rules_for(flags)}
    days: dict[str, date] = {}

    def day_of(key: str) -> date:
        if key not in days:
            rule = rules[key]
            anchor = onsite if rule.anchor == "D" else end if rule.anchor == "E" else day_of(rule.anchor)
            days[key] = _move(rule, anchor, calendar)
        return days[key]

    for key in keys if keys is not None else [k for k, r in rules.items() if not r.event]:
        day_of(key)
    return days


def check_actuals(template: ActivityTemplate, actuals: Mapping[str, datetime], flags: frozenset[str]) -> None:
    """Refuse an actual for a milestone the activity does not have, or one earlier than a predecessor's."""
    rules = {r.key: r for r in template.rules_for(flags)}
    for key, moment in actuals.items():
        if key not in rules:
            raise TimelineError(f"{template.activity_type} has no milestone {key!r}")
        if moment.tzinfo is None:
            raise TimelineError(f"the actual for {key} needs a time zone")
        for before in rules[key].depends_on:
            if before in actuals and actuals[before] > moment:
                raise TimelineError(
                    f"{_named(rules[key])} cannot have happened ({moment.isoformat()}) before "
                    f"{_named(rules.get(before), before)} ({actuals[before].isoformat()})"
                )


Dated = TypeVar("Dated")  # what dating one milestone gives: a MilestoneDate, or a future of one


def plan(
    template: ActivityTemplate,
    onsite: date,
    *,
    calendar: WorkingDayCalendar,
    actuals: Mapping[str, datetime] | None = None,
    flags: frozenset[str] = frozenset(),
    end: date | None = None,
    date_one: Callable[..., Dated] = compute_milestone,
    result_of: Callable[[Dated], MilestoneDate] | None = None,
) -> Timeline:
    """Every milestone's target and forecast for an activity whose first day on site is `onsite`.

    `end` overrides E when the real fieldwork ran differently (history); D must be a working day.
    Milestones are dated in DAG order by `date_one`, called as `compute_milestone` is, with every
    milestone dated so far as `upstream`. The activity flow passes one that submits a Prefect task
    (futures in, a future out) and `result_of` to wait for each; the preview dates them directly.
    """
    require_working_day(calendar, onsite)
    actuals = actuals or {}
    if actuals:
        check_actuals(template, actuals, flags)
    end = end or fieldwork_end(template, onsite, calendar)
    dated: dict[str, Dated] = {}
    for rule in template.rules_for(flags):
        dated[rule.key] = date_one(
            rule,
            onsite=onsite,
            end=end,
            upstream=dated,
            actual=actuals.get(rule.key),
            flags=flags,
            calendar=calendar,
        )
    milestones = map(result_of, dated.values()) if result_of else dated.values()
    return assemble(template, onsite, end, calendar, milestones)


def assemble(
    template: ActivityTemplate,
    onsite: date,
    end: date,
    calendar: WorkingDayCalendar,
    milestones: Iterable[MilestoneDate],
) -> Timeline:
    """The timeline of `plan`'s dated milestones, once every actual is known to be possible."""
    timeline = Timeline(
        activity_type=template.activity_type,
        edition=template.edition,
        onsite=onsite,
        fieldwork_end=end,
        calendar_version=calendar.version,
        milestones=tuple(milestones),
    )
    for milestone in timeline.milestones:
        if milestone.actual is None:
            continue
        earliest = earliest_actual(template, timeline, milestone.key)
        if earliest and milestone.actual < earliest[0]:
            raise TimelineError(
                f"{_named(milestone)} cannot have happened at {_spoken(milestone.actual)}: "
                f"not before {earliest[1]}"
            )
    return timeline


def _day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _spoken(moment: datetime) -> str:
    local = moment.astimezone(LONDON)
    return f"{_day(local.date())} {local:%H:%M %Z}"


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=LONDON)


def earliest_actual(template: ActivityTemplate, timeline: Timeline, key: str) -> tuple[datetime, str] | None:
    """The earliest moment milestone `key` can have happened, and why; None for the notification.

    Nothing happens before the activity is notified: the notification's actual, or the start of its
    target day while it is unrecorded. What comes on or after the first day on site (D + n, n >= 0) is
    not before that day starts; what comes on or after the last day of fieldwork (E + n) not before
    that day starts; a milestone counted from another is not before that one's earliest moment.
    """
    rule = template.rule(key)
    limits: list[tuple[datetime, str]] = []
    if key != template.notification_key:
        notification = timeline[template.notification_key]
        if notification.actual:
            limits.append(
                (notification.actual, f"the notification, recorded at {_spoken(notification.actual)}")
            )
        elif notification.target:
            day = london_day(notification.target)
            limits.append((_start_of(day), f"the day of the notification, {_day(day)}"))
    after_anchor = rule.offset >= 0 or rule.months > 0
    if rule.anchor == "D" and after_anchor:
        limits.append((_start_of(timeline.onsite), f"fieldwork starts, {_day(timeline.onsite)}"))
    elif rule.anchor == "E" and after_anchor:
        end = timeline.fieldwork_end
        limits.append((_start_of(end), f"the last day of fieldwork, {_day(end)}"))
    elif rule.anchor and rule.anchor not in FIXED_ANCHORS and rule.anchor != template.notification_key:
        inherited = earliest_actual(template, timeline, rule.anchor)
        if inherited:
            limits.append(inherited)
    return max(limits, key=lambda limit: limit[0], default=None)


def template_in_force(
    activity_type: str,
    onsite: date,
    *,
    calendar: WorkingDayCalendar,
    editions: tuple[Edition, ...] | None = None,
) -> ActivityTemplate:
    """The template of the edition in force on the activity's notification day (spec section 7).

    Before the earliest edition, the earliest applies; a type first defined by a later edition does
    not exist before that edition is in force, and is refused.
    """
    editions = editions or shipped_editions()
    candidates = [e.templates[activity_type] for e in reversed(editions) if activity_type in e.templates]
    if not candidates:
        raise TimelineError(f"unknown activity type {activity_type!r}")
    require_working_day(calendar, onsite)
    for template in candidates:
        if template.edition == editions[0].edition:
            return template
        if template.effective_from <= onsite:
            notified = _notified(template, onsite, calendar)
            if template.effective_from <= notified:
                return template
    first = candidates[-1]
    notified = _notified(first, onsite, calendar)
    raise TimelineError(
        f"{activity_type} is first defined by edition {first.edition}, in force from "
        f"{first.effective_from.isoformat()}; an activity on site on {onsite.isoformat()} is notified on "
        f"{notified.isoformat()}, before it"
    )


def _notified(template: ActivityTemplate, onsite: date, calendar: WorkingDayCalendar) -> date:
    key = template.notification_key
    return target_days(template, onsite, calendar=calendar, keys=[key])[key]


def preview(
    activity_type: str,
    onsite: date,
    *,
    flags: frozenset[str],
    calendar: WorkingDayCalendar,
) -> tuple[ActivityTemplate, Timeline]:
    """The template in force and the planned timeline, before anything is stored."""
    template = template_in_force(activity_type, onsite, calendar=calendar)
    return template, plan(template, onsite, calendar=calendar, flags=flags)
