"""The compliance report: for a period, each milestone key's record against its targets, by owner,
region and month, with the audit chain's integrity stated."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, select

from calendars import LONDON, WorkingDayCalendar
from models.compliance import Tally, Verdict, judge, justified, owner_class
from models.records import Activity, LocalAuthority, Milestone
from models.states import ActivityStatus
from services.store import audit


@dataclass(frozen=True)
class Judged:
    activity: Activity
    la: LocalAuthority
    milestone: Milestone
    verdict: Verdict
    justified: bool


@dataclass
class Report:
    start: date
    end: date
    as_of: datetime
    filters: dict
    integrity: audit.ChainCheck
    rows: list[Judged] = field(default_factory=list)
    cancelled: list[tuple[Activity, LocalAuthority]] = field(default_factory=list)  # left out, with why

    def _tally(self, key) -> list[tuple[tuple, Tally]]:
        groups: dict[tuple, Tally] = defaultdict(Tally)
        for row in self.rows:
            groups[key(row)].add(row.verdict, justified=row.justified)
        return sorted(groups.items())

    def by_key(self) -> list[tuple[tuple, Tally]]:
        return self._tally(lambda r: (owner_class(r.milestone.owner), r.milestone.key))

    def by_owner(self) -> list[tuple[tuple, Tally]]:
        return self._tally(lambda r: (owner_class(r.milestone.owner),))

    def by_region(self) -> list[tuple[tuple, Tally]]:
        return self._tally(lambda r: (r.la.ofsted_region, owner_class(r.milestone.owner)))

    def by_month(self) -> list[tuple[tuple, Tally]]:
        return self._tally(
            lambda r: (f"{r.milestone.target.astimezone(LONDON):%Y-%m}", owner_class(r.milestone.owner))
        )

    def rules(self) -> dict[str, str]:
        """Why milestones were not applicable, and why any were waived."""
        notes = {}
        for row in self.rows:
            if row.verdict.category == "not_applicable":
                notes[f"{row.milestone.key}: not applicable"] = row.milestone.rule
            if row.verdict.category == "waived":
                notes[f"{row.milestone.key} #{row.activity.id}: waived by {row.milestone.waived_by}"] = (
                    row.milestone.waived_reason
                )
        for activity, la in self.cancelled:
            what = (
                f"#{activity.id} {activity.activity_type} at {la.name}: cancelled by {activity.cancelled_by}"
            )
            notes[what] = f"left out of this report: {activity.cancelled_reason}"
        return notes


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
    """Milestones whose target falls from `start` to `end` (both included, London days)."""
    if end < start:
        raise ValueError(f"--to {end} is before --from {start}")
    if owner not in (None, "ofsted", "la"):
        raise ValueError(f"--owner {owner!r}: use ofsted or la")
    first = datetime.combine(start, time(0, 0), tzinfo=LONDON)
    after = datetime.combine(end + timedelta(days=1), time(0, 0), tzinfo=LONDON)
    query = (
        select(Milestone, Activity, LocalAuthority)
        .join(Activity, Milestone.activity_id == Activity.id)
        .join(LocalAuthority, Activity.la_id == LocalAuthority.id)
        .where(Milestone.target >= first, Milestone.target < after)
    )
    if region:
        query = query.where(LocalAuthority.ofsted_region == region)
    if activity_type:
        query = query.where(Activity.activity_type == activity_type)
    report = Report(
        start=start,
        end=end,
        as_of=as_of,
        integrity=audit.verify(session),
        filters={"region": region, "type": activity_type, "owner": owner},
    )
    for milestone, activity, la in session.exec(query.order_by(Milestone.target, Activity.id)):
        if owner and owner_class(milestone.owner) != owner:
            continue
        if activity.status == ActivityStatus.CANCELLED:  # not judged: listed once, with its reason
            if (activity, la) not in report.cancelled:
                report.cancelled.append((activity, la))
            continue
        verdict = judge(
            target=milestone.target,
            actual=milestone.actual,
            status=milestone.status,
            precision=milestone.actual_precision,
            waived=bool(milestone.waived_reason),
            as_of=as_of,
            calendar=calendar,
        )
        report.rows.append(Judged(activity, la, milestone, verdict, justified(milestone.variance_reason)))
    return report


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
