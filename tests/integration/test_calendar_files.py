"""Every .ics the project makes (activity download, region feed, email attachments) is RFC 5545 that
strict programs accept (issue 14, point 4): read by `icalendar`, by an independent parser (`vobject`,
which places each timed event by the file's own VTIMEZONE) and, marked e2e, imported by calcurse.

A standard inspection on site ten working days from a Monday; weekdays worked out by hand:
- summer: on site Monday 8 June 2026, fieldwork 8-12 and 15-19 June; notification call Monday 1 June
  2026 at 9:30am BST = 08:30 UTC. The call made, deferred (weather) to Monday 15 June: on site 15-19
  and 22-26 June, the lead inspector meets the DCS at 9am BST on the 15th (08:00 UTC).
- winter: on site Monday 30 November 2026, fieldwork 30 Nov-4 Dec and 7-11 Dec; notification call
  Monday 23 November at 9:30am GMT = 09:30 UTC. The call made, deferred to Monday 7 December: on site
  7-11 and 14-18 December, the lead inspector meets the DCS at 9am GMT on the 7th (09:00 UTC).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
import vobject
from sqlmodel import select

from calendars import LONDON
from models.records import Activity, OutboxMessage
from services.mail import calendar_files
from services.mail.context import Facts, milestones_by_key
from services.mail.letters import render_letter
from services.mail.recipients import resolve
from services.store.database import transaction
from services.store.reference_data import load_fictional_demo_people
from services.tracking import lifecycle
from services.tracking.unit_of_work import UnitOfWork

HARROW = "E09000015"
CASES = {
    "summer": {
        "now": datetime(2026, 5, 1, 10, 0, tzinfo=LONDON),
        "onsite": date(2026, 6, 8),
        "runs": [(date(2026, 6, 8), date(2026, 6, 13)), (date(2026, 6, 15), date(2026, 6, 20))],
        "call": datetime(2026, 6, 1, 8, 30, tzinfo=UTC),
        "deferred": date(2026, 6, 15),
        "deferred_runs": [(date(2026, 6, 15), date(2026, 6, 20)), (date(2026, 6, 22), date(2026, 6, 27))],
        "deferred_meeting": datetime(2026, 6, 15, 12, 0, tzinfo=UTC),  # Monday 13:00 BST
    },
    "winter": {
        "now": datetime(2026, 10, 15, 10, 0, tzinfo=LONDON),
        "onsite": date(2026, 11, 30),
        "runs": [(date(2026, 11, 30), date(2026, 12, 5)), (date(2026, 12, 7), date(2026, 12, 12))],
        "call": datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
        "deferred": date(2026, 12, 7),
        "deferred_runs": [(date(2026, 12, 7), date(2026, 12, 12)), (date(2026, 12, 14), date(2026, 12, 19))],
        "deferred_meeting": datetime(2026, 12, 7, 13, 0, tzinfo=UTC),  # Monday 13:00 GMT
    },
}


@pytest.fixture(params=list(CASES))
def case(request):
    return CASES[request.param]


@pytest.fixture
def inspection(store, calendar, case):
    """Harrow's standard inspection, registered then deferred once (for the weather)."""
    with UnitOfWork(store) as uow:
        load_fictional_demo_people(uow.session)
        activity_id = lifecycle.schedule(
            uow.session,
            activity_type="standard-inspection",
            la_code=HARROW,
            onsite=case["onsite"],
            lead="Avery Example-london 1 (fictional inspector)",
            actor="test",
            now=case["now"],
            calendar=calendar,
        ).id
    return activity_id


def _files(store, calendar, activity_id: int) -> dict[str, str]:
    """The activity's download, the region feed and the confirmation letter's attachment."""
    from services.reports import queries

    with transaction(store) as session:
        activity = session.get(Activity, activity_id)
        dcs = resolve(session, activity, "dcs", on=activity.onsite)
        rows = milestones_by_key(session, activity_id)
        letter, _ = render_letter(session, activity, rows, "confirmation", dcs)
        items = queries.due(
            session,
            as_of=activity.created_at,
            within=260,
            calendar=calendar,
            filters=queries.Filters(region="London"),
        )
        return {
            "download": calendar_files.activity_calendar(session, activity, for_la=False),
            "feed": calendar_files.feed_calendar(session, "London", items),
            "letter": letter.ics,
        }


def _check(text: str) -> icalendar.Calendar:
    """What every file must be, read by icalendar and by vobject; returns icalendar's reading."""
    cal = icalendar.Calendar.from_ical(text)
    assert cal["METHOD"] == "PUBLISH" and cal["VERSION"] == "2.0" and cal["PRODID"]
    zones = {str(z["TZID"]) for z in cal.walk("VTIMEZONE")}
    events = list(cal.walk("VEVENT"))
    assert events
    for event in events:
        for prop in ("UID", "DTSTAMP", "SEQUENCE", "SUMMARY", "DESCRIPTION", "DTSTART", "DTEND"):
            assert prop in event, (prop, event)
        start = event["DTSTART"]
        if start.params.get("TZID"):
            assert start.params["TZID"] in zones  # RFC 5545 §3.2.19
    assert zones <= {"Europe/London"}
    parsed = vobject.readOne(text)  # an independent reading: each TZID resolved by the file's VTIMEZONE
    by_uid = {str(e.uid.value): e for e in parsed.vevent_list}
    for event in events:
        theirs = by_uid[str(event["UID"])].dtstart.value
        ours = event.decoded("DTSTART")
        if isinstance(ours, datetime):
            assert theirs.astimezone(UTC) == ours.astimezone(UTC)
        else:
            assert theirs == ours
    return cal


def _event(cal, uid_part):
    return next(e for e in cal.walk("VEVENT") if str(e["UID"]).startswith(uid_part + "@"))


def test_each_file_describes_london_time_fieldwork_days_and_deadlines(store, calendar, inspection, case):
    for kind, text in _files(store, calendar, inspection).items():
        cal = _check(text)
        runs = [
            (e.decoded("DTSTART"), e.decoded("DTEND"))
            for e in cal.walk("VEVENT")
            if "-fieldwork-" in str(e["UID"])
        ]
        assert runs == case["runs"], kind
        call = _event(cal, f"activity{inspection}-notification") if kind != "letter" else None
        if call is not None:
            assert call.decoded("DTSTART").astimezone(UTC) == case["call"]
            assert call["DTSTART"].params["TZID"] == "Europe/London"
            assert int(call["SEQUENCE"]) == 0
            assert "owned by Ofsted" in str(call["DESCRIPTION"])


def test_the_vtimezone_gives_london_offsets_summer_and_winter():
    zone = calendar_files.london_timezone().to_tz()
    for moment, hours in (
        (datetime(2026, 3, 29, 0, 59), 0),  # 00:59 GMT, a minute before the clocks go forward
        (datetime(2026, 3, 29, 2, 0), 1),
        (datetime(2026, 6, 1, 9, 30), 1),
        (datetime(2026, 10, 25, 0, 59), 1),
        (datetime(2026, 10, 25, 2, 0), 0),
        (datetime(2026, 11, 23, 9, 30), 0),
    ):
        assert moment.replace(tzinfo=zone).utcoffset().total_seconds() == hours * 3600, moment


def test_a_deferral_raises_the_sequence_and_the_la_hears_only_of_its_own_dates(
    store, calendar, inspection, case
):
    with UnitOfWork(store) as uow:  # the LA hears nothing before its notification [003 ¶73]
        lifecycle.record_actual(
            uow,
            activity_id=inspection,
            key="notification",
            at=case["call"],
            by="Lead",
            note="",
            now=case["call"],
        )
    with UnitOfWork(store) as uow:
        lifecycle.defer(
            uow,
            activity_id=inspection,
            to=case["deferred"],
            reason="weather",
            by="Business Support",
            now=case["call"] + timedelta(hours=1),
        )
    download = _check(_files(store, calendar, inspection)["download"])
    meeting = _event(download, f"activity{inspection}-fieldwork_start")
    assert meeting.decoded("DTSTART").astimezone(UTC) == case["deferred_meeting"]
    assert int(meeting["SEQUENCE"]) == 1
    fieldwork = [e for e in download.walk("VEVENT") if "-fieldwork-" in str(e["UID"])]
    assert [(e.decoded("DTSTART"), e.decoded("DTEND")) for e in fieldwork] == case["deferred_runs"]
    assert {int(e["SEQUENCE"]) for e in fieldwork} == {1}

    with transaction(store) as session:
        told = session.exec(select(OutboxMessage).where(OutboxMessage.stage == "dates_changed")).all()
    la = [m for m in told if m.recipient_la_facing]
    ofsted = [m for m in told if not m.recipient_la_facing]
    assert la and ofsted
    for message in la:
        assert "Off-site evaluation" not in message.body_text
        assert "Inspection team teleconference" not in message.body_text
        assert "Child-level data lists 1-11" in message.body_text
        uids = {str(e["UID"]) for e in _check(message.ics).walk("VEVENT")}
        assert f"activity{inspection}-offsite_evaluation@ilacs-orchestrator" not in uids
        assert f"activity{inspection}-child_level_data@ilacs-orchestrator" in uids
    for message in ofsted:
        assert "Off-site evaluation" in message.body_text
        uids = {str(e["UID"]) for e in _check(message.ics).walk("VEVENT")}
        assert f"activity{inspection}-offsite_evaluation@ilacs-orchestrator" in uids


def test_a_batch_of_activities_gets_each_its_own_sequence_from_one_reading_of_the_audit(
    store, calendar, inspection, case
):
    """The sender reads the date versions of a whole batch at once: the deferred inspection's moves
    stay its own, the other activity's files are those of an activity never moved."""
    with UnitOfWork(store) as uow:
        lifecycle.record_actual(
            uow,
            activity_id=inspection,
            key="notification",
            at=case["call"],
            by="Lead",
            note="",
            now=case["call"],
        )
    with UnitOfWork(store) as uow:
        lifecycle.defer(
            uow,
            activity_id=inspection,
            to=case["deferred"],
            reason="weather",
            by="Business Support",
            now=case["call"] + timedelta(hours=1),
        )
    with UnitOfWork(store) as uow:
        other = lifecycle.schedule(
            uow.session,
            activity_type="standard-inspection",
            la_code="E09000002",
            onsite=case["onsite"],
            lead="Avery Example-london 1 (fictional inspector)",
            actor="test",
            now=case["now"],
            calendar=calendar,
        ).id
    with transaction(store) as session:
        batch = calendar_files.date_versions_of(session, [inspection, other])
        assert batch == {a: calendar_files.date_versions(session, a) for a in (inspection, other)}
        assert batch[inspection][0]["fieldwork"] == 1 and batch[other][0] == {}
        facts = Facts.load(session, [inspection, other], calendar=calendar)
        for activity_id in (inspection, other):
            activity = session.get(Activity, activity_id)
            for for_la in (False, True):
                one = calendar_files.activity_calendar(session, activity, for_la=for_la, calendar=calendar)
                assert facts.calendar_file(activity, for_la=for_la) == one
    files = {a: _check(facts.calendar_file(facts.activities[a], for_la=False)) for a in (inspection, other)}
    assert int(_event(files[inspection], f"activity{inspection}-fieldwork_start")["SEQUENCE"]) == 1
    assert int(_event(files[other], f"activity{other}-fieldwork_start")["SEQUENCE"]) == 0


@pytest.mark.e2e
def test_calcurse_imports_every_file_without_skipping_an_event(store, calendar, inspection, case, tmp_path):
    """calcurse, Debian's terminal calendar (installed by `make system-packages`), a third reading."""
    assert shutil.which("calcurse"), "calcurse is needed: make system-packages installs it"
    london = {**os.environ, "TZ": "Europe/London"}  # a computer in England
    for kind, text in _files(store, calendar, inspection).items():
        home = tmp_path / kind
        home.mkdir()
        path = home / "file.ics"
        path.write_text(text)
        done = subprocess.run(
            ["calcurse", "-D", str(home), "-i", str(path)],
            capture_output=True,
            text=True,
            timeout=30,
            env=london,
        )
        assert done.returncode == 0, done.stderr
        report = re.search(r"(\d+) apps? / (\d+) events? / \d+ todos? / (\d+) skipped", done.stdout)
        events = icalendar.Calendar.from_ical(text).walk("VEVENT")
        timed = sum(isinstance(e.decoded("DTSTART"), datetime) for e in events)
        assert report and report.groups() == (str(timed), str(len(events) - timed), "0"), done.stdout
        if kind != "letter":  # and it places the notification call at 9:30am London time
            day = case["call"].astimezone(LONDON).date()
            listed = subprocess.run(
                ["calcurse", "-D", str(home), "-Q", "--from", f"{day:%m/%d/%Y}", "--days", "1"],
                capture_output=True,
                text=True,
                timeout=30,
                env=london,
            ).stdout
            assert "09:30" in listed and "Notification call to the DCS" in listed, listed


def test_a_letter_to_the_dcs_names_the_lead_inspector_and_how_to_reach_them(store, calendar, inspection):
    with transaction(store) as session:
        activity = session.get(Activity, inspection)
        dcs = resolve(session, activity, "dcs", on=activity.onsite)
        rows = milestones_by_key(session, inspection)
        letter, _ = render_letter(session, activity, rows, "confirmation", dcs)
    line = (
        "Your lead inspector is Avery Example-london 1 (fictional inspector). You can contact them at "
        "inspector1.london@example.org."
    )
    assert line in " ".join(letter.text.split())
    assert "inspector1.london@example.org" in letter.html
