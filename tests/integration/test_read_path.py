"""`ilacs due`, `overdue` and `show` read the store through its driver, not the ORM: what they load, a
store they find behind, and the dashboard's Today paging the same milestones the same way."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from calendars import LONDON
from calendars.england import build_england_calendar
from interfaces.cli import main
from services.reports import queries, worklists
from services.store.database import HEAD, transaction
from services.store.reads import open_reader

ROOT = Path(__file__).resolve().parents[2]
WINTER = "schedule standard-inspection --la E09000002 --onsite 2025-01-13 --lead Ann --as-of 2025-01-02"
SUMMER = "schedule standard-inspection --la E09000003 --onsite 2025-06-09 --lead Ann --as-of 2025-05-01"
HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "prefect", "jinja2", "fastapi", "pydantic")


def test_due_overdue_and_show_load_neither_the_orm_nor_prefect_nor_the_web(store, capsys):
    assert main(shlex.split(WINTER)) == 0
    capsys.readouterr()
    for command in ("due --as-of 2025-01-06", "overdue --as-of 2025-01-09T12:00 --json", "show 1"):
        code = (
            "import sys; from interfaces.cli import main\n"
            f"status = main({shlex.split(command)!r}); sys.stdout.flush()\n"
            f"print(status, sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=os.environ,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.stderr == ""
        *printed, last = done.stdout.splitlines()
        assert printed and last == "0 []", command


def test_a_store_behind_the_newest_migration_is_migrated_before_it_is_read(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    monkeypatch.setenv("ILACS_DATABASE_URL", url)
    assert main(["overdue", "--as-of", "2025-01-09"]) == 0
    with open_reader(url) as read:
        assert read.one("SELECT version_num FROM alembic_version") == (HEAD,)
        assert "E09000002" in queries.la_codes(read)  # the reference LAs, loaded as open_store loads them


def _listed(page) -> list[tuple]:
    return [
        (i.activity.id, i.la.ons_code, i.milestone.key, i.milestone.target, i.milestone.forecast)
        for i in page
    ]


def test_today_pages_the_sections_as_the_commands_do_in_winter_and_summer(store, capsys):
    for schedule in (WINTER, SUMMER):
        assert main(shlex.split(schedule)) == 0
    calendar, everything = build_england_calendar(), queries.Filters()
    for as_of, section in (
        (datetime(2025, 1, 9, 12, 0, tzinfo=LONDON), "overdue"),
        (datetime(2025, 1, 6, 8, 0, tzinfo=LONDON), "today"),
        (datetime(2025, 6, 3, 10, 0, tzinfo=LONDON), "today"),  # BST
        (datetime(2025, 6, 3, 10, 0, tzinfo=LONDON), "soon"),
    ):
        with transaction(store) as session:
            shown = worklists.today_section(
                session, section, as_of=as_of, calendar=calendar, filters=everything, per_page=2, number=2
            )
            past = worklists.today_section(
                session, section, as_of=as_of, calendar=calendar, filters=everything, per_page=2, number=99
            )
        with open_reader() as read:
            if section == "overdue":
                page = queries.overdue_page(read, as_of=as_of, filters=everything, limit=2, offset=2)
                total = page.total
            else:
                whole = queries.due_page(read, as_of=as_of, within=5, calendar=calendar, filters=everything)
                wanted = [
                    i
                    for i in whole.items
                    if (i.milestone.forecast.date() == as_of.date()) == (section == "today")
                ]
                page, total = wanted[2:4], len(wanted)
        assert shown.total == total > 2 and shown.number == 2
        assert _listed(shown.rows) == _listed(page.items if section == "overdue" else page)
        assert past.number == shown.pages and past.rows  # a page past the end shows the last


def test_a_url_only_sqlalchemy_reads_is_read_through_the_orm_with_the_same_answer(
    tmp_path, monkeypatch, capsys
):
    url = f"sqlite:///{tmp_path / 'ilacs.db'}"
    monkeypatch.setenv("ILACS_DATABASE_URL", url)
    assert main(shlex.split(WINTER)) == 0
    capsys.readouterr()
    answers = []
    for shown in (url, url + "?timeout=30"):  # options: SQLAlchemy's to read, so the ORM reads it
        monkeypatch.setenv("ILACS_DATABASE_URL", shown)
        assert main(["overdue", "--as-of", "2025-01-09T12:00", "--json"]) == 0
        answers.append(capsys.readouterr().out)
    assert answers[0] == answers[1] and '"total": 6' in answers[0]
