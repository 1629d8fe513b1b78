import pytest

from calendars import england_calendar


@pytest.fixture(scope="session")
def calendar():
    return england_calendar()
