"""The store: its engine and migrations, the audit log, keys kept outside it, reference data.

`open_store` is the one way in: it creates and migrates the database, loads the reference local
authorities into an empty one and anchors its audit chain the first time, so no set-up step is ever
needed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from services.settings import get_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

_opened: dict[str, Engine] = {}


def open_store(url: str | None = None) -> Engine:
    """The migrated store at `url` (default: the settings), with reference data loaded if it was empty.
    Opened once per process and URL: later calls return the same engine. (What it needs is imported
    here, so that `services.store.reads` is read without SQLAlchemy.)"""
    from services.store.audit import anchor_once
    from services.store.database import make_engine, migrate
    from services.store.reference_data import ensure_reference_local_authorities

    url = url or get_settings().store_url
    if url not in _opened:
        engine = make_engine(url)
        migrate(engine)
        ensure_reference_local_authorities(engine)
        anchor_once(engine, now=datetime.now(UTC))
        _opened[url] = engine
    return _opened[url]
