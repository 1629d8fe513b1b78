"""Three weeks of an inspection replayed day by day with the clock itself pinned (time-machine), not
`--as-of`: staff type the commands without a date, as they do, in British Summer Time and in winter.
Every actual is the clock's instant, every sent email's time is the clock's, and the audit chain
verifies every evening and holds each day's checkpoint."""

from __future__ import annotations

import json
import shlex
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from sqlmodel import select

from calendars import LONDON, england_calendar
from interfaces.cli import main
from models.records import OutboxMessage
from services.store.database import transaction
from tests.helpers import day

pytestmark = pytest.mark.slow  # three weeks of commands, day by day, in each season

SEASONS = {
    # (first day replayed, first day on site, last day replayed, London's offset from UTC)
    "summer": (day("Thursday 2026-06-04"), "2026-06-15", day("Friday 2026-06-26"), timedelta(hours=1)),
    "winter": (day("Thursday 2026-01-08"), "2026-01-19", day("Friday 2026-01-30"), timedelta(0)),
}


def run(capsys, command: str) -> tuple[int, str]:
    status = main(shlex.split(command))
    out, err = capsys.readouterr()
    assert status == 0, f"{command}: {err}"
    return status, out


@pytest.mark.parametrize("season", SEASONS)
def test_an_inspection_replayed_on_the_clock_keeps_a_record_that_verifies(
    store, capsys, monkeypatch, tmp_path, season
):
    first, onsite, last, offset = SEASONS[season]
    monkeypatch.setenv("ILACS_MAIL_TRANSPORT", "directory")
    monkeypatch.setenv("ILACS_MAIL_DIR", str(tmp_path / "mail"))
    run(capsys, "import contacts models/reference_data/fictional-demo-contacts.csv")
    run(capsys, "import staff models/reference_data/fictional-demo-staff.csv")
    calendar = england_calendar()
    recorded: dict[str, datetime] = {}
    with time_machine.travel(datetime.combine(first, time(9, 0), tzinfo=LONDON), tick=False) as clock:
        assert datetime.now(UTC).astimezone(LONDON).utcoffset() == offset  # the clock, not --as-of
        run(
            capsys,
            f"schedule standard-inspection --la E09000002 --onsite {onsite} --lead 'Ann Lead' --by Bea",
        )
        today = first
        while today <= last:
            if calendar.is_working_day(today):
                clock.move_to(datetime.combine(today, time(7, 0), tzinfo=LONDON))
                run(capsys, "sweep")
                run(capsys, "send")
                clock.move_to(datetime.combine(today, time(18, 30), tzinfo=LONDON))
                shown = json.loads(run(capsys, "show 1 --json")[1])
                for milestone in shown["milestones"]:
                    target = datetime.fromisoformat(milestone["target"]) if milestone["target"] else None
                    if target and target.date() == today and milestone["actual"] is None:
                        run(capsys, f"done 1 {milestone['key']} --by Bea")  # no --at: now, by the clock
                        recorded[milestone["key"]] = datetime.now(UTC)
                run(capsys, "audit checkpoint")
            assert run(capsys, "audit verify")[1].startswith("audit chain verifies over ")
            today += timedelta(days=1)

    shown = {m["key"]: m for m in json.loads(run(capsys, "show 1 --json")[1])["milestones"]}
    assert set(recorded) >= {"notification", "fieldwork_start", "feedback_meeting"}
    for key, at in recorded.items():
        actual = datetime.fromisoformat(shown[key]["actual"])
        assert actual == at and actual.utcoffset() == offset  # shown in London time: 18:30 that day
        assert actual.time() == time(18, 30)
    with transaction(store) as session:
        sent = session.exec(select(OutboxMessage).where(OutboxMessage.sent_at.is_not(None))).all()
    assert sent, "the replay sent mail"
    for message in sent:  # sent at 07:00 London by the clock, whatever the season
        assert message.sent_at.astimezone(LONDON).time() == time(7, 0)
        assert message.sent_at.astimezone(LONDON).utcoffset() == offset
        assert first <= message.sent_at.astimezone(LONDON).date() <= last
