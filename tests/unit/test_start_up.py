"""What keeps a command's start-up cheap: a store at the newest schema is opened without Alembic, the
calendar loads the United Kingdom's holiday rules alone, and a secret setting is never shown."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from services.settings import Secret, settings_from
from services.store.database import HEAD, MIGRATIONS

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout.strip()


def test_the_head_known_without_alembic_is_alembics_head():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD


def test_a_new_store_is_migrated_and_a_current_one_is_opened_without_loading_alembic(tmp_path):
    from services.store import open_store
    from services.store.database import revision

    url = f"sqlite:///{tmp_path / 'ilacs.db'}"
    engine = open_store(url)  # new: Alembic makes the schema
    assert revision(engine) == HEAD
    engine.dispose()
    opened = (
        "import sys; from services.store import open_store; "
        f"open_store({url!r}); print('alembic' in sys.modules)"
    )
    assert _run(opened) == "False"  # at the head: one query, no Alembic


def test_the_calendar_loads_only_the_united_kingdoms_rules_and_leaves_holidays_whole():
    loaded, others, together = _run(
        "import sys; from datetime import date; from concurrent.futures import ThreadPoolExecutor\n"
        "from calendars.england import build_england_calendar as build\n"
        "with ThreadPoolExecutor(4) as pool:\n"
        "    versions = {c.version for c in pool.map(lambda _: build(), range(8))}\n"
        "print(sorted(m for m in sys.modules if m.startswith('holidays.countries')))\n"
        "import holidays\n"
        "print(date(2025, 7, 14) in holidays.country_holidays('FR', years=2025), "
        "date(2025, 8, 25) in holidays.UK(subdiv='ENG', years=2025))\n"
        "print(len(versions))"
    ).splitlines()
    assert loaded == "['holidays.countries.united_kingdom']"
    assert others == "True True"  # Bastille Day in France, the August bank holiday in England
    assert together == "1"  # threads building calendars at once all get England's


def test_a_secret_setting_is_never_shown():
    settings = settings_from({"ILACS_SMTP_PASSWORD": "hunter2", "ILACS_AUDIT_KEY": "k" * 40})
    assert settings.smtp_password.get_secret_value() == "hunter2"
    for shown in (str(settings), repr(settings), str(settings.smtp_password), f"{settings.audit_key!r}"):
        assert "hunter2" not in shown and "k" * 40 not in shown
    assert Secret("a") == Secret("a") != Secret("b")
