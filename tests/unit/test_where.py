"""One store: the command line, `make run` and the dashboard use the same store by default, wherever in
the checkout a command runs, and `ilacs where` says which, never printing a password."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from interfaces.cli import main

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "s3cr%40t-pass"


def _where(capsys) -> dict[str, tuple[str, str]]:
    assert main(["where", "--json"]) == 0
    return {row["what"]: (row["where"], row["chosen_by"]) for row in json.loads(capsys.readouterr().out)}


def test_a_command_run_from_a_subfolder_uses_the_store_make_run_and_the_dashboard_use():
    env = {k: v for k, v in os.environ.items() if not k.startswith("ILACS_")}
    ilacs = str(Path(sys.executable).with_name("ilacs"))
    places = {}
    for folder in (ROOT / "docs", ROOT / "interfaces" / "web", Path("/")):
        out = subprocess.run(
            [ilacs, "where", "--json"], cwd=folder, env=env, capture_output=True, text=True, check=True
        ).stdout
        places[folder] = {row["what"]: row["where"] for row in json.loads(out)}["store"]
    assert set(places.values()) == {f"sqlite:///{ROOT / '.ilacs' / 'ilacs.db'}"}
    # `make run` sets no home of its own, so it and the dashboard it starts get the same default
    made = subprocess.run(
        ["make", "-n", "-p", "run"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    ).stdout
    assert "ILACS_HOME" not in made and "ILACS_DATABASE_URL" not in made


def test_where_names_each_place_and_what_chose_it(monkeypatch, capsys, tmp_path):
    home = tmp_path / "elsewhere"
    monkeypatch.setenv("ILACS_HOME", str(home))
    monkeypatch.delenv("ILACS_DATABASE_URL", raising=False)
    monkeypatch.setenv("ILACS_AUDIT_CHECKPOINTS", str(tmp_path / "cp.jsonl"))
    places = _where(capsys)
    assert places["store"] == (f"sqlite:///{home / 'ilacs.db'}", "default: ilacs.db in the home")
    assert places["home"] == (str(home), "ILACS_HOME")
    assert places["audit checkpoints"] == (str(tmp_path / "cp.jsonl"), "ILACS_AUDIT_CHECKPOINTS")
    assert places["audit key"] == (str(home / "audit-key"), "default: made once and kept in the home")
    assert places["mail sink"][0] == str(home / "mail-sink")
    assert not home.exists()  # it says where; it opens and creates nothing


@pytest.mark.parametrize("argv", [["where"], ["where", "--json"], ["--help"]])
def test_a_password_in_the_store_url_is_never_printed(monkeypatch, capsys, argv):
    monkeypatch.setenv("ILACS_DATABASE_URL", f"postgresql://ann:{PASSWORD}@db.example.org:5432/ilacs")
    try:
        main(argv)
    except SystemExit:  # --help
        pass
    out = capsys.readouterr().out
    assert "postgresql://ann:***@db.example.org:5432/ilacs" in out
    assert PASSWORD not in out and "s3cr" not in out


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg://u:p%40w:rd@h:5433/db?x=1", "postgresql+psycopg://u:***@h:5433/db?x=1"),
        ("postgresql://u@h/db", "postgresql://u@h/db"),
        ("sqlite:////tmp/a@b:c/ilacs.db", "sqlite:////tmp/a@b:c/ilacs.db"),
    ],
)
def test_the_password_is_hidden_as_sqlalchemy_hides_it(url, shown):
    from sqlalchemy import make_url

    from services.settings import hide_password

    assert hide_password(url) == shown == make_url(url).render_as_string(hide_password=True)
