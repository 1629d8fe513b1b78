"""Dashboard accounts against SQLite and PostgreSQL: sign-in throttling, server-side sessions, and the
`ilacs user` commands with bad input (one line, exit status 2, nothing written)."""

from __future__ import annotations

import io
import os
import shlex
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from interfaces.cli import main
from models.records import AuditEntry, User
from services.access import accounts, sign_in
from services.store.database import transaction
from tests.dashboard import PASSWORD, add_staff

pytestmark = pytest.mark.slow  # each sign-in attempt checks an argon2 hash

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
SECOND, MINUTE = timedelta(seconds=1), timedelta(minutes=1)


def attempt(store, password: str, *, at: datetime, username: str = "ann", address: str = "192.0.2.1"):
    with transaction(store) as session:
        return sign_in.attempt(session, username=username, password=password, address=address, now=at)


def lockouts_audited(store) -> list[tuple[str, dict]]:
    with transaction(store) as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.action == "sign_in_lockout"))
        return [(e.subject, e.after) for e in entries]


def test_five_failures_lock_an_account_and_each_later_failure_doubles_the_wait(store):
    add_staff(store, "ann", now=T0)
    for n in range(4):
        assert attempt(store, "wrong", at=T0 + n * SECOND) == sign_in.Attempt(user=None, locked_until=None)
    assert attempt(store, "wrong", at=T0 + 4 * SECOND).locked_until == T0 + 4 * SECOND + MINUTE
    during = attempt(store, PASSWORD, at=T0 + 30 * SECOND)  # the right password, during the lock-out
    assert (during.user, during.locked_until) == (None, T0 + 4 * SECOND + MINUTE)
    sixth = T0 + 2 * MINUTE
    assert attempt(store, "wrong", at=sixth).locked_until == sixth + 2 * MINUTE
    seventh = sixth + 2 * MINUTE
    assert attempt(store, "wrong", at=seventh).locked_until == seventh + 4 * MINUTE
    assert attempt(store, PASSWORD, at=seventh + 4 * MINUTE).user.username == "ann"
    assert attempt(store, "wrong", at=seventh + 5 * MINUTE).locked_until is None  # a success starts again
    assert [subject for subject, _ in lockouts_audited(store)] == ["account ann"] * 3
    assert lockouts_audited(store)[0][1] == {"failures": 5, "locked_until": "2025-01-06T09:01:04+00:00"}


def test_the_wait_stops_growing_at_an_hour_and_failures_are_forgotten_a_day_after_the_last(store):
    add_staff(store, "ann", now=T0)
    at = T0
    for _ in range(12):
        at = attempt(store, "wrong", at=at).locked_until or at + SECOND
    assert attempt(store, "wrong", at=at).locked_until == at + 60 * MINUTE
    later = at + timedelta(hours=24, seconds=1)
    for n in range(4):
        assert attempt(store, "wrong", at=later + n * SECOND).locked_until is None


def test_twenty_failures_from_one_address_lock_it_for_every_account(store):
    add_staff(store, "ann", now=T0)
    for n in range(19):
        assert attempt(store, "wrong", username=f"guess{n}", at=T0 + n * SECOND).locked_until is None
    assert attempt(store, "wrong", username="guess19", at=T0 + 19 * SECOND).locked_until is not None
    assert attempt(store, PASSWORD, at=T0 + 30 * SECOND).user is None
    assert attempt(store, PASSWORD, at=T0 + 31 * SECOND, address="198.51.100.7").user.username == "ann"
    assert "address 192.0.2.1" in [subject for subject, _ in lockouts_audited(store)]


def test_a_lock_out_shows_until_it_ends_and_clearing_it_is_audited_with_who(store):
    add_staff(store, "ann", now=T0)
    for n in range(5):
        attempt(store, "wrong", at=T0 + n * SECOND)
    with transaction(store) as session:
        (shown,) = sign_in.lockouts(session, now=T0 + 10 * SECOND)
        assert (shown.scope, shown.key, shown.failures) == ("account", "ann", 5)
        assert sign_in.lockouts(session, now=T0 + 2 * MINUTE) == []
        sign_in.clear(session, shown, by="Bea Support", now=T0 + 20 * SECOND)
        assert sign_in.lockouts(session, now=T0 + 20 * SECOND) == []
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "sign_in_unlock")).one()
        assert (entry.actor, entry.subject, entry.before["failures"]) == ("Bea Support", "account ann", 5)
    assert attempt(store, PASSWORD, at=T0 + 21 * SECOND).user.username == "ann"


def test_a_session_ends_after_an_idle_hour_eight_hours_or_when_revoked(store):
    add_staff(store, "ann", now=T0)
    with transaction(store) as session:
        ann = session.exec(select(User)).one()
        busy, idle, revoked = (accounts.start_session(session, ann, now=T0) for _ in range(3))
    at = T0
    while at < T0 + timedelta(hours=7, minutes=30):
        at += 50 * MINUTE
        with transaction(store) as session:
            assert accounts.session_user(session, busy, now=at).username == "ann"
    with transaction(store) as session:
        assert accounts.session_user(session, busy, now=T0 + timedelta(hours=8)) is None
        assert accounts.session_user(session, idle, now=T0 + 59 * MINUTE).username == "ann"
        assert accounts.session_user(session, idle, now=T0 + 119 * MINUTE + SECOND) is None
        accounts.end_session(session, revoked, now=T0 + MINUTE)
        assert accounts.session_user(session, revoked, now=T0 + 2 * MINUTE) is None
        assert accounts.session_user(session, "not a session", now=T0 + 2 * MINUTE) is None


def run(capsys, command: str, stdin: io.StringIO | None) -> tuple[int, str, str]:
    """`ilacs COMMAND` in this process, with `stdin` as its standard input (None: closed)."""
    kept, sys.stdin = sys.stdin, stdin
    try:
        status = main(shlex.split(command))
    finally:
        sys.stdin = kept
    out, err = capsys.readouterr()
    return status, out, err


def counts(store) -> tuple[int, int, list]:
    with transaction(store) as session:
        users = session.exec(select(User.username, User.name, User.role, User.password_hash)).all()
        return len(users), session.exec(select(func.count(AuditEntry.id))).one(), users


ROLE_NAMED = ("'admin'", "business_support", "inspector", "viewer")  # refused, naming the valid roles
ADD = "user add ann --name 'Ann Lead' --role inspector --password-stdin"


@pytest.mark.parametrize(
    "command, stdin, message",
    [
        (ADD, None, "no password on standard input"),
        (ADD, "", "no password on standard input"),
        (ADD.replace(" --password-stdin", ""), "", "no terminal to ask for the password"),
        (ADD, " " * 12 + "\n", "at least 12 characters that are not spaces"),
        (ADD, "ab cd ef gh ij k\n", "at least 12 characters that are not spaces"),
        (ADD, "\t" * 20 + "\n", "at least 12 characters that are not spaces"),
        (ADD, "correct horse \udcff battery\n", "is not valid text"),
        (ADD.replace("ann", "''", 1), PASSWORD, ("username", "''", "blank")),
        (ADD.replace("ann", "'  '", 1), PASSWORD, ("username", "'  '", "blank")),
        (ADD.replace("ann", "'ann lead'", 1), PASSWORD, "username 'ann lead' has a space"),
        (ADD.replace("'Ann Lead'", "''"), PASSWORD, ("name", "''", "blank")),
        (ADD.replace("'Ann Lead'", "' \t'"), PASSWORD, ("name", "' \\t'", "blank")),
        (ADD.replace("inspector", "admin"), PASSWORD, ROLE_NAMED),
        (ADD.replace("ann", "bea", 1), PASSWORD, "there is already a user 'bea'"),
    ],
)
def test_user_add_refuses_bad_input_in_one_line_writing_nothing(store, capsys, command, stdin, message):
    add_staff(store, "bea", now=T0)
    before = counts(store)
    status, out, err = run(capsys, command, None if stdin is None else io.StringIO(stdin))
    assert (status, out, err.count("\n")) == (2, "", 1) and err.startswith("ilacs: error: ")
    assert all(part in err for part in ((message,) if isinstance(message, str) else message)), err
    assert counts(store) == before


@pytest.mark.parametrize(
    "flag, stdin",
    [("", subprocess.DEVNULL), ("--password-stdin", subprocess.DEVNULL), ("--password-stdin", None)],
)
def test_user_add_from_a_closed_or_empty_standard_input_is_one_line(store, flag, stdin):
    """As a script runs it: stdin from /dev/null, or closed altogether (no getpass warnings, no EOFError)."""
    command = [
        sys.executable,
        "-m",
        "interfaces.cli",
        "user",
        "add",
        "ann",
        "--name",
        "Ann",
        "--role",
        "viewer",
    ]
    closed = None if stdin is not None else (lambda: os.close(0))
    before = counts(store)
    done = subprocess.run(
        [*command, *([flag] if flag else [])], stdin=stdin, preexec_fn=closed, capture_output=True, text=True
    )
    assert (done.returncode, done.stdout, done.stderr.count("\n")) == (2, "", 1), done.stderr
    assert done.stderr.startswith("ilacs: error: ") and "password" in done.stderr
    assert counts(store) == before


def test_user_add_keeps_a_passphrase_with_spaces_as_typed(store, capsys):
    assert run(capsys, ADD, io.StringIO("  correct horse  \r\n")) == (0, "added ann (inspector)\n", "")
    with transaction(store) as session:
        assert accounts.authenticate(session, "ann", "  correct horse  ").name == "Ann Lead"


def test_user_password_changes_it_audited_and_refuses_bad_input(store, capsys):
    add_staff(store, "ann", now=T0)
    assert run(capsys, "user password ann --password-stdin", io.StringIO("a brand new passphrase\n")) == (
        0,
        "changed the password of ann; 0 sessions ended\n",
        "",
    )
    with transaction(store) as session:
        assert accounts.authenticate(session, "ann", PASSWORD) is None
        assert accounts.authenticate(session, "ann", "a brand new passphrase").username == "ann"
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "user_password")).one()
        assert (entry.actor, entry.subject, entry.after) == (
            "ilacs user password",
            "ann",
            {"sessions_ended": 0},
        )
    before = counts(store)
    for command, stdin, message in (
        ("user password ann --password-stdin", " " * 12, "at least 12 characters that are not spaces"),
        ("user password ann --password-stdin", "", "no password on standard input"),
        ("user password nobody --password-stdin", PASSWORD, "there is no user 'nobody'"),
    ):
        status, out, err = run(capsys, command, io.StringIO(stdin))
        assert (status, out, err.count("\n")) == (2, "", 1) and message in err
    assert counts(store) == before


def test_user_role_changes_it_audited_and_refuses_bad_input(store, capsys):
    add_staff(store, "ann", now=T0)
    assert run(capsys, "user role ann --role viewer --by 'Bea Support'", None) == (
        0,
        "ann is now viewer; 0 sessions ended\n",
        "",
    )
    with transaction(store) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "user_role")).one()
        assert (entry.actor, entry.before, entry.after) == (
            "Bea Support",
            {"role": "inspector"},
            {"role": "viewer", "sessions_ended": 0},
        )
    before = counts(store)
    for command, message in (
        ("user role ann --role admin --by Bea", ROLE_NAMED),
        ("user role ann --role viewer --by Bea", "ann is already viewer"),
        ("user role nobody --role viewer --by Bea", "there is no user 'nobody'"),
        ("user role ann --role inspector --by ' '", "is blank"),
        ("user role ann --role inspector --by ''", "is blank"),
    ):
        status, out, err = run(capsys, command, None)
        assert (status, out, err.count("\n")) == (2, "", 1), err
        assert all(part in err for part in ((message,) if isinstance(message, str) else message)), err
    assert counts(store) == before


def test_user_unlock_clears_an_account_audited_with_who(store, capsys):
    add_staff(store, "ann", now=T0)
    now = datetime.now(UTC)
    for n in range(5):
        attempt(store, "wrong", at=now + n * SECOND)
    assert attempt(store, PASSWORD, at=now + 6 * SECOND).user is None
    assert run(capsys, "user unlock ann --by 'Bea Support'", None) == (
        0,
        "cleared 5 failed sign-ins of ann\n",
        "",
    )
    assert attempt(store, PASSWORD, at=now + 7 * SECOND).user.username == "ann"
    status, out, err = run(capsys, "user unlock ann --by 'Bea Support'", None)
    assert (status, out, err) == (2, "", "ilacs: error: no failed sign-ins are recorded for 'ann'\n")
    with transaction(store) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "sign_in_unlock")).one()
        assert (entry.actor, entry.subject) == ("Bea Support", "account ann")
