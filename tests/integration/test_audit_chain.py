"""The audit chain under every clock and against tampering, on SQLite and on a real PostgreSQL server.

The tampering is done as someone with full rights on the database but without the audit key (which
lives outside it): they go round the append-only triggers, then edit, remove, cut or rebuild."""

from __future__ import annotations

import hashlib
import hmac
import json
import shlex
import stat
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlmodel import select

from calendars import LONDON
from interfaces.cli import main
from models.records import AuditEntry
from services.store import audit, open_store
from services.store.database import make_engine, transaction

pytestmark = pytest.mark.slow  # chains sealed, cut, rebuilt and re-verified through the command line

SCHEDULE = "schedule standard-inspection --la E09000003 --lead Ann"
MARQUESAS = timezone(timedelta(hours=-9, minutes=-30))


def run(capsys, command: str) -> tuple[int, str, str]:
    status = main(shlex.split(command))
    out, err = capsys.readouterr()
    return status, out, err


def verified(engine) -> audit.ChainCheck:
    with transaction(engine) as session:
        return audit.verify(session)


@contextmanager
def around_the_triggers(engine):
    """A connection on which the append-only triggers do not fire, as a superuser (or a file editor)
    could arrange."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            for verb in ("update", "delete"):
                connection.execute(text(f"DROP TRIGGER IF EXISTS audit_entry_no_{verb}"))
        yield connection


def schedule_three(capsys, as_of: str) -> None:
    for onsite in ("2026-10-05", "2026-11-02", "2027-01-18"):  # 18 January: notified after New Year
        assert run(capsys, f"{SCHEDULE} --onsite {onsite} --as-of {as_of}")[0] == 0


def five_entries_then_a_checkpoint(store, capsys) -> None:
    schedule_three(capsys, "2026-07-01T10:00")
    assert run(capsys, "done 1 notification --at 2026-09-28T09:30 --by Bea --as-of 2026-09-28T10:00")[0] == 0
    assert run(capsys, "done 2 notification --at 2026-10-26T09:30 --by Bea --as-of 2026-10-26T10:00")[0] == 0
    assert run(capsys, "audit checkpoint")[0] == 0


# The clock ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "as_of",
    [
        "2026-07-01T10:00",  # British Summer Time: London is UTC+1
        "2026-01-05T10:00",  # winter: London is UTC
        "2026-01-05T10:00+05:00",  # any other offset
        "2026-10-25T01:30+01:00",  # the autumn hour that happens twice, first time
        "2026-10-25T01:30+00:00",  # and second time
    ],
)
def test_a_change_made_at_any_offset_verifies(store, capsys, as_of):
    assert run(capsys, f"{SCHEDULE} --onsite 2027-03-01 --as-of {as_of}")[0] == 0
    status, out, _ = run(capsys, "audit verify")
    assert (status, out.split(";")[0]) == (0, "audit chain verifies over 1 entry")
    status, out, _ = run(capsys, "compliance report --from 2027-01-01 --to 2027-12-31")
    assert status == 0 and "audit chain verifies over 1 entry" in out


def test_the_stored_time_of_an_entry_is_the_instant_given_whatever_its_offset(store):
    given = datetime(2026, 7, 1, 10, 0, 0, 123456, tzinfo=timezone(timedelta(hours=5, minutes=45)))
    with transaction(store) as session:
        audit.append(session, at=given, actor="Bea", action="note")
    with transaction(store) as session:
        entry = session.exec(select(AuditEntry)).one()
    assert entry.at == given and entry.at.tzinfo == UTC
    assert audit.canonical_instant(entry.at) == "2026-07-01T04:15:00.123456Z"


# Entries written before the key ---------------------------------------------------------------------


def _old_code_wrote(connection, entries: list[tuple[datetime, str]]) -> None:
    """What the store's earlier code did: a plain SHA-256 over the time as it was given."""
    prev = audit.GENESIS
    for at, actor in entries:
        content = {
            "at": at.isoformat(),
            "actor": actor,
            "action": "schedule",
            "activity_id": None,
            "subject": "",
            "before": None,
            "after": {"onsite": "2026-10-05"},
            "reason": "",
        }
        payload = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        digest = hashlib.sha256(f"{prev}\n{payload}".encode()).hexdigest()
        connection.execute(
            text(
                "INSERT INTO audit_entry (at, actor, action, subject, after, reason, prev_hash, hash) "
                "VALUES (:at, :actor, 'schedule', '', :after, '', :prev, :hash)"
            ),
            {
                "at": at.astimezone(UTC).replace(tzinfo=None) if connection.dialect.name == "sqlite" else at,
                "actor": actor,
                "after": json.dumps(content["after"]),
                "prev": prev,
                "hash": digest,
            },
        )
        prev = digest


def test_entries_the_old_code_sealed_in_summer_verify_and_are_never_resealed(database_url, capsys):
    from services.store.database import _alembic_config

    engine = make_engine(database_url)
    with engine.begin() as connection:  # a store as the earlier release left it
        from alembic import command

        config = _alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
        _old_code_wrote(
            connection,
            [
                (datetime(2026, 7, 1, 10, 0, tzinfo=LONDON), "summer, London"),
                (datetime(2026, 1, 5, 10, 0, tzinfo=timezone(timedelta(hours=5))), "winter, +05:00"),
                (datetime(2026, 2, 1, 9, 0, tzinfo=UTC), "winter, UTC"),
                (datetime(2026, 8, 3, 9, 0, 0, 250000, tzinfo=MARQUESAS), "Marquesas, with microseconds"),
            ],
        )
    with engine.connect() as connection:
        before = connection.execute(text("SELECT id, hash, prev_hash FROM audit_entry ORDER BY id")).all()
    engine.dispose()

    upgraded = open_store(database_url)  # migrates to the newest schema and anchors the chain
    check = verified(upgraded)
    assert (check.verified, check.entries, check.legacy) == (True, 4, 4)
    with transaction(upgraded) as session:
        audit.append(session, at=datetime(2026, 11, 23, 9, tzinfo=UTC), actor="Bea", action="note")
    with upgraded.connect() as connection:
        after = connection.execute(
            text("SELECT id, hash, prev_hash, seal FROM audit_entry ORDER BY id")
        ).all()
    assert [tuple(row[:3]) for row in after[:4]] == [tuple(row) for row in before]
    assert [row.seal for row in after] == ["legacy-sha256"] * 4 + ["hmac-sha256"]
    assert verified(upgraded).verified


def rebuild(store, *, edit_id: int, actor: str, seal) -> None:
    """Edit one entry's actor and re-seal it and every later entry with `seal(entry, prev_hash)`,
    which gives (hash, seal name), writing round the triggers."""
    with transaction(store) as session:
        entries = session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()
    with around_the_triggers(store) as connection:
        prev = next(e.hash for e in reversed(entries) if e.id < edit_id)
        for entry in (e for e in entries if e.id >= edit_id):
            if entry.id == edit_id:
                entry.actor = actor
            digest, seal_name = seal(entry, prev)
            connection.execute(
                text("UPDATE audit_entry SET actor=:a, prev_hash=:p, hash=:h, seal=:s WHERE id=:i"),
                {"a": entry.actor, "p": prev + "x", "h": digest + "x", "s": seal_name, "i": entry.id},
            )  # suffixed first: the unique hashes must not clash half-way
            prev = digest
        connection.execute(
            text("UPDATE audit_entry SET hash = substr(hash, 1, 64), prev_hash = substr(prev_hash, 1, 64)")
        )


def old_digest(entry: AuditEntry, prev: str) -> tuple[str, str]:
    """The earlier release's own digest function: plain SHA-256, no key."""
    payload = audit._payload(entry, entry.at.isoformat()).decode()
    return hashlib.sha256(f"{prev}\n{payload}".encode()).hexdigest(), "legacy-sha256"


def test_no_entry_may_be_sealed_the_old_way_after_the_key_is_in_use(store, capsys):
    five_entries_then_a_checkpoint(store, capsys)
    rebuild(store, edit_id=3, actor="Mallory", seal=old_digest)
    check = verified(store)
    assert (check.verified, check.first_broken) == (False, 3)
    assert "sealed the old way, without the key, after the key was in use" in check.problem


# Tampering ------------------------------------------------------------------------------------------


def test_an_edited_entry_is_named(store, capsys):
    five_entries_then_a_checkpoint(store, capsys)
    with around_the_triggers(store) as connection:
        connection.execute(text("UPDATE audit_entry SET actor = 'Mallory' WHERE id = 4"))
    status, out, _ = run(capsys, "audit verify")
    assert status == 1
    assert (
        out == "audit chain BROKEN at entry 4: its content no longer matches its seal: edited (4 entries)\n"
    )


def test_a_chain_rebuilt_without_the_key_fails_at_the_first_edit(store, capsys):
    """Editing entry 2, then re-sealing every later entry with the project's own code but a guessed key."""
    five_entries_then_a_checkpoint(store, capsys)

    def guessed_key(entry, prev):
        payload = prev.encode() + b"\n" + audit._payload(entry, audit.canonical_instant(entry.at))
        return hmac.new(b"k" * 32, payload, "sha256").hexdigest(), "hmac-sha256"

    rebuild(store, edit_id=2, actor="Mallory", seal=guessed_key)
    check = verified(store)
    assert (check.verified, check.first_broken, check.problem) == (
        False,
        2,
        "its content no longer matches its seal: edited",
    )


def test_a_chain_rebuilt_with_the_key_is_caught_by_the_checkpoint(store, capsys):
    """Someone who also stole the key edits entry 2 and re-seals the rest: the checkpoint disagrees."""
    five_entries_then_a_checkpoint(store, capsys)
    rebuild(
        store, edit_id=2, actor="Mallory", seal=lambda entry, prev: (audit._seal(entry, prev), "hmac-sha256")
    )
    check = verified(store)
    assert (check.verified, check.first_broken) == (False, 5)
    assert check.problem.startswith("the chain was rewritten: the checkpoint of ")


def test_a_removed_entry_is_named_by_the_one_after_it(store, capsys):
    five_entries_then_a_checkpoint(store, capsys)
    with around_the_triggers(store) as connection:
        connection.execute(text("DELETE FROM audit_entry WHERE id = 3"))
    check = verified(store)
    assert (check.verified, check.first_broken) == (False, 4)
    assert check.problem == "it does not follow the entry before it: an entry was removed or reordered"


@pytest.mark.parametrize("cut", [1, 3])
def test_entries_cut_from_the_end_are_caught(store, capsys, cut):
    five_entries_then_a_checkpoint(store, capsys)
    with around_the_triggers(store) as connection:
        connection.execute(text("DELETE FROM audit_entry WHERE id > :keep"), {"keep": 5 - cut})
    status, out, _ = run(capsys, "audit verify")
    assert status == 1 and "entries were cut from the end: the checkpoint of " in out
    assert f"counted 5 entries, the last being entry 5; {5 - cut} are left" in out


def test_an_emptied_table_is_caught(store, capsys):
    five_entries_then_a_checkpoint(store, capsys)
    with around_the_triggers(store) as connection:
        statement = (
            "TRUNCATE audit_entry" if store.dialect.name == "postgresql" else "DELETE FROM audit_entry"
        )
        connection.execute(text(statement))
    status, out, _ = run(capsys, "audit verify")
    assert status == 1 and "the table was emptied: the checkpoint of " in out and "counted 5 entries" in out
    assert run(capsys, "compliance report --from 2026-01-01 --to 2026-12-31")[0] == 1


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_truncate_is_refused_by_the_database_itself(store, capsys):
    five_entries_then_a_checkpoint(store, capsys)
    with pytest.raises(Exception, match="append-only"), store.begin() as connection:
        connection.execute(text("TRUNCATE audit_entry"))
    assert verified(store).entries == 5


def test_entries_added_after_the_checkpoint_verify_and_a_later_checkpoint_covers_them(store, capsys):
    five_entries_then_a_checkpoint(store, capsys)
    assert run(capsys, "done 3 notification --at 2026-12-21T09:30 --by Bea --as-of 2026-12-21T10:00")[0] == 0
    check = verified(store)
    assert check.verified and check.entries == 6 and check.checkpoint.entries == 5
    status, out, _ = run(capsys, "audit checkpoint")
    assert status == 0 and "(6 entries)" in out
    assert verified(store).checkpoint.entries == 6


def test_a_forged_or_altered_checkpoint_is_refused(store, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("ILACS_AUDIT_CHECKPOINTS", str(tmp_path / "checkpoints.jsonl"))  # not the session's
    five_entries_then_a_checkpoint(store, capsys)
    path = audit.checkpoint_file()
    lines = path.read_text().splitlines()
    forged = json.loads(lines[-1]) | {"entries": 3}  # to hide the last two entries
    path.write_text("\n".join([*lines, json.dumps(forged)]) + "\n")
    status, out, _ = run(capsys, "audit verify")
    assert status == 1 and "is not signed with this store's audit key" in out
    path.write_text("\n".join([*lines, "{not json"]) + "\n")
    status, out, _ = run(capsys, "audit verify")
    assert status == 1 and "is not a checkpoint: the checkpoints were altered" in out


def test_a_broken_chain_is_never_anchored(store, capsys):
    five_entries_then_a_checkpoint(store, capsys)
    lines_before = audit.checkpoint_file().read_text()
    with around_the_triggers(store) as connection:
        connection.execute(text("UPDATE audit_entry SET actor = 'Mallory' WHERE id = 2"))
    status, out, _ = run(capsys, "audit checkpoint")
    assert status == 1 and out.startswith("audit chain BROKEN at entry 2")
    assert audit.checkpoint_file().read_text() == lines_before


# The key --------------------------------------------------------------------------------------------


def test_the_key_is_made_once_owner_only_and_never_printed(store, capsys):
    from services.settings import get_settings

    five_entries_then_a_checkpoint(store, capsys)
    key_file = get_settings().home / "audit-key"
    key = key_file.read_text().strip()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and len(key) >= 32
    printed = "".join(run(capsys, command)[1] for command in ("audit verify", "audit checkpoint", "show 1"))
    assert key not in printed and key not in audit.checkpoint_file().read_text()
    with store.connect() as connection:
        assert not any(key in str(row) for row in connection.execute(text("SELECT * FROM audit_entry")))


def test_a_key_from_the_settings_must_be_long_enough(store, capsys, monkeypatch):
    monkeypatch.setenv("ILACS_AUDIT_KEY", "too short")
    status, out, err = run(capsys, f"{SCHEDULE} --onsite 2027-03-01 --as-of 2026-07-01")
    assert (status, out, err) == (2, "", "ilacs: error: ILACS_AUDIT_KEY must have at least 32 characters\n")
