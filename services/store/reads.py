"""Reading the store through its database driver (sqlite3, psycopg), without SQLAlchemy: the commands
that only read (`ilacs due`, `overdue`, `show`) start in a tenth of the time the ORM's imports take.

A `Reader` runs SQL written once with `:name` parameters on either backend, and turns what the
driver returns into what the ORM would give: aware UTC times, dates, lists. The dashboard's code
reads through the same SQL inside its own transaction (`reader(session)`), so a list is chosen and
counted one way whoever asks."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from enum import StrEnum

_NAMED = re.compile(r"(?<![:\w]):(\w+)")


class Reader:
    """A DB-API connection and the spelling of its backend (`sqlite` or `postgresql`)."""

    def __init__(self, connection, backend: str) -> None:
        self.connection = connection
        self.backend = backend
        self.session = None  # the ORM session this reader reads within, if any

    def rows(self, sql: str, **params) -> list[tuple]:
        if self.backend == "postgresql":  # psycopg's parameters are %(name)s
            sql = _NAMED.sub(r"%(\1)s", sql)
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql, {name: self._bound(value) for name, value in params.items()})
            return cursor.fetchall()
        finally:
            cursor.close()

    def one(self, sql: str, **params) -> tuple | None:
        found = self.rows(sql, **params)
        return found[0] if found else None

    def _bound(self, value):
        """A parameter as the store keeps it: times in UTC (naive text on SQLite, as SQLAlchemy writes
        them), dates as ISO text on SQLite, states as their strings."""
        if isinstance(value, StrEnum):
            return value.value
        if self.backend != "sqlite":
            return value
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError("naive datetimes are not compared; give a time zone")
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        if isinstance(value, date):
            return value.isoformat()
        return value

    def moment(self, value) -> datetime | None:
        """A stored time, aware, in UTC."""
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    @staticmethod
    def day(value) -> date:
        return date.fromisoformat(value) if isinstance(value, str) else value

    @staticmethod
    def listed(value) -> list:
        """A JSON column: text on SQLite, already decoded by psycopg."""
        return json.loads(value) if isinstance(value, str) else list(value)


def reader(source) -> Reader:
    """`source` itself if it is a Reader; else a Reader on an ORM session's own connection, inside its
    transaction."""
    if isinstance(source, Reader):
        return source
    connection = source.connection()
    found = Reader(connection.connection.driver_connection, connection.dialect.name)
    found.session = source
    return found


def _connect(url: str):
    """A driver connection to the store at `url` (a SQLAlchemy URL, as the settings give it); None for
    what only SQLAlchemy reads as meant (a SQLite file with options, in memory; another driver)."""
    scheme, _, rest = url.partition("://")
    backend, _, driver = scheme.partition("+")
    path = rest.removeprefix("/")
    if backend == "sqlite" and driver in ("", "pysqlite") and path and "?" not in path and path != ":memory:":
        import sqlite3

        connection = sqlite3.connect(path, timeout=30, isolation_level=None)
        connection.execute("PRAGMA busy_timeout=30000")
        connection.execute("BEGIN")  # the counts and the page read one snapshot
        return connection, "sqlite"
    if backend == "postgresql" and driver in ("", "psycopg"):
        import psycopg

        return psycopg.connect(f"postgresql://{rest}"), "postgresql"
    return None, backend


@contextmanager
def open_reader(url: str | None = None) -> Iterator[Reader]:
    """A Reader on the store, for one command. A store that is new or behind the newest migration, or on
    a driver this module does not speak, is first opened the full way (`open_store`: migrated, reference
    data loaded); a store at the head is read at once."""
    from services.settings import get_settings
    from services.store.database import HEAD

    url = url or get_settings().store_url
    connection, backend = _connect(url)
    if connection is None:
        yield from _through_the_orm(url)
        return
    if _revision(Reader(connection, backend)) != HEAD:
        connection.close()
        from services.store import open_store

        open_store(url)
        connection, backend = _connect(url)
    try:
        yield Reader(connection, backend)
    finally:
        connection.close()


def _through_the_orm(url: str) -> Iterator[Reader]:
    from services.store import open_store
    from services.store.database import transaction

    with transaction(open_store(url)) as session:
        yield reader(session)


def _revision(found: Reader) -> str | None:
    """The store's schema revision (Alembic's `alembic_version` row); None for a new database."""
    try:
        row = found.one("SELECT version_num FROM alembic_version")
    except Exception:  # no such table yet: each driver has its own error class
        if found.backend == "postgresql":
            found.connection.rollback()
        return None
    return row[0] if row else None
