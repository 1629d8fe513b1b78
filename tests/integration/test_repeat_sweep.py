"""A second sweep the same day sweeps again only what may have changed since the first, and still
queues exactly what the per-activity oracle says: after an activity registered between the two (no
mail of its own until a sweep), after a milestone recorded, after contacts imported (not audited: every
activity is swept again), and when the second sweep is killed part-way and run again. Winter and
summer, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlmodel import select

from models.records import Activity, SweepRun
from services.mail import gate
from services.mail import sweep as sweep_module
from services.mail.sweep import sweep_in_batches
from services.store.database import transaction
from services.store.reference_data import import_contacts, import_staff
from services.tracking import lifecycle
from services.tracking.unit_of_work import UnitOfWork
from tests.helpers import sweep_dies_on_the_second_batch
from tests.integration.test_sweep_oracle import (
    ACTIVITIES,
    CALENDAR,
    CONTACTS,
    LONDON,
    POLICY,
    STAFF,
    as_sets,
    oracle_pass,
    snapshot,
)

pytestmark = pytest.mark.slow  # the oracle on two backends

FIRST_DAYS = {"winter": date(2025, 1, 2), "summer": date(2025, 6, 5)}  # Thursdays, GMT and BST


def schedule(store, kind: str, la: str, lead: str, ahead: int, *, first: date, at: datetime) -> int:
    """Register through the service in a plain transaction: audited, and no email until a sweep."""
    with transaction(store) as session:
        found = lifecycle.schedule(
            session,
            activity_type=kind,
            la_code=la,
            onsite=CALENDAR.add_working_days(first, ahead),
            lead=lead,
            actor="Bea Support",
            now=at,
            calendar=CALENDAR,
        )
        return found.id


@pytest.fixture(params=sorted(FIRST_DAYS))
def first_day(request, store):
    """Contacts, staff and three activities, registered at 06:00 on the first day."""
    first = FIRST_DAYS[request.param]
    with transaction(store) as session:
        import_contacts(session, CONTACTS, source="contacts.csv")
        import_staff(session, STAFF, source="staff.csv")
    for kind, la, lead, ahead in ACTIVITIES[:3]:
        schedule(
            store, kind, la, lead, ahead, first=first, at=datetime.combine(first, time(6), tzinfo=LONDON)
        )
    return first


def swept_by(monkeypatch) -> list[int]:
    """The activities each batch of the sweeps that follow takes in hand."""
    swept: list[int] = []
    real_batch = sweep_module._sweep_batch

    def counted(session, ids, *, ladders):
        swept.extend(ids)
        return real_batch(session, ids, ladders=ladders)

    monkeypatch.setattr(sweep_module, "_sweep_batch", counted)
    return swept


def assert_as_the_oracle(store, as_of: datetime, swept) -> tuple:
    """Sweep in batches and compare with the oracle: the rows, what was queued and cancelled; the drops
    only of the activities swept (those of the others were reported by the sweep before)."""
    (queued, dropped, cancelled), rows = oracle_pass(store, as_of)
    report = sweep_in_batches(store, as_of=as_of, calendar=CALENDAR, policy=POLICY, batch=1)
    got_queued, got_dropped, got_cancelled = as_sets(report)
    with transaction(store) as session:
        assert snapshot(session) == rows
    assert (got_queued, got_cancelled) == (queued, cancelled)
    assert set(got_dropped) <= set(dropped)
    assert {int(line.split(":")[0]) for line in got_dropped} <= set(swept)
    return got_queued, got_dropped, got_cancelled


def planned_ids(store) -> list[int]:
    with transaction(store) as session:
        return sorted(session.exec(select(Activity.id).where(Activity.status == "planned")))


def test_an_activity_registered_and_a_milestone_recorded_between_two_sweeps(store, first_day, monkeypatch):
    morning = datetime.combine(first_day, time(7), tzinfo=LONDON)
    swept = swept_by(monkeypatch)
    first = assert_as_the_oracle(store, morning, swept)
    assert first[0] and swept == [1, 2, 3]  # the first sweep of the day: every activity

    kind, la, lead, ahead = ACTIVITIES[3]
    noon = datetime.combine(first_day, time(12), tzinfo=LONDON)
    new = schedule(store, kind, la, lead, ahead, first=first_day, at=noon)
    with transaction(store) as session:
        notification = gate.notification_key(session.get(Activity, 1))
    with UnitOfWork(store, calendar=CALENDAR, policy=POLICY) as uow:
        lifecycle.record_actual(
            uow, activity_id=1, key=notification, at=noon, by="Ann Lead", note="", now=noon
        )

    swept.clear()
    evening = datetime.combine(first_day, time(17, 30), tzinfo=LONDON)
    queued, _, _ = assert_as_the_oracle(store, evening, swept)
    assert sorted(swept) == [1, new]  # the two changed, not the two untouched
    assert queued and {key.split(":")[0] for key in queued} == {str(new)}  # the new one's reminders

    swept.clear()
    late = assert_as_the_oracle(store, evening.replace(hour=20), swept)
    assert swept == [] and late == ([], [], [])  # nothing changed since: nothing swept


def test_people_imported_between_two_sweeps_sweep_every_activity_again(store, first_day, monkeypatch):
    morning = datetime.combine(first_day, time(7), tzinfo=LONDON)
    swept = swept_by(monkeypatch)
    assert_as_the_oracle(store, morning, swept)
    with transaction(store) as session:  # the lead inspector's new address: imported, not audited
        import_staff(
            session,
            "name,role,email,ofsted_region\nAnn Lead,lead_inspector,ann.lead@new.example.org,London\n",
            source="staff.csv",
        )
    swept.clear()
    queued, _, cancelled = assert_as_the_oracle(store, morning.replace(hour=15), swept)
    assert swept == planned_ids(store)
    assert {k.split(":")[-1] for k in queued} == {"ann.lead@new.example.org"} and cancelled


def test_a_repeat_sweep_killed_part_way_resumes_where_it_stopped(store, first_day, monkeypatch):
    morning = datetime.combine(first_day, time(7), tzinfo=LONDON)
    sweep_in_batches(store, as_of=morning, calendar=CALENDAR, policy=POLICY)
    noon = datetime.combine(first_day, time(12), tzinfo=LONDON)
    added = [schedule(store, *ACTIVITIES[i], first=first_day, at=noon) for i in (3, 4)]

    batches, revive = sweep_dies_on_the_second_batch(monkeypatch)
    evening = datetime.combine(first_day, time(17), tzinfo=LONDON)
    with pytest.raises(KeyboardInterrupt):
        sweep_in_batches(store, as_of=evening, calendar=CALENDAR, policy=POLICY, batch=1)
    assert batches == [[added[0]], [added[1]]]
    with transaction(store) as session:
        killed = session.exec(select(SweepRun).order_by(SweepRun.id.desc())).first()
        assert (killed.through, killed.finished) == (added[0], False)

    revive()
    swept = swept_by(monkeypatch)
    assert_as_the_oracle(store, evening.replace(minute=5), swept)
    assert swept == [added[1]]  # only the activity the killed sweep had not committed


def test_a_sweep_of_another_day_in_between_makes_the_next_a_whole_one(store, first_day, monkeypatch):
    """Replaying days out of order: the rows stand as the other day's sweep left them."""
    morning = datetime.combine(first_day, time(7), tzinfo=LONDON)
    next_day = datetime.combine(CALENDAR.add_working_days(first_day, 3), time(7), tzinfo=LONDON)
    swept = swept_by(monkeypatch)
    assert_as_the_oracle(store, morning, swept)
    assert_as_the_oracle(store, next_day, swept)
    swept.clear()
    queued, _, _ = assert_as_the_oracle(store, morning.replace(hour=16), swept)
    assert swept == planned_ids(store)
    assert queued  # the first day's steps, cancelled by the later day's sweep, queued again
