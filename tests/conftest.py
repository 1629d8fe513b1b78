import os
import tempfile
from pathlib import Path

import pytest

from calendars import england_calendar


def pytest_configure(config):
    """The tests keep their keys, checkpoints and mail in a folder of their own, never in ~/.ilacs or
    the checkout's .ilacs (the default home when the code runs from a checkout)."""
    os.environ["ILACS_HOME"] = tempfile.mkdtemp(prefix="ilacs-tests-")
    os.environ.pop("ILACS_AUDIT_KEY", None)
    os.environ.pop("ILACS_AUDIT_CHECKPOINTS", None)


def pytest_collection_modifyitems(config, items):
    """Mark the tests that need more than Python, so `make test-fast` can leave them out as it leaves
    out the modules marked `slow`: `postgresql` (a PostgreSQL server: the `postgres_url` fixture, or a
    fixture's postgresql backend), `prefect` (Prefect's test server), `e2e` (under tests/e2e)."""
    e2e = Path(__file__).parent / "e2e"
    for item in items:
        params = item.callspec.params.values() if hasattr(item, "callspec") else ()
        if "postgres_url" in item.fixturenames or any(
            p == "postgresql" for p in params if isinstance(p, str)
        ):
            item.add_marker(pytest.mark.postgresql)
        if "prefect_harness" in item.fixturenames:
            item.add_marker(pytest.mark.prefect)
        if e2e in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def calendar():
    return england_calendar()
