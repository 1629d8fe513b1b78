"""Activity templates: each ILACS activity type as a DAG of dated milestones, loaded from edition files.

An edition file (models/editions/*.toml) holds one edition of the framework's timings. A later
edition is added as a new file with its `effective_from` date, and may `extends` an earlier one,
restating only what changed. Within an edition a template may be `based_on` another type.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, time
from functools import lru_cache
from pathlib import Path

from calendars import SeasonalPeriod

EDITIONS_DIR = Path(__file__).with_name("editions")
FIXED_ANCHORS = ("D", "E")
DEFAULT_TIME = time(17, 0)  # "by the end of the day" [default]
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# The tables an edition that `extends` another inherits from it, restating only what changes.
INHERITED = ("templates", "groups", "deferral", "periods", "reminders")
LISTS = ("judgements", "pathways")  # arrays an edition inherits whole unless it restates them
GRADES = ("outstanding", "good", "requires_improvement", "inadequate")  # the four-point scale [003 ¶97]
PATHWAYS = ("1", "2", "3")
FACTS = ("graded", "priority_action", "history", "previewed")  # what a type is, beyond its milestones


class TemplateError(ValueError):
    """An edition file breaks the template rules (unknown anchor, cycle, bad field)."""


@dataclass(frozen=True, slots=True)
class MilestoneRule:
    """One milestone of a template: who acts, and the rule that dates it."""

    key: str
    title: str
    owner: str
    source: str
    anchor: str | None  # "D", "E", an earlier milestone's key, or None for an event-driven milestone
    offset: int = 0  # working days from the anchor
    months: int = 0  # calendar months from the anchor, rolled back to a working day
    time: time = DEFAULT_TIME
    receipt: bool = False  # re-base the target on the anchor's actual
    after: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    not_applicable_if: tuple[str, ...] = ()
    not_applicable_rule: str = ""
    event: str = ""
    gaps: tuple[tuple[str, int], ...] = ()  # working days normally between each `after` milestone and this
    outside: tuple[SeasonalPeriod, ...] = ()  # seasons its day is moved out of, to the nearest working day

    @property
    def depends_on(self) -> tuple[str, ...]:
        """The milestones whose dates this one needs: its anchor and the ones that push its forecast."""
        keys = [self.anchor] if self.anchor and self.anchor not in FIXED_ANCHORS else []
        return tuple(dict.fromkeys([*keys, *self.after]))

    def applies(self, flags: frozenset[str]) -> bool:
        return all(f in flags for f in self.requires)

    def not_applicable(self, flags: frozenset[str]) -> bool:
        """True when every literal of `not_applicable_if` holds ("!flag" means the flag is absent)."""
        if not self.not_applicable_if:
            return False
        return all(
            (lit[1:] not in flags) if lit.startswith("!") else (lit in flags)
            for lit in self.not_applicable_if
        )


@dataclass(frozen=True, slots=True)
class Season:
    """A season an activity type does not begin or take place in [003 ¶14]: no day from milestone
    `first`'s target to milestone `last`'s may fall in `period`, unless the activity has a flag of
    `unless`. `rule` is the edition's sentence for it."""

    period: SeasonalPeriod
    rule: str
    first: str
    last: str
    unless: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class DeferralReason:
    """A reason to defer an activity, or one the framework refuses (`why` cites the refusal)."""

    code: str
    label: str
    allowed: bool
    why: str = ""


@dataclass(frozen=True)
class ActivityTemplate:
    """One activity type in one edition of the framework, with what the edition says about the type."""

    activity_type: str
    title: str
    edition: str
    effective_from: date
    source: str
    anchor_label: str
    fieldwork_days: int  # E is D + (fieldwork_days - 1) working days
    weekdays: tuple[int, ...]  # usual weekdays for D (0 = Monday); empty = any working day
    notification_key: str
    avoid_periods: tuple[Season, ...]
    milestones: tuple[MilestoneRule, ...]
    graded: bool = False  # judged on the four-point scale [003 ¶96-97]
    priority_action: bool = False  # may find an area for priority action [003 ¶109]
    history: bool = False  # past ones can be imported
    previewed: bool = False  # named in `ilacs timeline`'s help
    deferral_reasons: tuple[DeferralReason, ...] = ()  # the edition's, allowed then refused

    _by_flags: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    def rules_for(self, flags: frozenset[str]) -> tuple[MilestoneRule, ...]:
        """The milestones that exist for an activity carrying `flags` (memoised per set of flags)."""
        rules = self._by_flags.get(flags)
        if rules is None:
            rules = self._by_flags[flags] = tuple(r for r in self.milestones if r.applies(flags))
        return rules

    def rule(self, key: str) -> MilestoneRule:
        for r in self.milestones:
            if r.key == key:
                return r
        raise KeyError(key)


@dataclass(frozen=True, slots=True)
class Condition:
    """At least `at_least` of `areas` are graded one of `grades`."""

    areas: tuple[str, ...]
    grades: frozenset[str]
    at_least: int

    def holds(self, judgements: Mapping[str, str]) -> bool:
        return sum(judgements.get(area) in self.grades for area in self.areas) >= self.at_least


@dataclass(frozen=True, slots=True)
class PathwayRule:
    """The programme pathway [003 ¶13-23] of an LA whose judgements meet every condition."""

    pathway: str
    conditions: tuple[Condition, ...]
    source: str = ""


@dataclass(frozen=True)
class Edition:
    edition: str
    title: str
    effective_from: date
    templates: dict[str, ActivityTemplate]
    deferral_reasons: tuple[DeferralReason, ...]  # allowed, then refused
    periods: dict[str, tuple[SeasonalPeriod, str]]  # name -> (period, the rule it carries)
    reminders: dict = field(default_factory=dict)  # laid over the reminder policy for this edition
    judgements: tuple[tuple[str, str], ...] = ()  # (area, label) an outcome records [003 ¶96]
    pathways: tuple[PathwayRule, ...] = ()  # the first whose conditions hold gives the pathway

    @property
    def pathway_areas(self) -> frozenset[str]:
        """The judgements the pathway rules look at: an outcome decides a pathway once it has them all."""
        return frozenset(area for r in self.pathways for c in r.conditions for area in c.areas)

    def pathway_for(self, judgements: Mapping[str, str]) -> str:
        """The pathway (1, 2 or 3) of an LA with these judgements, by the first rule that holds."""
        return next(
            rule.pathway for rule in self.pathways if all(c.holds(judgements) for c in rule.conditions)
        )


def _parse_time(text: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError as exc:
        raise TemplateError(f"bad time {text!r}") from exc


def _rule(key: str, raw: dict) -> MilestoneRule:
    known = set(MilestoneRule.__slots__) - {"gaps", "outside"}
    unknown = set(raw) - known
    if unknown:
        raise TemplateError(f"milestone {key}: unknown fields {sorted(unknown)}")
    if not raw.get("event") and "anchor" not in raw:
        raise TemplateError(f"milestone {key}: needs an anchor or an event")
    fields = dict(raw)
    fields["time"] = _parse_time(raw["time"]) if "time" in raw else DEFAULT_TIME
    for name in ("after", "requires", "not_applicable_if"):
        fields[name] = tuple(raw.get(name, ()))
    fields.setdefault("anchor", None)
    return MilestoneRule(key=key, **fields)


def _outside(
    activity_type: str, rule: MilestoneRule, raw: dict, periods: dict[str, tuple[SeasonalPeriod, str]]
) -> MilestoneRule:
    """The milestone with the seasons its `outside` names (a day the framework keeps out of them, such as
    the action planning visit out of August [003 ¶14]), each checked against the edition's periods."""
    names = raw.get("outside", ())
    if isinstance(names, str) or not all(isinstance(name, str) for name in names):
        raise TemplateError(f"{activity_type}.{rule.key}: outside is a list of period names")
    if unknown := [name for name in names if name not in periods]:
        known = ", ".join(sorted(periods)) or "none"
        where = f"{activity_type}.{rule.key}"
        raise TemplateError(f"{where}: outside names unknown period {unknown[0]!r} (the edition has {known})")
    return replace(rule, outside=tuple(periods[name][0] for name in names))


def _with_gaps(activity_type: str, rules: list[MilestoneRule]) -> list[MilestoneRule]:
    """Check that each milestone depends only on milestones declared before it (so the order is a
    topological one), and give it the standard gap in working days after each `after` milestone."""
    seen: dict[str, MilestoneRule] = {}
    reach: dict[str, tuple[str, int] | None] = {}  # key -> (D or E, total working days from it)
    out = []
    for r in rules:
        where = f"{activity_type}.{r.key}"
        for dep in r.depends_on:
            if dep not in seen:
                raise TemplateError(f"{where}: depends on {dep!r}, not declared before it")
            if seen[dep].event or seen[dep].not_applicable_if:
                raise TemplateError(f"{where}: cannot depend on optional milestone {dep!r}")
        if r.event or r.months or r.outside:
            reach[r.key] = None
        elif r.anchor in FIXED_ANCHORS:
            reach[r.key] = (r.anchor, r.offset)
        else:
            up = reach[r.anchor]
            reach[r.key] = (up[0], up[1] + r.offset) if up else None
        gaps = []
        for dep in r.after:
            mine, theirs = reach[r.key], reach[dep]
            if not mine or not theirs or mine[0] != theirs[0]:
                raise TemplateError(f"{where}: 'after' {dep!r} must count working days from the same D or E")
            gaps.append((dep, mine[1] - theirs[1]))
        seen[r.key] = r
        out.append(replace(r, gaps=tuple(gaps)))
    return out


def _included(raw: dict, groups: dict, activity_type: str) -> dict:
    """The template's milestones followed by those of each included group, with the group's flags."""
    milestones = dict(raw["milestones"])
    for include in raw.get("include", ()):
        if include["group"] not in groups:
            raise TemplateError(f"{activity_type}: includes unknown group {include['group']!r}")
        for key, rule in groups[include["group"]].items():
            requires = [*rule.get("requires", ()), *include.get("requires", ())]
            milestones[key] = {**rule, "requires": requires}
    return milestones


def _deferral_reasons(raw: dict) -> tuple[DeferralReason, ...]:
    try:
        return tuple(
            DeferralReason(code, reason["label"], allowed=kind == "allowed", why=reason.get("why", ""))
            for kind in ("allowed", "refused")
            for code, reason in raw.get(kind, {}).items()
        )
    except (KeyError, TypeError) as exc:
        raise TemplateError(f"deferral: {exc}") from exc


def _month_day(text: object, where: str) -> tuple[int, int]:
    try:
        month, day_of_month = (int(part) for part in str(text).split("-"))
        date(2024, month, day_of_month)  # a leap year, so 02-29 is a day
    except ValueError:
        raise TemplateError(f"{where}: {text!r} is not a month and day (MM-DD)") from None
    return month, day_of_month


def _periods(raw: dict) -> dict[str, tuple[SeasonalPeriod, str]]:
    """The edition's seasons, each with its rule: `[periods.NAME]` with title, start, end (MM-DD) and rule."""
    periods = {}
    for name, period in raw.items():
        where = f"period {name}"
        unknown = set(period) - {"title", "start", "end", "rule", "source"}
        if unknown or not {"title", "start", "end", "rule"} <= set(period):
            raise TemplateError(f"{where}: needs title, start, end and rule (and may have source)")
        start, end = _month_day(period["start"], where), _month_day(period["end"], where)
        periods[name] = (SeasonalPeriod(period["title"], start, end), period["rule"])
    return periods


def _condition(where: str, raw: dict, known: set[str]) -> Condition:
    for area in raw["areas"]:
        if area not in known:
            raise TemplateError(f"{where}: unknown judgement {area!r}")
    for grade in raw["grades"]:
        if grade not in GRADES:
            raise TemplateError(f"{where}: unknown grade {grade!r}")
    return Condition(
        tuple(raw["areas"]), frozenset(raw["grades"]), int(raw.get("at_least", len(raw["areas"])))
    )


def _judgements(raw: dict) -> tuple[tuple[tuple[str, str], ...], tuple[PathwayRule, ...]]:
    """The edition's judgement areas and its pathway rules, each area and grade checked, the last rule
    without conditions so that every set of judgements has a pathway."""
    try:
        areas = tuple((j["area"], j["label"]) for j in raw.get("judgements", ()))
        known = {area for area, _ in areas}
        rules = []
        for rule in raw.get("pathways", ()):
            where = f"pathway {rule['pathway']}"
            if rule["pathway"] not in PATHWAYS:
                raise TemplateError(f"{where}: a pathway is one of {', '.join(PATHWAYS)}")
            conditions = tuple(_condition(where, c, known) for c in rule.get("when", ()))
            rules.append(PathwayRule(rule["pathway"], conditions, rule.get("source", "")))
    except TemplateError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise TemplateError(f"judgements and pathways: {exc}") from None
    if areas and (not rules or rules[-1].conditions):
        raise TemplateError("pathways: the last rule needs no conditions, so every LA has a pathway")
    return areas, tuple(rules)


def _seasons(
    activity_type: str, raw: list, periods: dict[str, tuple[SeasonalPeriod, str]], rules: list[MilestoneRule]
) -> tuple[Season, ...]:
    """A template's `avoid_periods`, checked against the edition's periods and the template's milestones."""
    always = {r.key for r in rules if not r.event and not r.requires}
    seasons = []
    for entry in raw:
        where = f"{activity_type}: avoid_periods"
        if not isinstance(entry, dict) or set(entry) - {"period", "from", "to", "unless"}:
            raise TemplateError(f"{where}: each entry is {{ period, from, to, unless }}")
        name = entry.get("period")
        if name not in periods:
            known = ", ".join(sorted(periods)) or "none"
            raise TemplateError(f"{where}: unknown period {name!r} (the edition defines {known})")
        first, last = entry.get("from", ""), entry.get("to", "")
        for key in (first, last):
            if key not in always:
                raise TemplateError(f"{where}: {key!r} is not a dated milestone every {activity_type} has")
        period, rule = periods[name]
        seasons.append(Season(period, rule, first, last, frozenset(entry.get("unless", ()))))
    return tuple(seasons)


def _template(
    activity_type: str,
    raw: dict,
    edition: str,
    effective_from: date,
    groups: dict,
    deferral_reasons: tuple[DeferralReason, ...],
    periods: dict[str, tuple[SeasonalPeriod, str]],
) -> ActivityTemplate:
    milestones = _included(raw, groups, activity_type)
    rules = [
        _outside(activity_type, _rule(k, {f: v for f, v in rule.items() if f != "outside"}), rule, periods)
        for k, rule in milestones.items()
        if k not in raw.get("omit", ())
    ]
    rules = _with_gaps(activity_type, rules)
    try:
        weekdays = tuple(WEEKDAYS.index(w) for w in raw.get("weekdays", ()))
        notification = raw["notification"]
    except (ValueError, KeyError) as exc:
        raise TemplateError(f"{activity_type}: {exc}") from exc
    if notification not in {r.key for r in rules}:
        raise TemplateError(f"{activity_type}: notification milestone {notification!r} is not defined")
    facts = {fact: raw.get(fact, False) for fact in FACTS}
    if not all(isinstance(value, bool) for value in facts.values()):
        raise TemplateError(f"{activity_type}: {', '.join(FACTS)} are true or false")
    return ActivityTemplate(
        activity_type=activity_type,
        title=raw["title"],
        edition=edition,
        effective_from=effective_from,
        source=raw.get("source", ""),
        anchor_label=raw.get("anchor_label", "first day on site"),
        fieldwork_days=int(raw["fieldwork_days"]),
        weekdays=weekdays,
        notification_key=notification,
        avoid_periods=_seasons(activity_type, raw.get("avoid_periods", []), periods, rules),
        milestones=tuple(rules),
        deferral_reasons=deferral_reasons,
        **facts,
    )


def merge_tables(base: dict, changes: dict) -> dict:
    """`base` with `changes` laid over it, table by table (milestone tables merge field by field)."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_tables(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _resolve_based_on(raw_templates: dict) -> dict:
    resolved: dict[str, dict] = {}
    for name, raw in raw_templates.items():
        parent = raw.get("based_on")
        if parent:
            if parent not in resolved:
                raise TemplateError(f"{name}: based_on {parent!r}, which is not defined before it")
            raw = merge_tables(resolved[parent], {k: v for k, v in raw.items() if k != "based_on"})
        resolved[name] = raw
    return resolved


def load_editions(directory: Path = EDITIONS_DIR) -> tuple[Edition, ...]:
    """Every edition in `directory`, oldest first."""
    raws: dict[str, dict] = {}
    for path in sorted(directory.glob("*.toml")):
        try:
            raw = tomllib.loads(path.read_text("utf-8"))
            raws[raw["edition"]] = raw
        except (tomllib.TOMLDecodeError, KeyError) as exc:
            raise TemplateError(f"{path.name}: {exc}") from exc
    editions = []
    for name, raw in sorted(raws.items(), key=lambda kv: kv[1]["effective_from"]):
        parent = raw.get("extends")
        tables = {table: raw.get(table, {}) for table in INHERITED}
        if parent:
            if parent not in raws:
                raise TemplateError(f"edition {name} extends unknown edition {parent!r}")
            tables = {table: merge_tables(raws[parent].get(table, {}), tables[table]) for table in INHERITED}
            raws[name] = {**raw, **tables, "extends": None}
        effective_from = raw["effective_from"]
        templates, groups = tables["templates"], tables["groups"]
        resolved = _resolve_based_on(templates)
        reasons = _deferral_reasons(tables["deferral"])
        for key in LISTS:  # arrays are restated whole, or inherited whole
            if parent and key not in raw:
                raws[name][key] = raw[key] = raws[parent].get(key, [])
        try:
            periods = _periods(tables["periods"])
            judgements, pathways = _judgements(raw)
        except TemplateError as exc:
            raise TemplateError(f"edition {name}: {exc}") from None
        editions.append(
            Edition(
                edition=name,
                title=raw.get("title", name),
                effective_from=effective_from,
                templates={
                    t: _template(t, r, name, effective_from, groups, reasons, periods)
                    for t, r in resolved.items()
                },
                deferral_reasons=reasons,
                periods=periods,
                reminders=tables["reminders"],
                judgements=judgements,
                pathways=pathways,
            )
        )
    if not editions:
        raise TemplateError(f"no edition files in {directory}")
    return tuple(editions)


@lru_cache(maxsize=1)
def shipped_editions() -> tuple[Edition, ...]:
    """The editions that ship with the project."""
    return load_editions()


def activity_types(editions: tuple[Edition, ...] | None = None) -> list[str]:
    """Every activity type any edition defines, in the order the newest edition lists them."""
    seen: dict[str, None] = {}
    for e in reversed(editions or shipped_editions()):
        seen.update(dict.fromkeys(e.templates))
    return list(seen)


@lru_cache(maxsize=len(FACTS))
def types_with(fact: str) -> tuple[str, ...]:
    """The activity types whose newest template has `fact` (one of FACTS), in `activity_types` order."""
    newest: dict[str, ActivityTemplate] = {}
    for e in shipped_editions():
        newest.update(e.templates)
    return tuple(t for t in activity_types() if getattr(newest[t], fact))


def edition_in_force(day: date, editions: tuple[Edition, ...] | None = None) -> Edition:
    """The newest edition in force on `day` (the earliest before any is)."""
    editions = editions or shipped_editions()
    return next((e for e in reversed(editions) if e.effective_from <= day), editions[0])


def edition_named(edition: str) -> Edition:
    """The shipped edition recorded on an activity."""
    for e in shipped_editions():
        if e.edition == edition:
            return e
    raise TemplateError(f"no edition {edition!r}")


def template_for_edition(activity_type: str, edition: str) -> ActivityTemplate:
    """The template an activity was planned with: its type in the edition recorded on it."""
    for e in shipped_editions():
        if e.edition == edition and activity_type in e.templates:
            return e.templates[activity_type]
    raise TemplateError(f"no template for {activity_type} in edition {edition!r}")
