"""England's calendar: bank holidays of England and Wales, plus Ofsted's closure days.

References:
    * `holidays.UK(subdiv="ENG")` computes bank holidays for any year from the usual rules.
    * GOV.UK's published list (https://www.gov.uk/bank-holidays.json), as shipped by the
      `govuk-bank-holidays` package, adds any one-off day the rules miss and sets how far the
      calendar is confirmed: later years are provisional (spec section 7).
"""

from __future__ import annotations

import json
import sys
import threading
import tomllib
import types
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path

from calendars.working_days import WorkingDayCalendar

FIRST_YEAR = 2000
LAST_YEAR = 2060
DEFAULT_CLOSURES_FILE = Path(__file__).with_name("ofsted-closures.toml")
_STAND_IN = threading.Lock()


def govuk_bank_holidays() -> dict[date, str]:
    """GOV.UK's England-and-Wales bank holidays, from the copy the govuk-bank-holidays package ships."""
    text = resources.files("govuk_bank_holidays").joinpath("bank-holidays.json").read_text("utf-8")
    events = json.loads(text)["england-and-wales"]["events"]
    return {date.fromisoformat(e["date"]): e["title"] for e in events}


def load_closures(path: Path) -> dict[date, str]:
    """Closure days from a TOML file of `[[closure]]` tables with `date` and `name`."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
        return {_as_date(c["date"]): str(c["name"]) for c in data.get("closure", [])}
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"cannot read Ofsted closure days from {path}: {exc}") from exc


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _united_kingdom(holidays: types.ModuleType) -> type:
    """`holidays`' United Kingdom class, importing that one country's module: `holidays.countries`'
    own `__init__` imports all ~250 (0.15 s, most of a command's start-up). A stand-in package with the
    same folder is used for the one import and then dropped, so a later `import holidays.countries`
    (or `holidays.UK`) still gets the real package."""
    package = "holidays.countries"
    with _STAND_IN:  # two threads building a calendar must not see each other's stand-in
        if package in sys.modules:
            return sys.modules[package].UnitedKingdom
        stand_in = types.ModuleType(package)
        stand_in.__path__ = [str(Path(holidays.__file__).with_name("countries"))]
        sys.modules[package] = stand_in
        try:
            from holidays.countries.united_kingdom import UnitedKingdom
        finally:
            del sys.modules[package]
        return UnitedKingdom


def build_england_calendar(closures: dict[date, str] | None = None) -> WorkingDayCalendar:
    """England's working-day calendar with the given closure days (none if omitted)."""
    import holidays  # here, not at the top: commands that count no days do not pay for it

    published = govuk_bank_holidays()
    rules = _united_kingdom(holidays)(subdiv="ENG", years=range(FIRST_YEAR, LAST_YEAR + 1))
    names: dict[date, str] = dict(rules)
    names.update(published)
    for day, name in (closures or {}).items():
        names.setdefault(day, name)
    return WorkingDayCalendar(
        names,
        first_year=FIRST_YEAR,
        last_year=LAST_YEAR,
        confirmed_through=max(published).year,
        version_label=f"england-holidays{holidays.__version__}-govuk{max(published).year}",
    )


@lru_cache(maxsize=4)
def england_calendar(closures_file: Path = DEFAULT_CLOSURES_FILE) -> WorkingDayCalendar:
    """England's bank holidays and the closure days in `closures_file` (the shipped file is empty; the
    calendar in force uses the file the ILACS_CLOSURES_FILE setting names)."""
    return build_england_calendar(load_closures(closures_file))
