"""Every date-time the store keeps comes back as the same instant, in UTC, on SQLite and PostgreSQL,
whatever offset it was given in, across the clock changes of many years; and the audit chain verifies
over entries made at any such instant.

The columns are found from the models, so a new date-time field is covered the day it is added."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import JSON, Boolean, Date, Integer, insert, select, text
from sqlmodel import SQLModel

from calendars import LONDON
from models.records import StateName, UTCDateTime
from services.store import audit, open_store
from services.store.database import transaction

pytestmark = pytest.mark.slow  # hypothesis: many instants across the clock changes, through every column


def _clock_changes(first: int, last: int) -> list[datetime]:
    """Every instant London's offset changed, found by walking the hours (no rule assumed)."""
    changes, moment = [], datetime(first, 1, 1, tzinfo=UTC)
    while moment.year <= last:
        later = moment + timedelta(hours=1)
        if moment.astimezone(LONDON).utcoffset() != later.astimezone(LONDON).utcoffset():
            changes.append(later)
        moment = later
    return changes


CLOCK_CHANGES = _clock_changes(2018, 2030)
near_a_clock_change = st.builds(
    lambda change, seconds, micro: change + timedelta(seconds=seconds, microseconds=micro),
    st.sampled_from(CLOCK_CHANGES),
    st.integers(-3 * 3600, 3 * 3600),
    st.integers(0, 999_999),
)
any_instant = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2060, 12, 31), timezones=st.just(UTC)
)
zones = st.one_of(
    st.just(LONDON),
    st.just(UTC),
    st.timezones(),
    st.builds(lambda minutes: timezone(timedelta(minutes=minutes)), st.integers(-23 * 60 - 59, 23 * 60 + 59)),
)
moments = st.builds(
    lambda instant, zone: instant.astimezone(zone), st.one_of(near_a_clock_change, any_instant), zones
)


def test_the_clock_changes_were_found():
    assert len(CLOCK_CHANGES) == 26
    assert CLOCK_CHANGES[0] == datetime(2018, 3, 25, 1, 0, tzinfo=UTC)  # Sunday: 01:00 GMT -> 02:00 BST
    assert CLOCK_CHANGES[1] == datetime(2018, 10, 28, 1, 0, tzinfo=UTC)  # Sunday: 02:00 BST -> 01:00 GMT


def _datetime_columns():
    return [
        (table, column)
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, UTCDateTime)
    ]


def test_every_date_time_column_of_every_table_is_kept_in_utc():
    from sqlalchemy import DateTime

    plain = [
        f"{table.name}.{column.name}"
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, DateTime)
    ]
    assert plain == []  # a bare DateTime column would keep whatever offset it was handed
    names = {f"{t.name}.{c.name}" for t, c in _datetime_columns()}
    assert {
        "milestone.target",
        "milestone.actual",
        "deferral.deferred_at",
        "outbox_message.not_before",
        "outbox_message.sent_at",
        "audit_entry.at",
        "app_user.created_at",
    } <= names


def _value(column, moment: datetime, parents: dict[str, int]):
    """A value any column accepts: unique where it must be, the parent's id for a foreign key."""
    if column.foreign_keys:
        return parents[next(iter(column.foreign_keys)).column.table.name]
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return moment
    if isinstance(kind, StateName):
        return next(iter(kind.states))
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, Integer):
        return 1
    if isinstance(kind, Date):
        return date(2026, 7, 1)
    if isinstance(kind, JSON):
        return []
    return uuid.uuid4().hex


def _insert(connection, table, moment: datetime, parents: dict[str, int]) -> int:
    values = {c.name: _value(c, moment, parents) for c in table.columns if not c.primary_key}
    if table.name == "audit_entry":
        values["seal"] = "test"  # a row for the round trip, not a sealed entry
    return connection.execute(insert(table).values(values).returning(table.c.id)).scalar_one()


@pytest.fixture
def odd_session_time_zone(store, database_url):
    """PostgreSQL answers timestamptz in the session's time zone: make it one with a 45-minute offset
    that changes in summer, so nothing passes by the server happening to be on UTC."""
    if store.dialect.name == "postgresql":
        name = database_url.rsplit("/", 1)[1]
        with store.connect() as connection:
            connection.execute(text(f"ALTER DATABASE {name} SET timezone = 'Pacific/Chatham'"))
            connection.commit()
        store.dispose()
        with store.connect() as connection:
            assert connection.execute(text("SHOW timezone")).scalar() == "Pacific/Chatham"
    return store


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moment=moments)
def test_every_stored_date_time_round_trips_as_the_same_instant_in_utc(odd_session_time_zone, moment):
    store = odd_session_time_zone
    with store.begin() as connection:
        parents: dict[str, int] = {}
        written: dict[str, int] = {}
        for table in SQLModel.metadata.sorted_tables:  # parents first
            written[table.name] = _insert(connection, table, moment, parents)
            parents.setdefault(table.name, written[table.name])
    with store.connect() as connection:
        for table, column in _datetime_columns():
            back = connection.execute(select(column).where(table.c.id == written[table.name])).scalar_one()
            # in UTC: Python never calls a time in the autumn's repeated hour equal to one in another zone
            assert back == moment.astimezone(UTC), f"{table.name}.{column.name}"
            assert back.tzinfo == UTC and back.utcoffset() == timedelta(0), f"{table.name}.{column.name}"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moments=st.lists(moments, min_size=1, max_size=4))
def test_the_audit_chain_verifies_over_entries_made_at_any_instant(odd_session_time_zone, moments):
    store = odd_session_time_zone
    with transaction(store) as session:
        for moment in moments:
            audit.append(session, at=moment, actor="Bea", action="note", after={"given": moment.isoformat()})
    with transaction(store) as session:
        check = audit.verify(session)
    assert check.verified, str(check)


def test_a_store_reopened_in_another_process_time_zone_still_verifies(store, database_url, monkeypatch):
    """The machine's own time zone (TZ) plays no part."""
    import time

    with transaction(store) as session:
        audit.append(session, at=datetime(2026, 7, 1, 10, tzinfo=LONDON), actor="Bea", action="note")
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        import services.store

        services.store._opened.pop(database_url, None)  # as a new process would find it
        reopened = open_store(database_url)
        with transaction(reopened) as session:
            assert audit.verify(session).verified
        assert datetime.now().astimezone().utcoffset() == timedelta(hours=5, minutes=30)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
