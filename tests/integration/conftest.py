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


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A new, empty database on each backend: a SQLite file, or a fresh database on the test server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ilacs.db'}"
    server = request.getfixturevalue("postgres_url")
    name = f"ilacs_test_{next(_databases)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """A SQLite store migrated and loaded with the shipped LAs once, for `store` to copy: a copy costs
    a few milliseconds, migrating a fifth of a second, and most tests open a store."""
    from services.store import open_store

    path = tmp_path_factory.mktemp("migrated") / "ilacs.db"
    open_store(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture
def store(request, database_url, monkeypatch):
    """The migrated store, also set as ILACS_DATABASE_URL for code (and commands) that open it. On
    SQLite it starts as a copy of `migrated_sqlite`; opening it then anchors its own audit chain, as
    opening a new store does."""
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
def staff_and_inspection(store):
    """The store with the dashboard tests' four staff and Ann Lead's standard inspection (activity 1,
    on site Monday 9 June 2025): see tests/dashboard.py."""
    from tests.dashboard import add_staff_and_inspection

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
