import itertools
import sqlite3
from contextlib import closing

import pytest
from sqlalchemy import create_engine, text

from tests.integration.postgres import postgres_server

_databases = itertools.count()


@pytest.fixture(scope="session")
def prefect_harness():
    """One Prefect test server for the whole session (its start costs about 11 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def postgres_url():
    with postgres_server() as url:
        yield url


def _on_server(server: str, statement: str) -> None:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(statement))
    admin.dispose()


def _new_database(server: str, name: str, template: str | None = None) -> str:
    _on_server(server, f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    return server.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A new database on each backend: a SQLite file, or a fresh database on the test server. Empty,
    unless the test opens `store`: then on PostgreSQL it is a copy of `migrated_postgres` (the SQLite
    copy is made by `store`)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ilacs.db'}"
        return
    server = request.getfixturevalue("postgres_url")
    template = request.getfixturevalue("migrated_postgres") if "store" in request.fixturenames else None
    name = f"ilacs_test_{next(_databases)}"
    yield _new_database(server, name, template)
    # dropped, with whatever connections the test left open, so the server's files do not grow by
    # a database a test (gigabytes by the end of a session, slow to write and to delete)
    _on_server(server, f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """A SQLite store migrated and loaded with the shipped LAs once, for `store` to copy: a copy costs
    a few milliseconds, migrating a fifth of a second, and most tests open a store."""
    from services.store import open_store

    path = tmp_path_factory.mktemp("migrated") / "ilacs.db"
    open_store(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture(scope="session")
def migrated_postgres(postgres_url):
    """The name of a database on the test server migrated and loaded with the shipped LAs once, the
    template `database_url` copies for a test that opens `store`: CREATE DATABASE ... TEMPLATE copies
    its files, where migrating runs every Alembic revision over the network. Nothing connects to it
    after this (a template must have no sessions when it is copied)."""
    from services.store import open_store

    name = "ilacs_migrated"
    open_store(_new_database(postgres_url, name)).dispose()
    return name


@pytest.fixture
def store(request, database_url, monkeypatch):
    """The migrated store, also set as ILACS_DATABASE_URL for code (and commands) that open it. On
    SQLite it starts as a copy of `migrated_sqlite`, on PostgreSQL of `migrated_postgres`; opening it
    then anchors its own audit chain, as opening a new store does."""
    from services.store import open_store

    if database_url.startswith("sqlite:///"):
        source = sqlite3.connect(request.getfixturevalue("migrated_sqlite"))
        with closing(source), closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as target:
            source.backup(target)
    monkeypatch.setenv("ILACS_DATABASE_URL", database_url)
    engine = open_store(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def staff_and_inspection(store, monkeypatch):
    """The store with the dashboard tests' four staff and Ann Lead's standard inspection (activity 1,
    on site Monday 9 June 2025): see tests/dashboard.py.

    The four passwords are hashed with argon2's cheapest parameters (`argon2.profiles.CHEAPEST`, made
    for tests), which their hashes carry, so each sign-in's check is as cheap: at the defaults the
    dashboard uses, the four hashes and the sign-ins cost a second of CPU in each of some 250 tests.
    Accounts made any other way (`ilacs user add`, the tests of accounts) keep the defaults."""
    from argon2 import PasswordHasher, profiles

    from services.access import accounts
    from tests.dashboard import add_staff_and_inspection

    with monkeypatch.context() as cheap:
        cheap.setattr(accounts, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))
        add_staff_and_inspection(store)
    return store


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback with STARTTLS and login; stopped after the test."""
    from tests.integration.smtp_server import SmtpServer

    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_transport(smtp_server):
    from services.mail.transports import SmtpTransport
    from tests.integration.smtp_server import PASSWORD, USER

    return SmtpTransport(
        host="127.0.0.1",
        port=smtp_server.port,
        user=USER,
        password=PASSWORD,
        ssl_context=smtp_server.client_tls,
    )
