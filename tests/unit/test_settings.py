"""The settings: one object read from the environment by one module, checked at start-up, documented
in the README with the defaults it really has."""

from __future__ import annotations

import ast
import dataclasses
import os
import re
from pathlib import Path

import pytest

from interfaces.cli import main
from services.settings import (
    MailTransport,
    Secret,
    Settings,
    child_environment,
    get_settings,
    setting_fields,
    variable,
)

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DERIVED = {"database_url": "store_url", "audit_checkpoints": "checkpoint_file", "mail_dir": "mail_directory"}


def readme_rows() -> dict[str, str]:
    """Each variable of the README's `| variable | default | meaning |` tables, with its default cell
    (a cell naming one default per variable of its row is shared out among them)."""
    rows, in_table = {}, False
    for line in README.splitlines():
        if line.startswith("| variable | default | meaning |"):
            in_table = True
        elif not line.startswith("|"):
            in_table = False
        elif in_table and not line.startswith("|---"):
            names_cell, default_cell = (cell.strip() for cell in line.strip("|").split("|")[:2])
            names, defaults = re.findall(r"`([^`]+)`", names_cell), re.findall(r"`([^`]*)`", default_cell)
            aligned = len(defaults) == len(names) > 1 and default_cell.startswith("`")
            for position, name in enumerate(names):
                rows[name] = f"`{defaults[position]}`" if aligned else default_cell
    return rows


def shown(default: object) -> str:
    """A default as the README writes it."""
    if isinstance(default, Secret):
        default = default.get_secret_value()
    if default == "":
        return "empty"
    if default is False:
        return "unset"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    if isinstance(default, Path):
        path = default.expanduser()
        if path.is_relative_to(ROOT):
            return f"`{path.relative_to(ROOT)}`"
        return f"`~/{path.relative_to(Path.home())}`"
    return f"`{default}`"


def test_every_ilacs_variable_the_readme_names_is_a_setting():
    variables = {variable(field.name) for field in setting_fields()}
    named = set(re.findall(r"\bILACS_[A-Z_]*[A-Z]", README))
    assert named - variables == set()


@pytest.mark.parametrize("field", setting_fields(), ids=lambda field: field.name)
def test_every_setting_is_in_the_readme_with_its_default(field):
    name = field.name
    rows = readme_rows()
    assert variable(name) in rows, f"{variable(name)} has no row in a README settings table"
    cell = rows[variable(name)]
    if name in DERIVED:  # unset, it is worked out from ILACS_HOME
        example = Settings(home=Path("/H"))
        assert re.fullmatch(r"`[^`]*ILACS_HOME/[^`]*`", cell), cell
        written = cell.strip("`").replace("$ILACS_HOME", "/H").replace("ILACS_HOME", "/H")
        assert str(getattr(example, DERIVED[name])) == written
    elif field.default is None:  # unset means something the README says in words
        assert not cell.startswith("`"), cell
    else:
        assert cell.startswith(shown(field.default)), (cell, shown(field.default))


def test_the_environment_is_read_when_it_changes_and_only_then(monkeypatch):
    monkeypatch.setenv("ILACS_SMTP_HOST", "mail.example.org")
    first = get_settings()
    assert first.smtp_host == "mail.example.org" and get_settings() is first
    monkeypatch.setenv("ILACS_SMTP_HOST", "other.example.org")
    assert get_settings().smtp_host == "other.example.org"
    monkeypatch.setenv("ILACS_SMTP_HOST", "")  # empty is unset
    assert get_settings().smtp_host == "localhost"


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("ILACS_SMTP_PORT", "twenty-five", "ILACS_SMTP_PORT='twenty-five': must be a whole number"),
        ("ILACS_WEB_PORT", "70000", "ILACS_WEB_PORT='70000': must be from 1 to 65535"),
        ("ILACS_MAIL_TRANSPORT", "pigeon", "ILACS_MAIL_TRANSPORT='pigeon': use smtp, notify or directory"),
        ("ILACS_MAIL_TRANSPORT", "notify", "ILACS_MAIL_TRANSPORT=notify needs ILACS_NOTIFY_API_KEY and "),
        ("ILACS_AUDIT_KEY", "a secret too short", "ILACS_AUDIT_KEY must have at least 32 characters"),
        (
            "ILACS_SENDER_INTERVAL_SECONDS",
            "0",
            "ILACS_SENDER_INTERVAL_SECONDS='0': must be at least 1",
        ),
        (
            "ILACS_DEBUG",
            "perhaps",
            "ILACS_DEBUG='perhaps': must be true or false (1 or 0, yes or no, on or off)",
        ),
    ],
)
def test_a_bad_setting_is_one_line_and_exit_status_2_before_any_command_runs(
    monkeypatch, capsys, name, value, error
):
    monkeypatch.setenv(name, value)
    status = main(["timeline", "standard-inspection", "--onsite", "2025-03-03"])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert err.startswith(f"ilacs: error: {error}") and err.count("\n") == 1
    if name == "ILACS_AUDIT_KEY":
        assert value not in err  # a secret is never echoed


def test_a_child_process_is_given_exactly_the_settings_it_is_handed(monkeypatch):
    monkeypatch.setenv("ILACS_SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("ILACS_SMTP_PASSWORD", "hunter2")
    monkeypatch.setenv("PREFECT_LOGGING_LEVEL", "WARNING")
    handed = dataclasses.replace(
        get_settings(),
        smtp_host="127.0.0.1",
        smtp_port=2525,
        smtp_starttls=False,
        prefect_api_url="http://x/api",
    )
    env = child_environment(handed, PREFECT_UI_ENABLED="false")
    assert env["PREFECT_LOGGING_LEVEL"] == "WARNING" and env["PREFECT_UI_ENABLED"] == "false"
    assert get_settings().smtp_host == "mail.example.org"  # this process's environment is untouched
    with monkeypatch.context() as child:
        for key in [k for k in os.environ if k.startswith("ILACS_") or k == "PREFECT_API_URL"]:
            child.delenv(key)
        for key, value in env.items():
            child.setenv(key, value)
        assert get_settings() == handed


def test_the_local_service_points_its_child_at_the_sink_and_the_local_server():
    from interfaces.service import local_settings

    local = local_settings(
        Settings(mail_transport=MailTransport.DIRECTORY, prefect_port=4300, sink_port=2025, smtp_user="me")
    )
    assert (local.mail_transport, local.smtp_host, local.smtp_port, local.smtp_starttls) == (
        MailTransport.SMTP,
        "127.0.0.1",
        2025,
        False,
    )
    assert local.prefect_api_url == "http://127.0.0.1:4300/api"


def _reads_the_environment(path: Path) -> list[int]:
    """Lines where `path` touches os.environ or getenv, but to set a PREFECT_ variable for Prefect."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    allowed = {
        id(node.func.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "setdefault"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and str(node.args[0].value).startswith("PREFECT_")
    }
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv") and id(node) not in allowed
    ]


def test_no_module_but_the_settings_reads_the_environment():
    rooms = ("calendars", "models", "services", "tasks", "flows", "deployments", "interfaces")
    readers = {
        f"{path.relative_to(ROOT)}:{line}"
        for room in rooms
        for path in (ROOT / room).rglob("*.py")
        for line in _reads_the_environment(path)
        if path != ROOT / "services" / "settings.py"
    }
    assert readers == set()


def test_a_variable_is_read_whatever_the_case_of_its_name_and_unset_ones_keep_their_defaults():
    from services.settings import settings_from

    settings = settings_from({"ilacs_smtp_host": "mail.example.org", "Ilacs_Smtp_Port": "2525"})
    assert (settings.smtp_host, settings.smtp_port, settings.given) == (
        "mail.example.org",
        2525,
        {"smtp_host", "smtp_port"},
    )
    assert settings_from({}).smtp_host == "localhost" and settings_from({}).given == frozenset()
