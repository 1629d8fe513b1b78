"""How urgent a milestone is: its state in words and its countdown in working days, for the GOV.UK tag
the dashboard shows beside it (Today, an activity's page, my work, the digest).

The countdown runs to the milestone's target, the deadline that decides whether it is overdue
(overdue is judged against targets, docs/framework.md); a milestone with no target counts down to its
forecast. Days are London days: a deadline of Friday 5pm that passes at 00:30 BST on Saturday is overdue
on Saturday, though it is still Friday in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from calendars import LONDON, WorkingDayCalendar
from models.states import MilestoneStatus

DUE_SOON = 5  # working days: the window Today calls "due in the next 5 working days"

COLOURS = {  # GOV.UK tag modifiers: red for late, amber for now, yellow for soon, grey for closed
    "overdue": "govuk-tag--red",
    "due today": "govuk-tag--orange",
    "due soon": "govuk-tag--yellow",
    "on track": "govuk-tag--turquoise",
    "done": "govuk-tag--green",
    "not applicable": "govuk-tag--grey",
    "waived": "govuk-tag--grey",
}


@dataclass(frozen=True)
class Urgency:
    state: str  # one of COLOURS' keys
    working_days: int | None  # left until the deadline (negative: overdue by that many); None if closed
    label: str  # the tag's words: "due in 3 working days", "overdue by 2 working days"

    @property
    def colour(self) -> str:
        return COLOURS[self.state]

    @property
    def at_risk(self) -> bool:
        return self.state in ("overdue", "due today")


def _days(n: int) -> str:
    return f"{n} working day" + ("" if n == 1 else "s")


def urgency(
    *,
    status: str,
    target: datetime | None,
    forecast: datetime | None,
    waived: bool,
    now: datetime,
    calendar: WorkingDayCalendar,
) -> Urgency:
    """The state of one milestone at `now`. Open milestones: overdue once the deadline has passed (by
    the working days since its day; on the day itself simply "overdue"), due today, due in N working
    days within DUE_SOON, else on track with its countdown."""
    if status == MilestoneStatus.DONE:
        return Urgency("waived", None, "waived") if waived else Urgency("done", None, "done")
    if status in (MilestoneStatus.NOT_APPLICABLE, MilestoneStatus.WITHDRAWN):
        return Urgency("not applicable", None, "not applicable")
    deadline = target or forecast
    if status != MilestoneStatus.PLANNED or deadline is None:  # waits for an event: nothing to count
        return Urgency("on track", None, "on track")
    today = now.astimezone(LONDON).date()
    day = deadline.astimezone(LONDON).date()
    if deadline < now:
        late = calendar.working_days_between(day, today)
        return Urgency("overdue", -late, f"overdue by {_days(late)}" if late else "overdue")
    left = calendar.working_days_between(today, day)
    if left == 0:
        return Urgency("due today", 0, "due today")
    if left <= DUE_SOON:
        return Urgency("due soon", left, f"due in {_days(left)}")
    return Urgency("on track", left, f"on track, {_days(left)} left")
