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

    Under pytest-xdist (`--dist loadgroup`), the `prefect` tests go to one worker, so only one starts
    Prefect's test server, and the longest tests come first (see `_longest_first`), so that no worker
    is left running one of them alone at the end."""
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
            if item.get_closest_marker("prefect"):
                item.add_marker(pytest.mark.xdist_group("prefect"))
        items.sort(key=_longest_first)


def _longest_first(item) -> int:
    """The first-hour test (a clone's install and two `make run`s, minutes), then the other tests that
    start services or a browser (tens of seconds each), then the rest in their usual order."""
    if item.get_closest_marker("e2e"):
        return 0 if item.get_closest_marker("slow") else 1
    if item.get_closest_marker("prefect") or "postgres_url" in item.fixturenames:
        return 1
    return 2


@pytest.fixture(scope="session")
def calendar():
    return england_calendar()
