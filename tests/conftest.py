import os
import tempfile
from pathlib import Path

import pytest

from calendars import england_calendar

E2E = Path(__file__).parent / "e2e"


def pytest_configure(config):
    """The tests keep their keys, checkpoints and mail in a folder of their own, never in ~/.ilacs or
    the checkout's .ilacs (the default home when the code runs from a checkout). Each pytest-xdist
    worker (`make test` runs one a core) is a process of its own, with its own folder, and its own
    PREFECT_HOME: nothing of Prefect's is shared between workers either."""
    os.environ["ILACS_HOME"] = tempfile.mkdtemp(prefix="ilacs-tests-")
    os.environ.pop("ILACS_AUDIT_KEY", None)
    os.environ.pop("ILACS_AUDIT_CHECKPOINTS", None)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix=f"prefect-tests-{worker}-")


def pytest_collection_modifyitems(config, items):
    """Mark the tests that need more than Python, so `make test-fast` can leave them out as it leaves
    out the modules marked `slow`: `postgresql` (a PostgreSQL server: the `postgres_url` fixture, or a
    fixture's postgresql backend), `prefect` (Prefect's test server), `e2e` (under tests/e2e).

    Under pytest-xdist (`--dist loadgroup`), the tests that start servers of their own are one group,
    run one after another by one worker, the first-hour test first, while the others take the rest:
    two of them at once (a clone's install beside the local service's start) outran their start-up
    timeouts on the shared machine, and only that worker starts Prefect's test server."""
    for item in items:
        params = item.callspec.params.values() if hasattr(item, "callspec") else ()
        if "postgres_url" in item.fixturenames or any(
            p == "postgresql" for p in params if isinstance(p, str)
        ):
            item.add_marker(pytest.mark.postgresql)
        if "prefect_harness" in item.fixturenames:
            item.add_marker(pytest.mark.prefect)
        if E2E in item.path.parents:
            item.add_marker(pytest.mark.e2e)
    if config.pluginmanager.hasplugin("xdist") and config.getoption("dist", "no") != "no":
        for item in items:
            if _starts_servers(item):
                item.add_marker(pytest.mark.xdist_group("servers"))
        # the group first, the first-hour test (marked slow) at its head; then the slow modules
        items.sort(key=lambda item: (not _starts_servers(item), not item.get_closest_marker("slow")))


def _starts_servers(item) -> bool:
    """The e2e tests (the local service, a clone's `make run`, Chromium), the Prefect harness's, and
    those that use the PostgreSQL server directly (the scale-out test runs a Prefect server on it)."""
    return any(item.get_closest_marker(name) for name in ("e2e", "prefect")) or (
        "postgres_url" in item.fixturenames
    )


@pytest.fixture(scope="session")
def calendar():
    return england_calendar()
