import os
import tempfile

import pytest

from calendars import england_calendar


def pytest_configure(config):
    """The tests keep their keys, checkpoints and mail in a folder of their own, never in ~/.ilacs or
    the checkout's .ilacs (the Makefile points ILACS_HOME there)."""
    os.environ["ILACS_HOME"] = tempfile.mkdtemp(prefix="ilacs-tests-")
    os.environ.pop("ILACS_AUDIT_KEY", None)
    os.environ.pop("ILACS_AUDIT_CHECKPOINTS", None)


@pytest.fixture(scope="session")
def calendar():
    return england_calendar()
