"""Local accounts for the dashboard: argon2-hashed passwords, three roles, and the server-side sessions
of signed-in browsers, which a sign-out, a password change or a role change ends."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlmodel import Session, select

from models.records import Activity, User, WebSession
from services import validation
from services.store import audit

ROLES = ("business_support", "inspector", "viewer")
MIN_PASSWORD = 12  # characters that are not spaces: twelve spaces are no password
MAX_USERNAME = 100
SESSION_LIFETIME = timedelta(hours=8)  # a working day; then sign in again
SESSION_IDLE = timedelta(hours=1)  # a browser left alone this long is signed out
_TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often, not on every request
_hasher = PasswordHasher()


class AccountError(ValueError):
    """An account the rules refuse."""


def checked_account(*, username: str, name: str, role: str) -> tuple[str, str, str]:
    """A new account's username, name and role as they will be stored, checked before any password is
    asked for. A username is one word; the name is the one on activities (stripped, as --lead is)."""
    if len(username) > MAX_USERNAME:
        raise AccountError(f"username: at most {MAX_USERNAME} characters, not {len(username)}")
    if validation.person(username, "username") != username or any(c.isspace() for c in username):
        raise AccountError(f"username {username!r} has a space: a username is one word")
    return username, validation.person(name, "name"), validation.one_of(role, ROLES, "role")


def check_password(password: str) -> str:
    """Spaces are allowed (a passphrase), but only the other characters count towards the minimum."""
    if any(0xD800 <= ord(c) <= 0xDFFF for c in password):
        raise AccountError("the password is not valid text (bytes that are not UTF-8)")
    if sum(not c.isspace() for c in password) < MIN_PASSWORD:
        raise AccountError(f"the password needs at least {MIN_PASSWORD} characters that are not spaces")
    return password


def add_user(session: Session, *, username: str, name: str, role: str, password: str, now: datetime) -> User:
    username, name, role = checked_account(username=username, name=name, role=role)
    check_password(password)
    if session.exec(select(User).where(User.username == username)).first():
        raise AccountError(f"there is already a user {username!r}")
    user = User(username=username, name=name, role=role, password_hash=_hasher.hash(password), created_at=now)
    session.add(user)
    session.flush()
    audit.append(
        session, at=now, actor="ilacs user add", action="user_add", subject=username, after={"role": role}
    )
    return user


def _user(session: Session, username: str) -> User:
    user = (
        session.exec(select(User).where(User.username == username)).first()
        if could_be_username(username)
        else None
    )
    if user is None:
        raise AccountError(f"there is no user {username!r}")
    return user


def set_password(session: Session, *, username: str, password: str, now: datetime) -> int:
    """A new password; every session of the user ends (whoever knew the old one is signed out).
    Returns how many sessions ended."""
    check_password(password)
    user = _user(session, username)
    user.password_hash = _hasher.hash(password)
    session.add(user)
    ended = end_all_sessions(session, user, now=now, reason="password changed")
    audit.append(
        session,
        at=now,
        actor="ilacs user password",
        action="user_password",
        subject=username,
        after={"sessions_ended": ended},
    )
    return ended


def set_role(session: Session, *, username: str, role: str, by: str, now: datetime) -> int:
    """A new role; every session of the user ends, so no page keeps what the old role allowed.
    Returns how many sessions ended."""
    role, by = validation.one_of(role, ROLES, "role"), validation.person(by, "by")
    user = _user(session, username)
    if user.role == role:
        raise AccountError(f"{username} is already {role}")
    before, user.role = user.role, role
    session.add(user)
    ended = end_all_sessions(session, user, now=now, reason="role changed")
    audit.append(
        session,
        at=now,
        actor=by,
        action="user_role",
        subject=username,
        before={"role": before},
        after={"role": role, "sessions_ended": ended},
    )
    return ended


def could_be_username(username: str) -> bool:
    """Whether an account could have this name: if not, it is not looked up (PostgreSQL refuses NUL)."""
    return 0 < len(username) <= MAX_USERNAME and username.isprintable()


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user, if the password is right (the same work either way, so timing tells nothing)."""
    user = (
        session.exec(select(User).where(User.username == username)).first()
        if could_be_username(username)
        else None
    )
    try:
        _hasher.verify(user.password_hash if user else _DUMMY, password)
    except (VerifyMismatchError, InvalidHashError):
        return None
    return user


def may_edit(user: User, activity: Activity) -> bool:
    """Business support edit everything; an inspector the activities they lead; a viewer nothing."""
    if user.role == "business_support":
        return True
    return user.role == "inspector" and activity.lead_inspector == user.name


def _token_hash(token: str) -> str:
    """Only a hash of the cookie's id is stored: reading the table does not let anyone sign in."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def start_session(session: Session, user: User, *, now: datetime) -> str:
    """A new session for `user`; returns the random id the browser's cookie carries."""
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    return token


def session_user(session: Session, token: str, *, now: datetime) -> User | None:
    """The user of a live session: not ended, not past its lifetime, not idle for too long."""
    row = session.exec(select(WebSession).where(WebSession.token_hash == _token_hash(token))).first()
    if (
        row is None
        or row.revoked_at is not None
        or now >= row.expires_at
        or now - row.last_seen_at > SESSION_IDLE
    ):
        return None
    if now - row.last_seen_at >= _TOUCH_EVERY:
        row.last_seen_at = now
        session.add(row)
    return session.get(User, row.user_id)


def end_session(session: Session, token: str, *, now: datetime) -> None:
    row = session.exec(select(WebSession).where(WebSession.token_hash == _token_hash(token))).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at, row.revoked_reason = now, "signed out"
        session.add(row)


def end_all_sessions(session: Session, user: User, *, now: datetime, reason: str) -> int:
    rows = session.exec(
        select(WebSession).where(
            WebSession.user_id == user.id, WebSession.revoked_at.is_(None), WebSession.expires_at > now
        )
    ).all()
    for row in rows:
        row.revoked_at, row.revoked_reason = now, reason
        session.add(row)
    return len(rows)


_DUMMY = _hasher.hash("not a password anyone has")
