"""The compliance report: for a period, each milestone key's record against its targets, by owner,
region and month, practice against the rules (drift), with the audit chain's integrity stated.

Milestones are read as plain columns in one query and judged and counted together as arrays (numpy),
never as one object a row: a national report covers 100,000s of milestones."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Float, String, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, select

from calendars import LONDON, WorkingDayCalendar
from models.compliance import CATEGORIES, LA_OWNER, Tally, judge_many, owner_class, variance_reasons
from models.records import Activity, LocalAuthority, Milestone
from models.states import ActivityStatus
from models.templates import shipped_editions
from services.store import audit

DRIFT_DAYS = 2  # a practice this many working days from the rule, or more ...
DRIFT_ACTIVITIES = 20  # ... over at least this many activities, is flagged as drift


class epoch_seconds(FunctionElement):  # noqa: N801 (an SQL function, named as SQL names them)
    """A stored time as seconds since the epoch, computed by the database (NULL stays NULL)."""

    type = Float()
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element, compiler, **kw):  # stored as naive UTC text
    return f"(julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0"


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element, compiler, **kw):
    return f"EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})"


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

    def _tally(self, *names: str) -> list[tuple[tuple, Tally]]:
        """Tallies grouped by the named columns, each a (labels, codes) pair, sorted by label."""
        import numpy as np

        if not self.columns or not len(self.columns["category"]):
            return []
        group = np.zeros(len(self.columns["category"]), dtype=np.int64)
        for name in names:
            labels, codes = self.columns[name]
            group = group * len(labels) + codes
        distinct, inverse = np.unique(group, return_inverse=True)
        order = np.argsort(inverse, kind="stable")
        bounds = np.searchsorted(inverse[order], np.arange(len(distinct) + 1))
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


def london_days(seconds):
    """Seconds since the epoch (NaN for none) as London days, datetime64[D] (NaT for none). Each
    distinct instant is converted once, by the time zone database, so summer time is exact."""
    import numpy as np

    days = np.full(len(seconds), np.datetime64("NaT"), dtype="datetime64[D]")
    known = ~np.isnan(seconds)
    distinct, inverse = np.unique(seconds[known], return_inverse=True)
    converted = [datetime.fromtimestamp(s, UTC).astimezone(LONDON).date() for s in distinct.tolist()]
    days[known] = np.array(converted, dtype="datetime64[D]")[inverse] if converted else []
    return days


def _coded(values) -> tuple[list, object]:
    """Distinct values and each value's index among them: what grouping by a column needs."""
    import numpy as np

    index: dict = {}
    codes = np.array([index.setdefault(v, len(index)) for v in values], dtype=np.int64)
    return list(index), codes


def _period_query(columns, *, start: date, end: date, region, activity_type, owner, cancelled: bool = False):
    """Milestones whose target falls in the period, with the report's filters: of live activities, or
    of cancelled ones (which are not judged but listed with why)."""
    first = datetime.combine(start, time(0, 0), tzinfo=LONDON)
    after = datetime.combine(end + timedelta(days=1), time(0, 0), tzinfo=LONDON)
    query = (
        select(*columns)
        .select_from(Milestone)
        .join(Activity, Milestone.activity_id == Activity.id)
        .join(LocalAuthority, Activity.la_id == LocalAuthority.id)
        .where(
            Milestone.target >= first,
            Milestone.target < after,
            (Activity.status == ActivityStatus.CANCELLED)
            if cancelled
            else (Activity.status != ActivityStatus.CANCELLED),
        )
    )
    if region:
        query = query.where(LocalAuthority.ofsted_region == region)
    if activity_type:
        query = query.where(Activity.activity_type == activity_type)
    if owner == "la":
        query = query.where(Milestone.owner == LA_OWNER)
    elif owner == "ofsted":
        query = query.where(Milestone.owner != LA_OWNER)
    return query


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
    core of SQLAlchemy (plain tuples): the activities once, the milestones as few columns as judging
    needs, and the rare details (rules, waivers) by a query of their own."""
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
    period = {"start": start, "end": end, "region": region, "activity_type": activity_type, "owner": owner}
    text = String()
    connection = session.connection()
    rows = connection.execute(
        _period_query(
            (
                Milestone.id,
                Milestone.key,
                Milestone.title,
                Milestone.owner,
                Milestone.activity_id,
                epoch_seconds(Milestone.target),
                epoch_seconds(Milestone.actual),
                type_coerce(Milestone.status, text),
                Milestone.actual_precision == "day",
                Milestone.waived_reason != "",
                Milestone.variance_reason,
                Milestone.rule,
            ),
            **period,
        )
    ).all()
    _cancelled_notes(connection, report, period)
    if not rows:
        return report
    (ids, key, titles, owners, activity_id, target, actual, status, by_day, waived, variance, rule) = (
        np.array(column, dtype=object) for column in zip(*rows, strict=True)
    )
    activities = connection.execute(
        select(
            Activity.id,
            Activity.activity_type,
            Activity.edition,
            type_coerce(Activity.onsite, text),
            type_coerce(Activity.fieldwork_end, text),
            LocalAuthority.ofsted_region,
        ).join(LocalAuthority, Activity.la_id == LocalAuthority.id)
    ).all()
    numbers, types, editions, onsite, fieldwork_end, regions = zip(*activities, strict=True)
    row_of = {number: n for n, number in enumerate(numbers)}
    at = np.array([row_of[i] for i in activity_id.tolist()], dtype=np.int64)
    target = target.astype(float)
    actual = np.where(actual == None, np.nan, actual).astype(float)  # noqa: E711 (element-wise)
    target_day, actual_day = london_days(target), london_days(actual)
    category, days = judge_many(
        target=target,
        actual=actual,
        target_day=target_day,
        actual_day=actual_day,
        status=status,
        by_day=by_day.astype(bool),
        waived=waived.astype(bool),
        as_of=as_of.timestamp(),
        calendar=calendar,
    )
    keys, key_codes = _coded(key)
    owner_labels, owner_codes = _coded(owners)
    region_labels, region_codes = _coded(regions)
    month_labels, month_codes = _coded(target_day.astype("datetime64[M]").astype(str).tolist())
    classes = sorted({owner_class(o) for o in owner_labels})
    justified = [code for code, reason in variance_reasons().items() if reason.justified]
    report.columns = {
        "key": (keys, key_codes),
        "owner": (classes, np.array([classes.index(owner_class(o)) for o in owner_labels])[owner_codes]),
        "region": (region_labels, region_codes[at]),
        "month": (month_labels, month_codes),
        "category": category,
        "days_late": days,
        "justified": np.isin(variance, justified),
    }
    for code, k in enumerate(keys):  # a key's most usual title (types word some differently)
        named, counts = np.unique(titles[key_codes == code].astype(str), return_counts=True)
        report.titles[k] = str(named[np.argmax(counts)])
    _notes(connection, report, category, ids, key, activity_id, rule, target)
    done = np.isin(category, [CATEGORIES.index("met"), CATEGORIES.index("late")])
    report.drift = _drift(
        calendar,
        key=key[done],
        activity_id=activity_id[done],
        types=np.array(types, dtype=object)[at][done],
        edition=np.array(editions, dtype=object)[at][done],
        onsite=np.array(onsite, dtype="datetime64[D]")[at][done],
        fieldwork_end=np.array(fieldwork_end, dtype="datetime64[D]")[at][done],
        target_day=target_day[done],
        actual_day=actual_day[done],
        titles=report.titles,
    )
    return report


def _notes(connection, report: Report, category, ids, key, activity_id, rule, target) -> None:
    """Why milestones were not applicable (a rule a key), and each waiver, who and why, by target."""
    import numpy as np

    for i in np.flatnonzero(category == CATEGORIES.index("not_applicable")):
        report.notes.setdefault(f"{key[i]}: not applicable", rule[i])
    waived = np.flatnonzero(category == CATEGORIES.index("waived"))
    if not len(waived):
        return
    chosen = ids[waived].tolist()
    found = {
        number: (by, reason)
        for number, by, reason in connection.execute(
            select(Milestone.id, Milestone.waived_by, Milestone.waived_reason).where(Milestone.id.in_(chosen))
        )
    }
    for i in waived[np.lexsort((activity_id[waived].astype(int), target[waived]))]:
        by, reason = found[ids[i]]
        report.notes[f"{key[i]} #{activity_id[i]}: waived by {by}"] = reason


def _cancelled_notes(connection, report: Report, period: dict) -> None:
    """Each cancelled activity with milestones in the period, once: left out, with who and why."""
    columns = (
        Activity.id,
        Activity.activity_type,
        LocalAuthority.name,
        Activity.cancelled_by,
        Activity.cancelled_reason,
    )
    found = connection.execute(
        _period_query(columns, **period, cancelled=True).distinct().order_by(Activity.id)
    )
    for number, activity_type, la, by, reason in found:
        report.notes[f"#{number} {activity_type} at {la}: cancelled by {by}"] = (
            f"left out of this report: {reason}"
        )


def _drift(
    calendar, *, key, activity_id, types, edition, onsite, fieldwork_end, target_day, actual_day, titles
):
    """Per milestone key, rule and year of the target: the median working days from the rule's anchor
    to the actual, beside the rule. Only rules of whole working days from the first day
    on site (D), the last (E) or another milestone recorded in the period are compared."""
    import numpy as np

    templates = {(e.edition, t): template for e in shipped_editions() for t, template in e.templates.items()}
    recorded = dict(zip(zip(activity_id.tolist(), key.tolist(), strict=True), actual_day, strict=True))
    anchors = np.full(len(key), np.datetime64("NaT"), dtype="datetime64[D]")
    offsets = np.full(len(key), -1)
    for i in range(len(key)):  # a rule per milestone: looked up, not judged, so cheap
        template = templates.get((edition[i], types[i]))
        try:
            rule = template.rule(key[i]) if template else None
        except KeyError:
            rule = None
        if rule is None or rule.months or rule.anchor is None:
            continue
        offsets[i] = rule.offset
        if rule.anchor == "D":
            anchors[i] = onsite[i]
        elif rule.anchor == "E":
            anchors[i] = fieldwork_end[i]
        else:
            anchors[i] = recorded.get((activity_id[i], rule.anchor), np.datetime64("NaT"))
    usable = ~np.isnat(anchors) & (offsets >= 0)
    if not usable.any():
        return []
    observed = calendar.working_days_between_bulk(anchors[usable], actual_day[usable])
    year = target_day[usable].astype("datetime64[Y]").astype(int) + 1970
    groups: dict[tuple, tuple[set, list[int]]] = {}
    for t, k, y, rule_days, seen in zip(
        types[usable], key[usable], year, offsets[usable], observed, strict=True
    ):
        kinds, days = groups.setdefault((k, int(rule_days), int(y)), (set(), []))
        kinds.add(t)
        days.append(int(seen))
    return [
        Drift(tuple(sorted(kinds)), k, titles[k], y, len(days), rule_days, float(np.median(days)))
        for (k, rule_days, y), (kinds, days) in sorted(groups.items())
    ]


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
