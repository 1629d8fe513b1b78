"""Which reminder steps fall due when: the section 6 ladders as pure functions of dates.

No clock, no database: a milestone's forecast, the policy and `as_of` in; the steps due out.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cached_property, lru_cache
from pathlib import Path

from calendars import LONDON, WorkingDayCalendar
from models.templates import Edition, merge_tables

POLICY_FILE = Path(__file__).with_name("reminder-policy.toml")


@dataclass(frozen=True)
class Step:
    ladder: str
    offset: int  # working days from the forecast day
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    courtesy: bool = False  # a courtesy reminder of something voluntary, worded as such

    @cached_property
    def stage(self) -> str:
        """A stable name: before-20, due, overdue+1, overdue+3 ..."""
        if self.offset < 0:
            return f"before-{-self.offset}"
        if self.offset == 0:
            return "due"
        return f"overdue+{self.offset}"


@dataclass(frozen=True)
class Letter:
    milestone_key: str
    template: str
    embargoed: bool = False
    cc: tuple[str, ...] = ("link_person",)  # roles copied, each only if someone holds it that day
    to: str = "dcs"  # the role it is addressed to: the DCS, or a national one (the DfE [003 ¶204])


@dataclass(frozen=True)
class Policy:
    send_time: time
    digest_time: time
    quiet_after: time
    short_notice: frozenset[str]
    ladders: dict[str, tuple[str, tuple[str, ...], tuple[Step, ...]]]  # name -> (title, patterns, steps)
    overrides: dict[str, tuple[Step, ...]]
    letters: dict[str, Letter]
    no_reminders: frozenset[str] = frozenset()  # milestones that get none, whoever owns them
    owners: dict[str, str] = field(default_factory=dict)  # owner -> the ladder of milestones none names
    raw: dict = field(default_factory=dict, compare=False, repr=False)
    _by_edition: dict = field(default_factory=dict, compare=False, repr=False)

    def steps_for(self, milestone_key: str, owner: str = "") -> tuple[Step, ...]:
        """The ladder of `milestone_key`: an override first, then the first ladder listing it; none if
        the policy says so; else its owner's default ladder (a milestone a later edition adds)."""
        if milestone_key in self.overrides:
            return self.overrides[milestone_key]
        for _, patterns, steps in self.ladders.values():
            if any(fnmatch.fnmatchcase(milestone_key, p) for p in patterns):
                return steps
        if milestone_key in self.no_reminders or owner not in self.owners:
            return ()
        return self.ladders[self.owners[owner]][2]

    def ladder_title(self, milestone_key: str) -> str:
        for title, patterns, _ in self.ladders.values():
            if any(fnmatch.fnmatchcase(milestone_key, p) for p in patterns):
                return title
        return ""

    def named_milestones(self) -> frozenset[str]:
        """The milestone keys (not patterns) the policy names: in a ladder, an override or no_reminders."""
        listed = {p for _, patterns, _ in self.ladders.values() for p in patterns if "*" not in p}
        return frozenset(listed | set(self.overrides) | self.no_reminders)

    def for_edition(self, edition: Edition) -> Policy:
        """This policy with the edition's `[reminders]` tables laid over it (the same when it has none)."""
        if not edition.reminders:
            return self
        if edition.edition not in self._by_edition:
            self._by_edition[edition.edition] = _policy(
                merge_tables(self.raw, edition.reminders), f"edition {edition.edition}"
            )
        return self._by_edition[edition.edition]


def _steps(ladder: str, raw: dict) -> tuple[Step, ...]:
    """A ladder's (or override's) steps; a `courtesy` one, for what the LA does voluntarily, may only
    remind before the day, never chase or escalate [003 ¶27, ¶34]."""
    courtesy = bool(raw.get("courtesy"))
    steps = tuple(
        Step(ladder, int(s["offset"]), tuple(s["to"]), tuple(s.get("cc", ())), courtesy) for s in raw["steps"]
    )
    if len({s.offset for s in steps}) != len(steps):
        raise ValueError(f"reminder policy: ladder {ladder} has two steps on the same day")
    if courtesy and any(s.offset >= 0 for s in steps):
        raise ValueError(f"reminder policy: {ladder} is a courtesy: its reminders come before the day")
    return tuple(sorted(steps, key=lambda s: s.offset))


def _policy(raw: dict, where: str) -> Policy:
    try:
        ladders = {
            name: (ladder["title"], tuple(ladder["milestones"]), _steps(name, ladder))
            for name, ladder in raw.get("ladders", {}).items()
        }
        owners = dict(raw.get("owners", {}))
        for owner, ladder in owners.items():
            if ladder not in ladders:
                raise ValueError(f"owner {owner}'s default ladder {ladder!r} is not defined")
        return Policy(
            send_time=time.fromisoformat(raw["send_time"]),
            digest_time=time.fromisoformat(raw["digest_time"]),
            quiet_after=time.fromisoformat(raw["quiet_after"]),
            short_notice=frozenset(raw.get("short_notice", ())),
            ladders=ladders,
            overrides={key: _steps(key, o) for key, o in raw.get("overrides", {}).items()},
            letters={
                key: Letter(
                    milestone_key=key,
                    template=letter["template"],
                    embargoed=bool(letter.get("embargoed")),
                    cc=tuple(letter.get("cc", ("link_person",))),
                    to=letter.get("to", "dcs"),
                )
                for key, letter in raw.get("letters", {}).items()
            },
            no_reminders=frozenset(raw.get("no_reminders", ())),
            owners=owners,
            raw=raw,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"cannot read the reminder policy {where}: {exc}") from exc


def load_policy(path: Path = POLICY_FILE) -> Policy:
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"cannot read the reminder policy {path}: {exc}") from exc
    return _policy(raw, str(path))


@lru_cache(maxsize=1)
def shipped_policy() -> Policy:
    return load_policy()


def send_moment(day: date, policy: Policy, calendar: WorkingDayCalendar) -> datetime:
    """When an email for `day` leaves: 08:00, on the previous working day if `day` is not one."""
    return datetime.combine(calendar.roll_back(day), policy.send_time, tzinfo=LONDON)


def outside_quiet_hours(moment: datetime, policy: Policy, calendar: WorkingDayCalendar) -> datetime:
    """`moment` if it falls in working hours (send_time to quiet_after on a working day), else the next
    working day's send_time (today's, if it is a working day and not yet send_time)."""
    local = moment.astimezone(LONDON)
    day = local.date()
    if calendar.is_working_day(day) and policy.send_time <= local.time() < policy.quiet_after:
        return moment
    if not calendar.is_working_day(day) or local.time() >= policy.quiet_after:
        day = calendar.next_working_day(day)
    return datetime.combine(day, policy.send_time, tzinfo=LONDON)


def step_day(step: Step, forecast_day: date, calendar: WorkingDayCalendar) -> date:
    return calendar.add_working_days(forecast_day, step.offset)


def latest_due_step(
    steps: tuple[Step, ...],
    forecast: datetime,
    as_of: datetime,
    calendar: WorkingDayCalendar,
) -> Step | None:
    """The newest step whose day has come by `as_of` (London), or None.

    A sweep early on a step's day (07:00) finds it, so it can leave at 08:00. Only the newest: a sweep
    that missed days (an outage) sends one current reminder, not a burst of stale ones.
    """
    forecast_day = forecast.astimezone(LONDON).date()
    today = as_of.astimezone(LONDON).date()
    due = [s for s in steps if calendar.roll_back(step_day(s, forecast_day, calendar)) <= today]
    return due[-1] if due else None
