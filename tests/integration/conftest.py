import itertools

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


@pytest.fixture
def store(database_url, monkeypatch):
    """The migrated store, also set as ILACS_DATABASE_URL for code (and commands) that open it."""
    from services.store import open_store

    monkeypatch.setenv("ILACS_DATABASE_URL", database_url)
    engine = open_store(database_url)
    yield engine
    engine.dispose()


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
