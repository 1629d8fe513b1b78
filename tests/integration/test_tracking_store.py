"""The tracking store on SQLite and on a real PostgreSQL server: every test runs on both."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, inspect, text
from sqlmodel import select

from calendars import LONDON, england_calendar
from models.records import Activity, AuditEntry, Deferral, LocalAuthority, Milestone
from services.store import audit, open_store
from services.store.database import transaction
from services.tracking import lifecycle
from services.tracking.unit_of_work import UnitOfWork
from tests.helpers import day, when

BARKING = "E09000002"
NOW = datetime(2025, 1, 2, 9, 0, tzinfo=UTC)


def schedule(engine, activity_type="standard-inspection", onsite="Monday 2025-01-13", *, la=BARKING, **kw):
    with transaction(engine) as session:
        return lifecycle.schedule(
            session,
            activity_type=activity_type,
            la_code=la,
            onsite=day(onsite),
            lead="Ann Lead",
            flags=frozenset(kw.pop("flags", ())),
            override=kw.pop("override", ""),
            actor="Bea Support",
            now=NOW,
            calendar=england_calendar(),
        ).id


def stored(engine, activity_id) -> dict[str, Milestone]:
    with transaction(engine) as session:
        return {m.key: m for m in lifecycle.milestones(session, activity_id)}


def everything(engine) -> dict:
    """Every row of every table, to show that a refused change wrote nothing."""
    with engine.connect() as connection:
        names = inspect(connection).get_table_names()
        return {n: connection.execute(text(f"SELECT * FROM {n} ORDER BY 1")).all() for n in sorted(names)}


def test_a_new_database_is_migrated_and_holds_the_reference_local_authorities(store):
    with transaction(store) as session:
        assert session.exec(select(func.count()).select_from(LocalAuthority)).one() == 156
        barking = session.exec(select(LocalAuthority).where(LocalAuthority.ons_code == BARKING)).one()
    assert (barking.name, barking.ofsted_region) == ("Barking and Dagenham", "London")


def test_opening_the_store_again_from_another_process_changes_nothing(store, database_url):
    from services.store.database import make_engine, migrate
    from services.store.reference_data import ensure_reference_local_authorities

    before = everything(store)
    second = make_engine(database_url)  # what a second command does on its first call
    migrate(second)
    ensure_reference_local_authorities(second)
    second.dispose()
    assert everything(store) == before


def test_sqlite_runs_in_wal_mode(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_scheduling_stores_every_milestone_in_utc_and_audits_it(store):
    activity_id = schedule(store)
    milestones = stored(store, activity_id)
    assert when(milestones["notification"].target.astimezone(LONDON)) == "Monday 2025-01-06 09:30 +0000"
    assert when(milestones["action_plan_due"].target.astimezone(LONDON)) == "Tuesday 2025-06-03 17:00 +0100"
    assert milestones["action_plan_due"].target.tzinfo == UTC
    with transaction(store) as session:
        entry = session.exec(select(AuditEntry)).one()
    assert (entry.action, entry.activity_id, entry.after["onsite"]) == ("schedule", activity_id, "2025-01-13")


def test_recording_a_late_draft_moves_the_las_deadline_and_the_forecast_publication(store):
    activity_id = schedule(store)
    with UnitOfWork(store) as uow:
        lifecycle.record_actual(
            uow,
            activity_id=activity_id,
            key="draft_report_sent",
            at=datetime(2025, 2, 10, 11, 0, tzinfo=LONDON),
            by="Ann Lead",
            note="QA took longer",
            now=datetime(2025, 2, 10, 12, 0, tzinfo=UTC),
        )
    milestones = stored(store, activity_id)
    comments, publication = milestones["factual_accuracy_comments"], milestones["publication"]
    assert when(comments.target.astimezone(LONDON)) == "Thursday 2025-02-13 17:00 +0000"
    assert when(publication.target.astimezone(LONDON)) == "Monday 2025-02-24 09:30 +0000"
    assert when(publication.forecast.astimezone(LONDON)) == "Tuesday 2025-02-25 09:30 +0000"
    assert milestones["draft_report_sent"].recorded_by == "Ann Lead"
    with transaction(store) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "record")).one()
    assert entry.before["factual_accuracy_comments"]["target"] == "2025-02-12T17:00:00+00:00"
    assert entry.after["factual_accuracy_comments"]["target"] == "2025-02-13T17:00:00+00:00"
    assert entry.before["draft_report_sent"]["actual"] is None


def test_undo_is_a_new_audited_entry_that_restores_the_dates(store):
    activity_id = schedule(store)
    planned = {k: (m.target, m.forecast) for k, m in stored(store, activity_id).items()}
    with UnitOfWork(store) as uow:
        lifecycle.record_actual(
            uow,
            activity_id=activity_id,
            key="draft_report_sent",
            at=datetime(2025, 2, 10, 11, tzinfo=LONDON),
            by="Ann Lead",
            note="",
            now=datetime(2025, 2, 10, 12, tzinfo=UTC),
        )
    with UnitOfWork(store) as uow:
        lifecycle.undo_actual(
            uow,
            activity_id=activity_id,
            key="draft_report_sent",
            by="Bea Support",
            reason="wrong activity",
            now=datetime(2025, 2, 10, 13, tzinfo=UTC),
        )
    assert {k: (m.target, m.forecast) for k, m in stored(store, activity_id).items()} == planned
    with transaction(store) as session:
        actions = [e.action for e in session.exec(select(AuditEntry).order_by(AuditEntry.id))]
        assert actions == ["schedule", "record", "undo"]
        assert audit.verify(session).verified


def test_a_clash_at_the_same_la_is_refused_and_writes_nothing(store):
    schedule(store)
    before = everything(store)
    with pytest.raises(lifecycle.TrackingError, match="clashes with activity 1"):
        schedule(store, "focused-visit", "Tuesday 2025-01-21")
    assert everything(store) == before
    schedule(store, "focused-visit", "Tuesday 2025-01-21", la="E09000003")  # another LA is fine


def test_no_standard_inspection_starts_over_christmas_unless_overridden_and_audited(store):
    with pytest.raises(lifecycle.TrackingError, match="Christmas and New Year period.*--override"):
        schedule(store, "standard-inspection", "Monday 2025-12-22")
    activity_id = schedule(store, "standard-inspection", "Monday 2025-12-22", override="agreed by the RD")
    with transaction(store) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.activity_id == activity_id)).one()
    assert entry.reason == "override: agreed by the RD"


def test_a_focused_visit_in_august_needs_agreement(store):
    with pytest.raises(lifecycle.TrackingError, match="August"):
        schedule(store, "focused-visit", "Tuesday 2025-08-12")
    schedule(store, "focused-visit", "Tuesday 2025-08-12", flags={"by_agreement"})
    schedule(store, "monitoring-visit", "Tuesday 2025-08-19", la="E09000003")


@pytest.mark.parametrize("reason", ["dcs-absence", "staff-absence", "holiday"])
def test_deferral_for_a_reason_the_framework_does_not_allow_changes_nothing(store, reason):
    activity_id = schedule(store)
    before = everything(store)
    with (
        pytest.raises(lifecycle.TrackingError, match=r"\(framework paragraph 16\)"),
        UnitOfWork(store) as uow,
    ):
        lifecycle.defer(
            uow,
            activity_id=activity_id,
            to=day("Monday 2025-01-20"),
            reason=reason,
            by="Bea Support",
            now=NOW,
        )
    assert everything(store) == before


def test_deferral_for_weather_replans_every_milestone_and_audits_old_and_new_dates(store):
    activity_id = schedule(store)
    with UnitOfWork(store) as uow:
        lifecycle.defer(
            uow,
            activity_id=activity_id,
            to=day("Monday 2025-01-20"),
            reason="weather",
            by="Bea Support",
            now=NOW,
        )
    milestones = stored(store, activity_id)
    assert when(milestones["notification"].target.astimezone(LONDON)) == "Monday 2025-01-13 09:30 +0000"
    assert when(milestones["publication"].target.astimezone(LONDON)) == "Monday 2025-03-03 09:30 +0000"
    with transaction(store) as session:
        found = session.get(Activity, activity_id)
        deferral = session.exec(select(Deferral)).one()
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "defer")).one()
    assert (found.onsite, found.fieldwork_end) == (day("Monday 2025-01-20"), day("Friday 2025-01-31"))
    assert (deferral.old_onsite, deferral.reason) == (day("Monday 2025-01-13"), "weather")
    assert (entry.before["onsite"], entry.after["onsite"]) == ("2025-01-13", "2025-01-20")
    assert entry.before["publication"]["target"] == "2025-02-24T09:30:00+00:00"


def test_the_audit_log_refuses_updates_and_deletes(store):
    schedule(store)
    for statement in ("UPDATE audit_entry SET actor = 'someone else'", "DELETE FROM audit_entry"):
        with pytest.raises(Exception, match="append-only"), store.begin() as connection:
            connection.execute(text(statement))


def test_a_tampered_audit_entry_is_caught_and_named(store):
    for onsite in ("Monday 2025-01-13", "Monday 2025-03-03", "Monday 2025-05-12"):
        schedule(store, "standard-inspection", onsite)
    with store.begin() as connection:  # someone with database rights goes round the trigger
        if store.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
            connection.execute(text("UPDATE audit_entry SET actor = 'Mallory' WHERE id = 2"))
            connection.execute(text("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only"))
        else:
            connection.execute(text("DROP TRIGGER audit_entry_no_update"))
            connection.execute(text("UPDATE audit_entry SET actor = 'Mallory' WHERE id = 2"))
    with transaction(store) as session:
        check = audit.verify(session)
    assert (check.verified, check.first_broken, check.entries) == (False, 2, 2)
    assert "entry 2" in str(check) and "BROKEN" in str(check)


def test_an_actual_in_the_future_is_refused(store):
    activity_id = schedule(store)
    said = "^Notification call to the DCS cannot be recorded as done in the future"  # its title, not its key
    with pytest.raises(lifecycle.TrackingError, match=said), UnitOfWork(store) as uow:
        lifecycle.record_actual(
            uow,
            activity_id=activity_id,
            key="notification",
            at=datetime(2025, 1, 6, 9, 30, tzinfo=LONDON),
            by="Ann Lead",
            note="",
            now=NOW,
        )


def test_the_migrations_build_exactly_the_tables_the_models_describe(store):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    with store.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_changes_to_one_activity_queue_rather_than_interleave(store):
    from sqlalchemy.exc import OperationalError

    activity_id = schedule(store)
    with transaction(store) as holder:
        lifecycle.activity(holder, activity_id)  # holds the activity's lock until this block ends
        with pytest.raises(OperationalError, match="lock timeout"), UnitOfWork(store) as other:
            other.session.execute(text("SET LOCAL lock_timeout = '300ms'"))
            lifecycle.record_actual(
                other,
                activity_id=activity_id,
                key="notification",
                at=datetime(2025, 1, 6, 9, 30, tzinfo=LONDON),
                by="Ann Lead",
                note="",
                now=datetime(2025, 1, 6, 10, tzinfo=UTC),
            )


def test_a_plain_postgresql_url_uses_the_shipped_driver(postgres_url):
    from services.store.database import make_engine

    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    engine = make_engine(plain)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
    assert engine.dialect.driver == "psycopg"
