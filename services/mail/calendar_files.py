"""Calendar files (RFC 5545): the one builder of every .ics the project makes, the activity download,
the region feed and the attachments of emails.

- Europe/London is described by a VTIMEZONE with its BST/GMT rules (RFC 5545 §3.2.19: one per TZID),
  so that strict programs (Outlook) place every timed event where London places it.
- Fieldwork is all-day events (DTSTART;VALUE=DATE, DTEND the day after the last, RFC 5545 §3.6.1), one
  per run of consecutive working days on site; a deadline is a timed event at its time.
- Each event's UID is its activity and milestone, so a file sent again replaces the event it sent
  before; its SEQUENCE is the number of times the date has moved, counted in the audit log (so it
  rises with every deferral or re-plan that moves it, and never depends on when the file is built).
- METHOD:PUBLISH everywhere: these are dates to note, not invitations to answer (RFC 5546 §3.2.1).
- DESCRIPTION says what the date is and who owns it. A copy for the local authority carries only the
  LA's own milestones and those it takes part in, never Ofsted's internal steps.

`calendar_file` depends only on its arguments (DTSTAMP is the last date change, not the time of
building), so the sender can cache it per (activity, version of its dates).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import icalendar
from sqlmodel import Session, select

from calendars import LONDON, WorkingDayCalendar
from models.records import Activity, AuditEntry, LocalAuthority, Milestone
from models.states import MilestoneStatus
from models.templates import template_for_edition
from services.mail.emails import govuk_when

PRODID = "-//Ofsted//ilacs-orchestrator//EN"
DOMAIN = "ilacs-orchestrator"
DEADLINE_LENGTH = timedelta(minutes=15)
EPOCH = datetime(2018, 1, 1, tzinfo=UTC)  # the DTSTAMP of a feed with nothing in it

# Ofsted's milestones that involve no exchange with the local authority: left out of what the LA is
# sent (its calendar files and its "dates changed" email). Every other milestone is the LA's own, or
# one it takes part in or is told of (notification, set-up call, on site, feedback, drafts, reports).
OFSTED_INTERNAL = frozenset(
    {
        "offsite_evaluation",
        "lead_offsite_evaluation",
        "midpoint_offsite_evaluation",
        "final_offsite_evaluation",
        "team_teleconference",
        "schools_hmi_onsite",
    }
)


def shared_with_la(key: str) -> bool:
    """May the local authority be told of this milestone's date?"""
    return key not in OFSTED_INTERNAL


@dataclass(frozen=True)
class CalendarEvent:
    """One event: a deadline at a time (`start` a datetime), or all-day from `start` to `last_day`."""

    uid: str
    summary: str
    start: datetime | date
    last_day: date | None = None
    description: str = ""
    sequence: int = 0


def _summary(text: str) -> str:
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


@lru_cache(maxsize=1)
def london_timezone() -> icalendar.Timezone:
    """Europe/London since 1996 (the EU rules): BST from 01:00 UTC on the last Sunday of March, GMT from
    01:00 UTC on the last Sunday of October."""
    zone = icalendar.Timezone()
    zone.add("tzid", "Europe/London")
    for kind, name, month, start, offsets in (
        (icalendar.TimezoneDaylight, "BST", 3, datetime(1981, 3, 29, 1, 0), (0, 1)),
        (icalendar.TimezoneStandard, "GMT", 10, datetime(1996, 10, 27, 2, 0), (1, 0)),
    ):
        part = kind()
        part.add("tzname", name)
        part.add("dtstart", start)
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1su"})
        part.add("tzoffsetfrom", timedelta(hours=offsets[0]))
        part.add("tzoffsetto", timedelta(hours=offsets[1]))
        zone.add_component(part)
    return zone


@lru_cache(maxsize=512)
def calendar_file(events: tuple[CalendarEvent, ...], *, name: str, stamp: datetime) -> str:
    """The iCalendar file of `events` (METHOD:PUBLISH), `stamp` its DTSTAMP."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _summary(name))
    for item in events:
        event = icalendar.Event()
        event.add("uid", f"{item.uid}@{DOMAIN}")
        event.add("dtstamp", stamp.astimezone(UTC))
        event.add("sequence", item.sequence)
        event.add("summary", _summary(item.summary))
        if isinstance(item.start, datetime):
            start = item.start.astimezone(LONDON)
            event.add("dtstart", start)
            event.add("dtend", start + DEADLINE_LENGTH)
        else:
            event.add("dtstart", item.start)
            event.add("dtend", (item.last_day or item.start) + timedelta(days=1))
            event.add("transp", "TRANSPARENT")
        if item.description:
            event.add("description", item.description)
        cal.add_component(event)
    text = cal.to_ical().decode("utf-8")
    if any(isinstance(e.start, datetime) for e in events):  # RFC 5545 §3.2.19: one VTIMEZONE per TZID
        first = text.find("BEGIN:VEVENT")
        text = text[:first] + _london_timezone_text() + text[first:]
    return text


@lru_cache(maxsize=1)
def _london_timezone_text() -> str:
    """The VTIMEZONE as it is written, serialised once: it is the same in every file, and writing it
    was a third of the cost of a reminder's calendar file."""
    return london_timezone().to_ical().decode("utf-8")


DateVersions = tuple[dict[str, int], datetime | None]


def date_versions(session: Session, activity_id: int) -> DateVersions:
    """How many times each milestone's forecast (and, as "fieldwork", the days on site) has moved since
    the activity was registered, from the audit log; and when the last such move was recorded."""
    return date_versions_of(session, [activity_id]).get(activity_id, ({}, None))


def date_versions_of(session: Session, activity_ids: Sequence[int]) -> dict[int, DateVersions]:
    """`date_versions` of many activities in one query (the sender's batch)."""
    query = (
        select(AuditEntry.activity_id, AuditEntry.action, AuditEntry.before, AuditEntry.after, AuditEntry.at)
        .where(AuditEntry.activity_id.in_(sorted(set(activity_ids))))
        .order_by(AuditEntry.id)
    )
    found: dict[int, DateVersions] = {}
    for activity_id, action, before, after, at in session.exec(query) if activity_ids else ():
        moves, last = found.get(activity_id, ({}, None))
        before, after = before or {}, after or {}
        if action == "schedule":
            found[activity_id] = (moves, at)
            continue
        for key, new in after.items():
            old = before.get(key)
            if key == "onsite" and old != new:
                moves["fieldwork"] = moves.get("fieldwork", 0) + 1
                last = at
            elif (
                isinstance(new, dict) and isinstance(old, dict) and old.get("forecast") != new.get("forecast")
            ):
                moves[key] = moves.get(key, 0) + 1
                last = at
        found[activity_id] = (moves, last)
    return found


def fieldwork_runs(onsite: date, last_day: date, calendar: WorkingDayCalendar) -> list[tuple[date, date]]:
    """The days on site as runs of consecutive working days (a weekend or bank holiday splits them)."""
    runs: list[tuple[date, date]] = []
    day = onsite
    while day <= last_day:
        if calendar.is_working_day(day):
            if runs and runs[-1][1] == day - timedelta(days=1):
                runs[-1] = (runs[-1][0], day)
            else:
                runs.append((day, day))
        day += timedelta(days=1)
    return runs


def _owner(owner: str) -> str:
    return "the local authority" if owner == "LA" else owner.replace("LA", "the local authority")


def activity_events(
    session: Session,
    activity: Activity,
    *,
    calendar: WorkingDayCalendar,
    for_la: bool,
    keys: Iterable[str] | None = None,
    fieldwork: bool = True,
) -> tuple[tuple[CalendarEvent, ...], datetime | None]:
    """The events of one activity: its fieldwork (when `fieldwork`) and each planned milestone (only
    `keys`, when given; only those shared with the LA, when `for_la`); and its last date change."""
    rows = session.exec(
        select(Milestone).where(Milestone.activity_id == activity.id).order_by(Milestone.position)
    )
    return events_of(
        activity,
        session.get(LocalAuthority, activity.la_id),
        rows,
        date_versions(session, activity.id),
        calendar=calendar,
        for_la=for_la,
        keys=keys,
        fieldwork=fieldwork,
    )


def events_of(
    activity: Activity,
    la: LocalAuthority,
    milestones: Iterable[Milestone],
    versions: DateVersions,
    *,
    calendar: WorkingDayCalendar,
    for_la: bool,
    keys: Iterable[str] | None = None,
    fieldwork: bool = True,
) -> tuple[tuple[CalendarEvent, ...], datetime | None]:
    """`activity_events` over rows already loaded (`milestones` in their order): the sender builds the
    files of a whole batch from a few queries."""
    title = template_for_edition(activity.activity_type, activity.edition).title
    what = f"{title} of {la.name} (activity #{activity.id})"
    moves, last = versions
    events = []
    if fieldwork:
        for number, (first, end) in enumerate(
            fieldwork_runs(activity.onsite, activity.fieldwork_end, calendar)
        ):
            events.append(
                CalendarEvent(
                    uid=f"activity{activity.id}-fieldwork-{number + 1}",
                    summary=f"Inspectors on site: {la.name}",
                    start=first,
                    last_day=end,
                    description=f"Fieldwork of the {what.lower()}: inspectors on site.",
                    sequence=moves.get("fieldwork", 0),
                )
            )
    wanted = set(keys) if keys is not None else None
    for row in milestones:
        if row.forecast is None or row.status != MilestoneStatus.PLANNED:
            continue
        if (wanted is not None and row.key not in wanted) or (for_la and not shared_with_la(row.key)):
            continue
        events.append(
            CalendarEvent(
                uid=f"activity{activity.id}-{row.key}",
                summary=f"{row.title} ({la.name})",
                start=row.forecast.astimezone(LONDON),
                description=(
                    f"{row.title}: due {govuk_when(row.forecast)}, owned by {_owner(row.owner)}. {what}."
                ),
                sequence=moves.get(row.key, 0),
            )
        )
    return tuple(events), last


def activity_calendar(
    session: Session,
    activity: Activity,
    *,
    for_la: bool,
    keys: Sequence[str] | None = None,
    fieldwork: bool = True,
    calendar: WorkingDayCalendar | None = None,
) -> str:
    """The calendar file of one activity (see `activity_events`), by the calendar in force unless
    `calendar` is given."""
    from services.settings import calendar_in_force

    events, last = activity_events(
        session,
        activity,
        calendar=calendar or calendar_in_force(),
        for_la=for_la,
        keys=keys,
        fieldwork=fieldwork,
    )
    return activity_file(activity, session.get(LocalAuthority, activity.la_id), events, last)


def activity_file(
    activity: Activity, la: LocalAuthority, events: tuple[CalendarEvent, ...], last: datetime | None
) -> str:
    """The calendar file of `events` of one activity, stamped with its last date change."""
    return calendar_file(
        events, name=f"Activity #{activity.id}: {la.name}", stamp=last or activity.created_at
    )


def feed_calendar(session: Session, title: str, items: Iterable) -> str:
    """A subscribed feed (a region's, an inspector's): each activity's days on site and its open
    milestones among `items` (rows with `.activity` and `.milestone`), for Ofsted's staff."""
    from services.settings import calendar_in_force

    keys: dict[int, tuple[Activity, list[str]]] = {}
    for item in items:
        keys.setdefault(item.activity.id, (item.activity, []))[1].append(item.milestone.key)
    events: list[CalendarEvent] = []
    stamps = []
    for activity, wanted in keys.values():
        found, last = activity_events(
            session, activity, calendar=calendar_in_force(), for_la=False, keys=wanted
        )
        events.extend(found)
        stamps.append(last or activity.created_at)
    return calendar_file(tuple(events), name=f"ILACS: {title}", stamp=max(stamps, default=EPOCH))
