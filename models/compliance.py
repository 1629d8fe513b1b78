"""Was a milestone met? Compliance is judged against targets, in working days (spec section 3).

Pure functions: dates in, a verdict out. Categories: met, late (by n working days), overdue (no
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
COUNTED = ("met", "late", "overdue")  # the milestones an on-time rate is out of


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
    """Edge cases: a date-only actual (precision "day") on the target's day is on time; a late actual
    counts at least 1 working day late, even if only hours late or on a non-working day; bank holidays
    in between are not counted."""
    if waived:
        return Verdict("waived")
    if status in (MilestoneStatus.NOT_APPLICABLE, MilestoneStatus.WITHDRAWN, MilestoneStatus.UNKNOWN):
        return Verdict(str(status))  # the verdict is named as the state
    if status == MilestoneStatus.ON_EVENT or target is None:
        return Verdict("unknown")
    if actual is None:
        return Verdict("overdue" if target < as_of else "pending")
    target_day, actual_day = target.astimezone(LONDON).date(), actual.astimezone(LONDON).date()
    on_time = actual_day <= target_day if precision == "day" else actual <= target
    if on_time:
        return Verdict("met", 0)
    return Verdict("late", max(1, calendar.working_days_between(target_day, actual_day)))


def percentile_90(values: list[int]) -> float | None:
    """The 90th percentile by linear interpolation between closest ranks (numpy's default method)."""
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


@dataclass
class Tally:
    """Counts for one group of milestones (a key, a region, a month ...)."""

    due: int = 0
    met: int = 0
    late: int = 0
    late_justified: int = 0
    overdue: int = 0
    pending: int = 0
    not_applicable: int = 0
    waived: int = 0
    unknown: int = 0
    days_late: list[int] | None = None

    def add(self, verdict: Verdict, *, justified: bool) -> None:
        if verdict.category == "withdrawn":
            return
        self.due += 1
        setattr(self, verdict.category, getattr(self, verdict.category) + 1)
        if verdict.category == "late":
            self.days_late = [*(self.days_late or []), verdict.days_late]
            self.late_justified += int(justified)

    @property
    def on_time_rate(self) -> float | None:
        """Met out of met, late and overdue (pending, unknown, waived and not applicable left out)."""
        counted = self.met + self.late + self.overdue
        return self.met / counted if counted else None

    @property
    def on_time_rate_with_justified(self) -> float | None:
        """As above, counting a late milestone with a justified variance reason as on time."""
        counted = self.met + self.late + self.overdue
        return (self.met + self.late_justified) / counted if counted else None

    def as_dict(self) -> dict:
        days = self.days_late or []
        return {
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


def owner_class(owner: str) -> str:
    """ "la" for the local authority's milestones, "ofsted" for everything Ofsted (or its people) owns."""
    return "la" if owner == "LA" else "ofsted"
