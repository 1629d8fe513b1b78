"""Local accounts for the dashboard: argon2-hashed passwords, three roles."""

from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlmodel import Session, select

from models.records import Activity, User
from services import audit

ROLES = ("business_support", "inspector", "viewer")
MIN_PASSWORD = 12
_hasher = PasswordHasher()


class AccountError(ValueError):
    """An account the rules refuse."""


def add_user(session: Session, *, username: str, name: str, role: str, password: str, now: datetime) -> User:
    if role not in ROLES:
        raise AccountError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password needs at least {MIN_PASSWORD} characters")
    if session.exec(select(User).where(User.username == username)).first():
        raise AccountError(f"there is already a user {username!r}")
    user = User(username=username, name=name, role=role, password_hash=_hasher.hash(password), created_at=now)
    session.add(user)
    session.flush()
    audit.append(
        session, at=now, actor="ilacs user add", action="user_add", subject=username, after={"role": role}
    )
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user, if the password is right (the same work either way, so timing tells nothing)."""
    user = session.exec(select(User).where(User.username == username)).first()
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


_DUMMY = _hasher.hash("not a password anyone has")
