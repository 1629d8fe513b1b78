"""The audit log: append-only, chained, sealed with a key the database does not hold, and anchored by
signed checkpoints kept outside the database.

- Each entry's `hash` is an HMAC-SHA256, under the audit key (ILACS_AUDIT_KEY, else a key made once
  and kept in ILACS_HOME), of the previous entry's hash and the entry's content, with its time in one
  canonical form: UTC to the microsecond, whatever offset it was given in. Without the key nobody can
  edit an entry and re-seal the chain after it.
- A checkpoint (entry count, head hash, time), signed with the same key, is appended to a file outside
  the database (ILACS_AUDIT_CHECKPOINTS, default ILACS_HOME/audit-checkpoints.jsonl) by the daily
  sweep and by `ilacs audit checkpoint`, and once when a store is first opened. Entries cut from the
  end, an emptied table, or a chain rebuilt by someone holding the key no longer match it.
- Entries written before the key (seal `legacy-sha256`) hashed their time with the offset it was
  given; `verify` rebuilds that text from the stored instant by trying the offsets it could have had.
  They are never re-sealed, and no entry may be sealed that way after the first checkpoint.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, text
from sqlmodel import Session, select

from calendars import LONDON
from models.records import AuditEntry
from services.settings import Secret, get_settings
from services.store.database import transaction
from services.store.keys import kept_secret

GENESIS = "0" * 64
SEAL = "hmac-sha256"
LEGACY = "legacy-sha256"
# Offsets an old entry's time may have been given in: UTC, London's, then every quarter hour on Earth.
_LEGACY_OFFSETS = [timezone(timedelta(minutes=m)) for m in range(-12 * 60, 14 * 60 + 1, 15)]


def _entries(count: int) -> str:
    return f"{count} entry" if count == 1 else f"{count} entries"


class ChainBroken(Exception):
    """Refused: the chain does not verify, so it is not anchored."""


@lru_cache(maxsize=4)
def _keys(setting: Secret | None, key_file: Path) -> tuple[bytes, bytes]:
    """Cached per key, so that sealing and verifying many entries reads the key file once."""
    master = kept_secret(setting, key_file).encode()
    return (
        hmac.new(master, b"ilacs audit entry", "sha256").digest(),
        hmac.new(master, b"ilacs audit checkpoint", "sha256").digest(),
    )


def _entry_key() -> bytes:
    settings = get_settings()
    return _keys(settings.audit_key, settings.audit_key_file)[0]


def _checkpoint_key() -> bytes:
    settings = get_settings()
    return _keys(settings.audit_key, settings.audit_key_file)[1]


def canonical_instant(at: datetime) -> str:
    """The one text an instant is sealed as, whatever offset it arrived with or the database returns."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _payload(entry: AuditEntry, at_text: str) -> bytes:
    content = {
        "at": at_text,
        "actor": entry.actor,
        "action": entry.action,
        "activity_id": entry.activity_id,
        "subject": entry.subject,
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _seal(entry: AuditEntry, prev_hash: str, key: bytes | None = None) -> str:
    """The entry's seal; `key` lets a walk over the whole chain look the key up once."""
    payload = prev_hash.encode() + b"\n" + _payload(entry, canonical_instant(entry.at))
    return hmac.new(key or _entry_key(), payload, "sha256").hexdigest()


def _legacy_texts(at: datetime) -> Iterable[str]:
    yield at.astimezone(UTC).isoformat()
    yield at.astimezone(LONDON).isoformat()
    for offset in _LEGACY_OFFSETS:
        yield at.astimezone(offset).isoformat()


def _legacy_matches(entry: AuditEntry, prev_hash: str) -> bool:
    """Whether the old plain SHA-256 digest of this entry, with its time in some offset, is its hash."""
    prefix = prev_hash.encode() + b"\n"
    return any(
        hmac.compare_digest(hashlib.sha256(prefix + _payload(entry, at_text)).hexdigest(), entry.hash)
        for at_text in _legacy_texts(entry.at)
    )


def append(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    activity_id: int | None = None,
    subject: str = "",
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> AuditEntry:
    """Add one sealed entry at the end of the chain, inside the caller's transaction.

    `before`/`after` must hold JSON values only (strings, numbers, booleans, None, lists, dicts).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(20181201)"))  # one writer extends the chain
    last = session.exec(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).first()
    prev_hash = last.hash if last else GENESIS
    entry = AuditEntry(
        at=at,
        actor=actor,
        action=action,
        activity_id=activity_id,
        subject=subject,
        before=before,
        after=after,
        reason=reason,
        prev_hash=prev_hash,
        hash="",
        seal=SEAL,
    )
    entry.hash = _seal(entry, prev_hash)
    session.add(entry)
    session.flush()
    return entry


# Checkpoints ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement, kept outside the database: this store's chain had `entries` entries, the
    last being `head_id` with hash `head`, `legacy` of them sealed before the key, at `at`."""

    store: str
    entries: int
    head_id: int | None
    head: str
    legacy: int
    at: str
    signature: str = ""

    def signed_content(self) -> bytes:
        fields = {k: v for k, v in asdict(self).items() if k != "signature"}
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()

    def sign(self) -> Checkpoint:
        signature = hmac.new(_checkpoint_key(), self.signed_content(), "sha256").hexdigest()
        return Checkpoint(**{**asdict(self), "signature": signature})

    def is_signed(self) -> bool:
        expected = hmac.new(_checkpoint_key(), self.signed_content(), "sha256").hexdigest()
        return hmac.compare_digest(expected, self.signature)

    @property
    def when(self) -> str:
        moment = datetime.strptime(self.at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        return f"{moment.astimezone(LONDON):%d %B %Y %H:%M} London time".lstrip("0")

    def __str__(self) -> str:
        return f"checkpoint of {self.when} ({_entries(self.entries)})"


def checkpoint_file() -> Path:
    return get_settings().checkpoint_file


def store_label(session_or_engine: Session | Engine) -> str:
    """Which store a checkpoint speaks of: its database URL without the password."""
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.url.render_as_string(hide_password=True)


def checkpoints(store: str) -> tuple[list[Checkpoint], list[str]]:
    """This store's checkpoints in the order written, and the lines of the file that are not checkpoints."""
    path = checkpoint_file()
    if not path.exists():
        return [], []
    found, unreadable = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            point = Checkpoint(**json.loads(line))
        except (ValueError, TypeError):
            unreadable.append(f"line {number} of {path} is not a checkpoint")
            continue
        if point.store == store:
            found.append(point)
    return found, unreadable


def _write(point: Checkpoint) -> None:
    path = checkpoint_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(asdict(point), sort_keys=True, separators=(",", ":")) + "\n"
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line.encode())  # one short write: whole lines even with two writers
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def checkpoint(session: Session, *, now: datetime) -> Checkpoint:
    """Verify the chain, then sign and keep a checkpoint of it. A broken chain is never anchored."""
    check = verify(session)
    if not check.verified:
        raise ChainBroken(str(check))
    point = Checkpoint(
        store=store_label(session),
        entries=check.entries,
        head_id=check.head_id,
        head=check.head,
        legacy=check.legacy,
        at=canonical_instant(now),
    ).sign()
    _write(point)
    return point


def anchor_once(engine: Engine, *, now: datetime) -> None:
    """The first checkpoint of a store, when it is first opened: it fixes how many entries were
    sealed before the key, so none can be added that way later."""
    if checkpoints(store_label(engine))[0]:
        return
    with transaction(engine) as session:
        try:
            checkpoint(session, now=now)
        except ChainBroken:
            pass  # `ilacs audit verify` says what is wrong; nothing broken is anchored


# Verification ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainCheck:
    verified: bool
    entries: int
    first_broken: int | None = None
    problem: str = ""
    head_id: int | None = None
    head: str = GENESIS
    legacy: int = 0
    checkpoint: Checkpoint | None = None

    def __str__(self) -> str:
        if not self.verified:
            where = f" at entry {self.first_broken}" if self.first_broken is not None else ""
            return f"audit chain BROKEN{where}: {self.problem} ({_entries(self.entries)})"
        anchored = (
            f"; it holds the {self.checkpoint}"
            if self.checkpoint
            else "; no checkpoint yet (ilacs audit checkpoint makes one)"
        )
        return f"audit chain verifies over {_entries(self.entries)}{anchored}"


def verify(session: Session) -> ChainCheck:
    """Walk the whole chain in order against this store's checkpoints, and report the first thing wrong."""
    points, unreadable = checkpoints(store_label(session))
    if unreadable:
        return ChainCheck(verified=False, entries=0, problem=f"{unreadable[0]}: the checkpoints were altered")
    for point in points:
        if not point.is_signed():
            return ChainCheck(
                verified=False,
                entries=0,
                problem=f"the checkpoint of {point.when} is not signed with this store's audit key: "
                "forged, or the key changed",
            )
    walked = _walk(session, points)
    newest = max(points, key=lambda p: p.entries, default=None)
    if not walked.verified or not newest or walked.entries >= newest.entries:
        return walked
    counted = f"the checkpoint of {newest.when} counted {newest.entries} entries"
    problem = (
        f"the table was emptied: {counted}"
        if walked.entries == 0
        else f"entries were cut from the end: {counted}, the last being entry {newest.head_id}; "
        f"{walked.entries} are left"
    )
    return ChainCheck(verified=False, entries=walked.entries, problem=problem)


def _walk(session: Session, points: list[Checkpoint]) -> ChainCheck:
    """Every entry follows the one before, carries a good seal, and sits where each checkpoint said."""
    legacy_allowed = points[0].legacy if points else None
    expected_heads = {point.entries: point for point in points}
    prev_hash, count, legacy, keyed, head_id = GENESIS, 0, 0, False, None
    key = _entry_key()

    def broken(entry: AuditEntry, problem: str) -> ChainCheck:
        return ChainCheck(verified=False, entries=count, first_broken=entry.id, problem=problem)

    # plain rows, not ORM objects: the walk reads every entry once, and the seal needs only its fields
    entries = session.connection().execute(select(*AuditEntry.__table__.columns).order_by(AuditEntry.id))
    for entry in entries:
        count += 1
        if entry.prev_hash != prev_hash:
            return broken(entry, "it does not follow the entry before it: an entry was removed or reordered")
        if entry.seal == LEGACY:
            if keyed or (legacy_allowed is not None and legacy >= legacy_allowed):
                return broken(
                    entry, "it is sealed the old way, without the key, after the key was in use: rewritten"
                )
            legacy += 1
            sealed = _legacy_matches(entry, prev_hash)
        else:
            keyed = True
            sealed = entry.seal == SEAL and hmac.compare_digest(_seal(entry, prev_hash, key), entry.hash)
        if not sealed:
            return broken(entry, "its content no longer matches its seal: edited")
        anchor = expected_heads.get(count)
        if anchor and anchor.head != entry.hash:
            return broken(
                entry, f"the chain was rewritten: the checkpoint of {anchor.when} recorded another entry here"
            )
        prev_hash, head_id = entry.hash, entry.id
    return ChainCheck(
        verified=True,
        entries=count,
        head_id=head_id,
        head=prev_hash,
        legacy=legacy,
        checkpoint=points[-1] if points else None,
    )
