"""Was a milestone met? Compliance is judged against targets, in working days (spec section 3).

Pure functions: dates in, verdicts out, judged many at a time (numpy) so that a national report is
quick. Categories: met, late (by n working days), overdue (no
actual and the target has passed), pending (not due yet), not_applicable, waived, unknown (history
with no record of it), withdrawn (the activity no longer has it).
"""

from __future__ import annotations

import statistics
import tomllib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from calendars import LONDON, WorkingDayCalendar
from models.states import MilestoneStatus

REASONS_FILE = Path(__file__).with_name("variance-reasons.toml")
CATEGORIES = ("met", "late", "overdue", "pending", "not_applicable", "waived", "unknown", "withdrawn")
STATED = (
    MilestoneStatus.NOT_APPLICABLE,
    MilestoneStatus.WITHDRAWN,
    MilestoneStatus.UNKNOWN,
)  # verdict = state


@dataclass(frozen=True)
class Verdict:
    category: str
    days_late: int | None = None


def judge(
    *,
    target: datetime | None,
    actual: datetime | None,
    status: MilestoneStatus,
    precision: str,
    waived: bool,
    as_of: datetime,
    calendar: WorkingDayCalendar,
) -> Verdict:
    """One milestone judged by `judge_many`."""
    import numpy as np

    def day(moment: datetime | None):
        return np.datetime64(moment.astimezone(LONDON).date() if moment else "NaT", "D")

    category, days = judge_many(
        target=np.array([target.timestamp() if target else np.nan]),
        actual=np.array([actual.timestamp() if actual else np.nan]),
        target_day=np.array([day(target)]),
        actual_day=np.array([day(actual)]),
        status=np.array([str(status)]),
        by_day=np.array([precision == "day"]),
        waived=np.array([waived]),
        as_of=as_of.timestamp(),
        calendar=calendar,
    )
    return Verdict(CATEGORIES[category[0]], None if days[0] < 0 else int(days[0]))


def judge_many(
    *, target, actual, target_day, actual_day, status, by_day, waived, as_of: float, calendar
) -> tuple:
    """Milestones judged together, as arrays of the same length: `target` and `actual` in seconds since
    the epoch (NaN when absent), their London days as datetime64[D] (NaT when absent), `status` the
    stored states, `by_day` where only the actual's date is known, `waived`; `as_of` in seconds.
    Gives each one's category (its index in CATEGORIES) and working days late (0 when met, -1 when
    neither met nor late).

    Edge cases: a date-only actual (by day) on the target's day is on time; a late actual counts at
    least 1 working day late, even if only hours late or on a non-working day; bank holidays in between
    are not counted."""
    import numpy as np

    code = {name: i for i, name in enumerate(CATEGORIES)}
    distinct, inverse = np.unique(status, return_inverse=True)
    named = np.array([str(v) in STATED for v in distinct], dtype=bool)[inverse]
    as_named = np.array([code.get(str(v), 0) for v in distinct], dtype=int)[inverse]
    undated = (status == MilestoneStatus.ON_EVENT) | np.isnan(target)
    open_ = np.isnan(actual)
    with np.errstate(invalid="ignore"):
        on_time = np.where(by_day, actual_day <= target_day, actual <= target)
        overdue = target < as_of
    category = np.select(
        [waived, named, undated, open_ & overdue, open_, on_time],
        [code["waived"], as_named, code["unknown"], code["overdue"], code["pending"], code["met"]],
        default=code["late"],
    )
    days = np.where(category == code["met"], 0, -1)
    late = category == code["late"]
    if late.any():
        counted = calendar.working_days_between_bulk(target_day[late], actual_day[late])
        days[late] = np.maximum(1, counted)
    return category, days


def percentile_90(values: list[int]) -> float | None:
    """The 90th percentile by linear interpolation between closest ranks (numpy's default method)."""
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


@dataclass
class Tally:
    """Counts for one group of milestones (a key, a region, a month ...). `due` counts only those that
    fell due (met, late or overdue): the ones an on-time rate is out of, as its headline says."""

    met: int = 0
    late: int = 0
    late_justified: int = 0
    overdue: int = 0
    pending: int = 0
    not_applicable: int = 0
    waived: int = 0
    unknown: int = 0
    days_late: tuple[int, ...] = ()

    @classmethod
    def of(cls, categories, days_late, justified) -> Tally:
        """The tally of judged milestones (arrays as `judge_many` gives them, and whether each late
        one's variance reason is justified); withdrawn ones are left out."""
        import numpy as np

        counts = np.bincount(categories, minlength=len(CATEGORIES))
        late = categories == CATEGORIES.index("late")
        return cls(
            **{name: int(n) for name, n in zip(CATEGORIES, counts, strict=True) if name != "withdrawn"},
            late_justified=int((late & justified).sum()),
            days_late=tuple(np.sort(days_late[late]).tolist()),
        )

    @property
    def due(self) -> int:
        return self.met + self.late + self.overdue

    @property
    def in_period(self) -> int:
        """Every milestone of the group, due or not."""
        return self.due + self.pending + self.not_applicable + self.waived + self.unknown

    @property
    def on_time_rate(self) -> float | None:
        """Met out of met, late and overdue (pending, unknown, waived and not applicable left out)."""
        return self.met / self.due if self.due else None

    @property
    def on_time_rate_with_justified(self) -> float | None:
        """As above, counting a late milestone with a justified variance reason as on time."""
        return (self.met + self.late_justified) / self.due if self.due else None

    def as_dict(self) -> dict:
        days = list(self.days_late)
        return {
            "in_period": self.in_period,
            "due": self.due,
            "met": self.met,
            "late": self.late,
            "late_justified": self.late_justified,
            "overdue": self.overdue,
            "pending": self.pending,
            "not_applicable": self.not_applicable,
            "waived": self.waived,
            "unknown": self.unknown,
            "median_working_days_late": statistics.median(days) if days else None,
            "p90_working_days_late": percentile_90(days),
            "on_time_rate": self.on_time_rate,
            "on_time_rate_with_justified": self.on_time_rate_with_justified,
        }


@dataclass(frozen=True)
class Reason:
    code: str
    title: str
    justified: bool


@lru_cache(maxsize=1)
def variance_reasons(path: Path = REASONS_FILE) -> dict[str, Reason]:
    raw = tomllib.loads(path.read_text("utf-8"))
    return {
        code: Reason(code, r["title"], bool(r.get("justified"))) for code, r in raw.get("reasons", {}).items()
    }


def justified(code: str, reasons: dict[str, Reason] | None = None) -> bool:
    reasons = reasons if reasons is not None else variance_reasons()
    return bool(code) and code in reasons and reasons[code].justified


LA_OWNER = "LA"  # the owner of the local authority's own milestones; any other owner is Ofsted's side


def owner_class(owner: str) -> str:
    """ "la" for the local authority's milestones, "ofsted" for everything Ofsted (or its people) owns."""
    return "la" if owner == LA_OWNER else "ofsted"
