"""The tracking store's engine: SQLite by default, PostgreSQL by one setting, always migrated.

Settings: ILACS_DATABASE_URL (any SQLAlchemy URL); without it, a SQLite file in ILACS_HOME (the
checkout's .ilacs, else ~/.ilacs), both read by `services.settings`. `services.store.open_store` opens
a store.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # SQLAlchemy is imported where it is used: `services.store.reads` reads HEAD without it
    from sqlalchemy import Engine
    from sqlmodel import Session

MIGRATIONS = Path(__file__).with_name("migrations")
# The newest migration's revision, known without loading Alembic (a test keeps it equal to Alembic's
# head): a store already there is opened with one query instead of Alembic's 0.5 s of imports.
HEAD = "0011"


def make_engine(url: str) -> Engine:
    """An engine whose transactions lock properly: on SQLite, WAL mode and BEGIN IMMEDIATE, so two
    writers queue instead of failing half-way."""
    from sqlalchemy import create_engine, event, make_url

    parsed = make_url(url)
    if parsed.drivername == "postgresql":  # plain postgresql:// means the driver we ship, psycopg 3
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # let the "begin" hook below open transactions
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL still survives the process dying at any point (what the sender's
        # at-most-one-duplicate promise is about); only a power cut can lose the last commits. FULL
        # synced every commit, half the cost of sending a message.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _alembic_config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def revision(engine: Engine) -> str | None:
    """The store's schema revision (Alembic's `alembic_version` row); None for a new database."""
    from sqlalchemy import exc, text

    with engine.connect() as connection:
        try:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except exc.DBAPIError:  # no such table yet
            return None


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration; Alembic is loaded only when the store is behind."""
    if revision(engine) == HEAD:
        return
    from alembic import command

    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: everything inside commits together or not at all."""
    from sqlmodel import Session

    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session
