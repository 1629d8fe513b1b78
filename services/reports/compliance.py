"""The compliance report: for a period, each milestone key's record against its targets, by owner,
region and month, practice against the rules (drift), with the audit chain's integrity stated.

Milestones are read as plain columns in one query and judged and counted together as arrays (numpy),
never as one object a row: a national report covers 100,000s of milestones."""

from __future__ import annotations

import gc
import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import String, case, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, select

from calendars import LONDON, WorkingDayCalendar
from models.compliance import CATEGORIES, LA_OWNER, Tally, judge_many, owner_class, variance_reasons
from models.records import Activity, LocalAuthority, Milestone
from models.states import ActivityStatus, MilestoneStatus
from models.templates import shipped_editions
from services.store import audit

DRIFT_DAYS = 2  # a practice this many working days from the rule, or more ...
DRIFT_ACTIVITIES = 20  # ... over at least this many activities, is flagged as drift


class epoch_microseconds(FunctionElement):  # noqa: N801 (an SQL function, named as SQL names them)
    """A stored time read for numpy: SQLite's own text (naive UTC, to the microsecond), PostgreSQL's
    microseconds since the epoch; `np.array(..., dtype="datetime64[us]")` reads either exactly."""

    inherit_cache = True


@compiles(epoch_microseconds, "sqlite")
def _epoch_sqlite(element, compiler, **kw):  # already the text numpy parses
    return compiler.process(element.clauses, **kw)


@compiles(epoch_microseconds, "postgresql")
def _epoch_postgresql(element, compiler, **kw):
    return f"CAST(round(date_part('epoch', {compiler.process(element.clauses, **kw)}) * 1000000) AS BIGINT)"


class described(FunctionElement):  # noqa: N801
    """Several short columns as one JSON array text a row. A report's milestones repeat a few hundred
    combinations of key, title, owner, state and flags, so one text a row, each distinct one decoded
    once, costs less to read and to code than a value a column a row."""

    inherit_cache = True


@compiles(described, "sqlite")
def _described_sqlite(element, compiler, **kw):
    return f"json_array({compiler.process(element.clauses, **kw)})"


@compiles(described, "postgresql")
def _described_postgresql(element, compiler, **kw):
    return f"CAST(json_build_array({compiler.process(element.clauses, **kw)}) AS TEXT)"


class scanned(FunctionElement):  # noqa: N801
    """A column compared without its index. A report's period usually spans most of the milestones,
    which SQLite reads faster in table order than through the index on target, whose range it
    cannot size without statistics; PostgreSQL's planner sizes it and chooses for itself."""

    inherit_cache = True

    def __init__(self, column):
        super().__init__(column)
        self.type = column.type


@compiles(scanned)
def _scanned(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(scanned, "sqlite")
def _scanned_sqlite(element, compiler, **kw):  # unary plus: the same value, no index
    return f"+{compiler.process(element.clauses, **kw)}"


@dataclass(frozen=True)
class Drift:
    """How far practice is from a rule: the median working days from its anchor to the actual, over
    the activities of every type whose rule for the key is the same (publication is E+21 for both
    standard and short inspections)."""

    activity_types: tuple[str, ...]
    key: str
    title: str
    year: int
    activities: int
    rule_working_days: int
    median_working_days: float

    @property
    def difference(self) -> float:
        return self.median_working_days - self.rule_working_days

    @property
    def drifted(self) -> bool:
        return abs(self.difference) >= DRIFT_DAYS and self.activities >= DRIFT_ACTIVITIES


@dataclass
class Report:
    start: date
    end: date
    as_of: datetime
    filters: dict
    integrity: audit.ChainCheck
    columns: dict = field(default_factory=dict)  # name -> array, one entry a milestone judged
    titles: dict[str, str] = field(default_factory=dict)  # milestone key -> its most usual title
    notes: dict[str, str] = field(default_factory=dict)  # why not applicable, why waived
    drift: list[Drift] = field(default_factory=list)

    tallied: dict = field(default_factory=dict, repr=False, compare=False)  # grouping -> its tallies

    def _tally(self, *names: str) -> list[tuple[tuple, Tally]]:
        """Tallies grouped by the named columns, each a (labels, codes) pair, sorted by label; worked
        out once a grouping, since every format asks for some more than once."""
        if names not in self.tallied:
            self.tallied[names] = self._count(names)
        return self.tallied[names]

    def _count(self, names: tuple[str, ...]) -> list[tuple[tuple, Tally]]:
        import numpy as np

        if not self.columns or not len(self.columns["category"]):
            return []
        group = np.zeros(len(self.columns["category"]), dtype=np.int64)
        for name in names:
            labels, codes = self.columns[name]
            group = group * len(labels) + codes
        order = np.argsort(group, kind="stable")  # one sort: each group's rows together, in row order
        grouped = group[order]
        starts = np.flatnonzero(np.concatenate([[True], grouped[1:] != grouped[:-1]]))
        distinct, bounds = grouped[starts], np.append(starts, len(grouped))
        category, days, justified = (self.columns[n] for n in ("category", "days_late", "justified"))
        tallies = []
        for g, combined in enumerate(distinct.tolist()):
            label = []
            for name in reversed(names):
                labels, _ = self.columns[name]
                combined, code = divmod(combined, len(labels))
                label.insert(0, labels[code])
            rows = order[bounds[g] : bounds[g + 1]]
            tallies.append((tuple(label), Tally.of(category[rows], days[rows], justified[rows])))
        return sorted(tallies)

    def by_key(self) -> list[tuple[tuple, Tally]]:
        return self._tally("owner", "key")

    def by_owner(self) -> list[tuple[tuple, Tally]]:
        return self._tally("owner")

    def by_region(self) -> list[tuple[tuple, Tally]]:
        return self._tally("region", "owner")

    def by_month(self) -> list[tuple[tuple, Tally]]:
        return self._tally("month", "owner")

    def rules(self) -> dict[str, str]:
        """Why milestones were not applicable, and why any were waived."""
        return self.notes


def london_days(instants):
    """Instants (datetime64[us] in UTC, NaT for none) as London days, datetime64[D] (NaT stays NaT).
    London's offset changes only on the hour (01:00 UTC), so the time zone database is asked once
    for each hour that occurs: summer time is exact."""
    import numpy as np

    days = np.full(len(instants), np.datetime64("NaT"), dtype="datetime64[D]")
    known = ~np.isnat(instants)
    micro = instants[known].astype(np.int64)
    hours, inverse = np.unique(micro // 3_600_000_000, return_inverse=True)
    offsets = np.array(
        [
            datetime.fromtimestamp(h * 3600, UTC).astimezone(LONDON).utcoffset() // timedelta(microseconds=1)
            for h in hours.tolist()
        ],
        dtype=np.int64,
    )
    days[known] = ((micro + offsets[inverse]) // 86_400_000_000).astype("datetime64[D]")
    return days


def _seconds(instants):
    """Instants (datetime64[us]) as seconds since the epoch, NaN for none: what `judge_many` takes."""
    import numpy as np

    seconds = instants.astype(np.int64) / 1e6
    seconds[np.isnat(instants)] = np.nan
    return seconds


def _instants(values):
    """A column of `epoch_microseconds` as datetime64[us], NaT where there is none."""
    import numpy as np

    return np.array(["NaT" if v is None else v for v in values], dtype="datetime64[us]")


def _coded(values) -> tuple[list, object]:
    """Distinct values (in the order first seen) and each value's index among them: what grouping
    by a column needs."""
    import numpy as np

    labels = list(dict.fromkeys(values))
    index = {v: i for i, v in enumerate(labels)}
    return labels, np.fromiter(map(index.__getitem__, values), dtype=np.int64, count=len(values))


def _milestone_filters(*, start: date, end: date, owner) -> list:
    """Milestones whose target falls in the period (London days), of the owner asked for."""
    first = datetime.combine(start, time(0, 0), tzinfo=LONDON)
    after = datetime.combine(end + timedelta(days=1), time(0, 0), tzinfo=LONDON)
    target = scanned(Milestone.target)
    conditions = [target >= first, target < after]
    if owner == "la":
        conditions.append(Milestone.owner == LA_OWNER)
    elif owner == "ofsted":
        conditions.append(Milestone.owner != LA_OWNER)
    return conditions


def _activity_filters(*, region, activity_type) -> list:
    conditions = []
    if region:
        conditions.append(
            Activity.la_id.in_(select(LocalAuthority.id).where(LocalAuthority.ofsted_region == region))
        )
    if activity_type:
        conditions.append(Activity.activity_type == activity_type)
    return conditions


@contextmanager
def _uncollected():
    """Python's cycle collector paused while a report reads and counts 100,000s of rows: their tuples
    and arrays hold no cycles, but their number sets off full collections that walk them all again
    and again, which was half the report's time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@_uncollected()
def build_report(
    session: Session,
    *,
    start: date,
    end: date,
    as_of: datetime,
    calendar: WorkingDayCalendar,
    region: str | None = None,
    activity_type: str | None = None,
    owner: str | None = None,
) -> Report:
    """Milestones whose target falls from `start` to `end` (both included, London days). Read with the
    core of SQLAlchemy as plain columns, one query for the milestones and one for the activities,
    then judged, coded and counted as arrays; the rare details (rules, waivers) come with their rows
    as NULLs elsewhere, so no second pass over the milestones is needed."""
    import numpy as np

    if end < start:
        raise ValueError(f"--to {end} is before --from {start}")
    if owner not in (None, "ofsted", "la"):
        raise ValueError(f"--owner {owner!r}: use ofsted or la")
    report = Report(
        start=start,
        end=end,
        as_of=as_of,
        integrity=audit.verify(session),
        filters={"region": region, "type": activity_type, "owner": owner},
    )
    connection = session.connection()
    in_period = _milestone_filters(start=start, end=end, owner=owner)
    of_activities = _activity_filters(region=region, activity_type=activity_type)
    _cancelled_notes(connection, report, in_period, of_activities)
    columns = _milestone_columns(connection, in_period, of_activities)
    if not columns:
        return report
    ids, description, activity_id, target, actual, rule, *waiver = columns
    field = _fields(description)
    ids, activity_id = np.array(ids, dtype=np.int64), np.array(activity_id, dtype=np.int64)
    activities = connection.execute(
        select(
            Activity.id,
            Activity.activity_type,
            Activity.edition,
            type_coerce(Activity.onsite, String()),
            type_coerce(Activity.fieldwork_end, String()),
            LocalAuthority.ofsted_region,
        )
        .join(LocalAuthority, Activity.la_id == LocalAuthority.id)
        .order_by(Activity.id)
    ).all()
    numbers, types, editions, onsite, fieldwork_end, regions = zip(*activities, strict=True)
    at = np.searchsorted(np.array(numbers, dtype=np.int64), activity_id)  # each milestone's activity
    target, actual = _instants(target), _instants(actual)
    target_day, actual_day = london_days(target), london_days(actual)
    status_labels, status_codes = field("status")
    category, days = judge_many(
        target=_seconds(target),
        actual=_seconds(actual),
        target_day=target_day,
        actual_day=actual_day,
        status=np.array(status_labels, dtype=str)[status_codes],
        by_day=_flags(*field("by_day")),
        waived=_flags(*field("waived")),
        as_of=as_of.timestamp(),
        calendar=calendar,
    )
    keys, key_codes = field("key")
    owner_labels, owner_codes = field("owner")
    region_labels, region_codes = _coded(regions)
    months, month_codes = np.unique(target_day.astype("datetime64[M]"), return_inverse=True)
    classes = sorted({owner_class(o) for o in owner_labels})
    report.columns = {
        "key": (keys, key_codes),
        "owner": (classes, np.array([classes.index(owner_class(o)) for o in owner_labels])[owner_codes]),
        "region": (region_labels, region_codes[at]),
        "month": (months.astype(str).tolist(), month_codes),
        "category": category,
        "days_late": days,
        "justified": _flags(*field("justified")),
    }
    report.titles = _usual_titles(keys, key_codes, *field("title"))
    _notes(report, category, keys, key_codes, activity_id, ids, target, rule, waiver)
    done = np.isin(category, [CATEGORIES.index("met"), CATEGORIES.index("late")])
    type_labels, type_codes = _coded(types)
    edition_labels, edition_codes = _coded(editions)
    report.drift = _drift(
        calendar,
        keys=keys,
        key=key_codes[done],
        activity_id=activity_id[done],
        types=(type_labels, type_codes[at][done]),
        editions=(edition_labels, edition_codes[at][done]),
        onsite=np.array(onsite, dtype="datetime64[D]")[at][done],
        fieldwork_end=np.array(fieldwork_end, dtype="datetime64[D]")[at][done],
        target_day=target_day[done],
        actual_day=actual_day[done],
        titles=report.titles,
    )
    return report


def _described_columns() -> dict:
    """The short columns read as one text a row (`described`), by name."""
    justified = [code for code, reason in variance_reasons().items() if reason.justified]
    return {
        "key": Milestone.key,
        "title": Milestone.title,
        "owner": Milestone.owner,
        "status": Milestone.status,
        "by_day": Milestone.actual_precision == "day",
        "waived": Milestone.waived_reason != "",
        "justified": Milestone.variance_reason.in_(justified),
    }


def _milestone_columns(connection, in_period: list, of_activities: list) -> list[tuple]:
    """The judged milestones' columns, one tuple a column (none when none is in the period): the id,
    the short columns described as one text, the activity, target and actual, and the rare details
    (a not-applicable rule, a waiver) as NULL everywhere else."""
    is_waived = Milestone.waived_reason != ""
    query = (
        select(
            Milestone.id,
            described(*_described_columns().values()),
            Milestone.activity_id,
            epoch_microseconds(Milestone.target),
            epoch_microseconds(Milestone.actual),
            case((Milestone.status == MilestoneStatus.NOT_APPLICABLE, Milestone.rule)),
            case((is_waived, Milestone.waived_by)),
            case((is_waived, Milestone.waived_reason)),
        )
        .join(Activity, Milestone.activity_id == Activity.id)
        .where(*in_period, Activity.status != ActivityStatus.CANCELLED, *of_activities)
    )
    return list(zip(*connection.execute(query).all(), strict=True))


def _fields(descriptions):
    """The short columns of `described` texts, by name: each field's distinct values and each row's
    index among them. Each distinct text is decoded once."""
    texts, text_codes = _coded(descriptions)
    values = dict(zip(_described_columns(), zip(*map(json.loads, texts), strict=True), strict=True))

    def field(name: str) -> tuple[list, object]:
        labels, codes = _coded(values[name])
        return labels, codes[text_codes]

    return field


def _flags(labels: list, codes):
    """A field of conditions (0/1 from SQLite, booleans from PostgreSQL) as a boolean array."""
    import numpy as np

    return np.array(labels, dtype=bool)[codes]


def _usual_titles(keys: list[str], key_codes, names: list[str], name_codes) -> dict[str, str]:
    """Each key's most usual title (types word some differently); of equally usual ones, the first
    in alphabetical order."""
    import numpy as np

    counts = np.bincount(key_codes * len(names) + name_codes, minlength=len(keys) * len(names))
    counts = counts.reshape(len(keys), len(names))
    usual = {}
    for code, k in enumerate(keys):
        most = counts[code].max()
        usual[k] = min(n for n, c in zip(names, counts[code].tolist(), strict=True) if c == most)
    return usual


def _notes(report: Report, category, keys, key_codes, activity_id, ids, target, rule, waiver) -> None:
    """Why milestones were not applicable (a rule a key: the earliest target's), and each waiver, who
    and why, by target."""
    import numpy as np

    by_target = np.lexsort((ids, target))
    for i in by_target[category[by_target] == CATEGORIES.index("not_applicable")].tolist():
        report.notes.setdefault(f"{keys[key_codes[i]]}: not applicable", rule[i])
    waived = np.flatnonzero(category == CATEGORIES.index("waived"))
    by, reason = waiver
    for i in waived[np.lexsort((activity_id[waived], target[waived]))].tolist():
        report.notes[f"{keys[key_codes[i]]} #{activity_id[i]}: waived by {by[i]}"] = reason[i]


def _cancelled_notes(connection, report: Report, in_period: list, of_activities: list) -> None:
    """Each cancelled activity with milestones in the period, once: left out, with who and why."""
    found = connection.execute(
        select(
            Activity.id,
            Activity.activity_type,
            LocalAuthority.name,
            Activity.cancelled_by,
            Activity.cancelled_reason,
        )
        .join(LocalAuthority, Activity.la_id == LocalAuthority.id)
        .where(
            Activity.status == ActivityStatus.CANCELLED,
            *of_activities,
            select(Milestone.id).where(Milestone.activity_id == Activity.id, *in_period).exists(),
        )
        .order_by(Activity.id)
    )
    for number, activity_type, la, by, reason in found:
        report.notes[f"#{number} {activity_type} at {la}: cancelled by {by}"] = (
            f"left out of this report: {reason}"
        )


def _drift(
    calendar,
    *,
    keys,
    key,
    activity_id,
    types,
    editions,
    onsite,
    fieldwork_end,
    target_day,
    actual_day,
    titles,
):
    """Per milestone key, rule and year of the target: the median working days from the rule's anchor
    to the actual, beside the rule. Only rules of whole working days from the first day
    on site (D), the last (E) or another milestone recorded in the period are compared. A rule is
    looked up once for each edition, type and key that occurs, then applied to all their milestones."""
    import numpy as np

    if not len(key):
        return []
    (type_labels, type_codes), (edition_labels, edition_codes) = types, editions
    templates = {(e.edition, t): template for e in shipped_editions() for t, template in e.templates.items()}
    kinds = (edition_codes * len(type_labels) + type_codes) * len(keys) + key
    distinct, kind = np.unique(kinds, return_inverse=True)
    anchor_of = {"D": -2, "E": -3}  # a fixed anchor, else the anchor milestone's key code
    key_index = {k: n for n, k in enumerate(keys)}
    offsets, anchors = np.full(len(distinct), -1), np.full(len(distinct), -1)
    for n, combined in enumerate(distinct.tolist()):
        rest, k = divmod(combined, len(keys))
        e, t = divmod(rest, len(type_labels))
        template = templates.get((edition_labels[e], type_labels[t]))
        try:
            rule = template.rule(keys[k]) if template else None
        except KeyError:
            rule = None
        if rule is None or rule.months or rule.anchor is None or rule.anchor not in (*anchor_of, *key_index):
            continue
        offsets[n], anchors[n] = rule.offset, anchor_of.get(rule.anchor, key_index.get(rule.anchor))
    offset, anchor = offsets[kind], anchors[kind]
    anchor_day = np.full(len(key), np.datetime64("NaT"), dtype="datetime64[D]")
    anchor_day[anchor == -2] = onsite[anchor == -2]
    anchor_day[anchor == -3] = fieldwork_end[anchor == -3]
    follows = anchor >= 0  # the actual of the same activity's anchor milestone, when recorded
    recorded = activity_id * len(keys) + key
    order = np.argsort(recorded)
    wanted = activity_id[follows] * len(keys) + anchor[follows]
    found = order[np.minimum(np.searchsorted(recorded, wanted, sorter=order), len(order) - 1)]
    anchor_day[follows] = np.where(recorded[found] == wanted, actual_day[found], np.datetime64("NaT"))
    usable = ~np.isnat(anchor_day) & (offset >= 0)
    if not usable.any():
        return []
    observed = calendar.working_days_between_bulk(anchor_day[usable], actual_day[usable])
    year = target_day[usable].astype("datetime64[Y]").astype(np.int64) + 1970
    key_order = np.argsort(np.array(keys, dtype=object)).argsort()  # groups in order of key text
    group_of = np.stack([key_order[key[usable]], offset[usable], year])
    groups, group = np.unique(group_of, axis=1, return_inverse=True)
    group = group.ravel()
    by_group = np.lexsort((observed, group))
    sizes = np.bincount(group, minlength=groups.shape[1])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    ranked = observed[by_group]
    medians = (ranked[starts + (sizes - 1) // 2] + ranked[starts + sizes // 2]) / 2
    kinds_in = np.unique(np.stack([group, type_codes[usable]]), axis=1)
    key_by_order = np.argsort(key_order)
    drift = []
    for g in range(groups.shape[1]):
        k = keys[key_by_order[groups[0, g]]]
        named = sorted(type_labels[t] for t in kinds_in[1, kinds_in[0] == g].tolist())
        drift.append(
            Drift(
                tuple(named),
                k,
                titles[k],
                int(groups[2, g]),
                int(sizes[g]),
                int(groups[1, g]),
                float(medians[g]),
            )
        )
    return drift


def _milestone(session: Session, activity_id: int, key: str) -> Milestone:
    from services.tracking.lifecycle import TrackingError, activity

    activity(session, activity_id)
    row = session.exec(
        select(Milestone).where(Milestone.activity_id == activity_id, Milestone.key == key)
    ).first()
    if row is None:
        raise TrackingError(f"activity {activity_id} has no milestone {key!r}")
    return row


def record_variance(
    session: Session, *, activity_id: int, key: str, code: str, by: str, now: datetime
) -> None:
    """Say why a milestone was late, with a reason from the configured list."""
    from models.compliance import variance_reasons
    from services.tracking.lifecycle import TrackingError

    reasons = variance_reasons()
    if code not in reasons:
        raise TrackingError(f"variance reason {code!r} is not one of {', '.join(reasons)}")
    row = _milestone(session, activity_id, key)
    before = row.variance_reason
    row.variance_reason = code
    session.add(row)
    audit.append(
        session,
        at=now,
        actor=by,
        action="variance",
        activity_id=activity_id,
        subject=f"milestone {key}",
        before={"variance_reason": before},
        after={"variance_reason": code},
        reason=reasons[code].title,
    )


def waive(session: Session, *, activity_id: int, key: str, reason: str, by: str, now: datetime) -> None:
    """Take a milestone out of compliance, with the reason and who decided: audited, never silent."""
    from services.tracking.lifecycle import TrackingError

    if not reason.strip():
        raise TrackingError("a waiver needs a reason")
    row = _milestone(session, activity_id, key)
    row.waived_reason, row.waived_by = reason, by
    session.add(row)
    audit.append(
        session,
        at=now,
        actor=by,
        action="waive",
        activity_id=activity_id,
        subject=f"milestone {key}",
        after={"waived_reason": reason, "waived_by": by},
        reason=reason,
    )
