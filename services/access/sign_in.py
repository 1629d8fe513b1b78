"""Sign-in throttling, per account name and per client address.

After 5 failed sign-ins for one account name, or 20 from one client address, the next attempt waits a
minute; each further failure doubles the wait, up to an hour. An attempt that must wait is refused
without its password being checked, so guessing gains nothing, not even with the right password.
Failures are forgotten a day after the last one, or when a sign-in succeeds, or when business support
clear them. The counts are rows in the store, so every worker and process sees the same ones; each
lock-out and each clearance is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, delete, select

from models.records import SignInThrottle, User
from services.access import accounts
from services.access.accounts import AccountError
from services.store import audit

LIMITS = {"account": 5, "address": 20}  # an office's staff share one address: more typing errors there
FIRST_WAIT, LONGEST_WAIT = timedelta(minutes=1), timedelta(hours=1)
FORGET_AFTER = timedelta(hours=24)
_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@dataclass(frozen=True)
class Attempt:
    """A sign-in's outcome: the user if it succeeded; else, if it must wait, until when."""

    user: User | None
    locked_until: datetime | None = None  # when to try again, if this attempt was refused or locked


def _locked(session: Session, scope: str, key: str, now: datetime) -> SignInThrottle:
    """The count for (scope, key), made if missing, and locked until the transaction ends: two workers
    checking one account at once take turns, so neither can slip an extra guess past the limit."""
    insert = _INSERT[session.get_bind().dialect.name](SignInThrottle)
    session.execute(
        insert.values(scope=scope, key=key, failures=0, last_failure_at=now).on_conflict_do_nothing()
    )
    query = select(SignInThrottle).where(SignInThrottle.scope == scope, SignInThrottle.key == key)
    return session.exec(query.with_for_update()).one()


def attempt(session: Session, *, username: str, password: str, address: str, now: datetime) -> Attempt:
    """Check a sign-in, unless the account name or the address must wait; count it if it fails."""
    scopes = [("account", username)] if accounts.could_be_username(username) else []  # else: no account
    counts = [_locked(session, scope, key, now) for scope, key in [*scopes, ("address", address)]]
    waits = [c.locked_until for c in counts if c.locked_until is not None and c.locked_until > now]
    user = None if waits else accounts.authenticate(session, username, password)
    if waits or user is not None:
        for count in counts:
            if user is not None or count.failures == 0:
                session.delete(count)
        return Attempt(user=user, locked_until=max(waits, default=None))
    waits = [wait for wait in (_failed(session, c, now) for c in counts) if wait is not None]
    session.flush()  # this attempt's counts are fresh now, so not among the stale
    _forget_stale(session, now)
    return Attempt(user=None, locked_until=max(waits, default=None))


def _forget_stale(session: Session, now: datetime) -> None:
    """Drop counts a day old, so names an attacker makes up do not pile up; rows another sign-in holds
    are skipped (on PostgreSQL), never waited for."""
    stale = select(SignInThrottle.id).where(SignInThrottle.last_failure_at < now - FORGET_AFTER)
    session.execute(
        delete(SignInThrottle).where(SignInThrottle.id.in_(stale.with_for_update(skip_locked=True)))
    )


def _failed(session: Session, count: SignInThrottle, now: datetime) -> datetime | None:
    """Count one failure; at the limit, lock (audited) and return until when."""
    if now - count.last_failure_at > FORGET_AFTER:
        count.failures, count.locked_until = 0, None
    count.failures += 1
    count.last_failure_at = now
    session.add(count)
    beyond = count.failures - LIMITS[count.scope]
    if beyond < 0:
        return None
    count.locked_until = now + min(FIRST_WAIT * 2 ** min(beyond, 6), LONGEST_WAIT)
    audit.append(
        session,
        at=now,
        actor="sign-in throttle",
        action="sign_in_lockout",
        subject=f"{count.scope} {count.key}",
        after={"failures": count.failures, "locked_until": count.locked_until.astimezone(UTC).isoformat()},
        reason=f"{count.failures} failed sign-ins",
    )
    return count.locked_until


def lockouts(session: Session, *, now: datetime) -> list[SignInThrottle]:
    """Who must wait now: accounts first, then addresses, the latest lock-out first."""
    query = select(SignInThrottle).where(SignInThrottle.locked_until > now)
    return list(session.exec(query.order_by(SignInThrottle.scope, SignInThrottle.locked_until.desc())))


def clear(session: Session, count: SignInThrottle, *, by: str, now: datetime) -> None:
    """Forget the failures and lift the lock-out, audited with who did it."""
    locked_until = count.locked_until.astimezone(UTC).isoformat() if count.locked_until else None
    session.delete(count)
    audit.append(
        session,
        at=now,
        actor=by,
        action="sign_in_unlock",
        subject=f"{count.scope} {count.key}",
        before={"failures": count.failures, "locked_until": locked_until},
        reason="cleared by hand",
    )


def clear_account(session: Session, username: str, *, by: str, now: datetime) -> int:
    """`ilacs user unlock`: clear an account name's failures; returns how many there were."""
    query = select(SignInThrottle).where(SignInThrottle.scope == "account", SignInThrottle.key == username)
    count = session.exec(query).first() if accounts.could_be_username(username) else None
    if count is None or count.failures == 0:
        raise AccountError(f"no failed sign-ins are recorded for {username!r}")
    clear(session, count, by=by, now=now)
    return count.failures
