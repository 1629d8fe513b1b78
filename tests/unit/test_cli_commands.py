"""How `ilacs` is put together: each interfaces/commands/ module registers its sub-commands with plain
handler functions, and building the parser imports none of the libraries only some commands need."""

from __future__ import annotations

import json
import subprocess
import sys

from interfaces.cli import build_parser

HEAVY = (
    "pydantic",  # the settings are a plain dataclass
    "holidays",  # imported when a calendar is built, not to parse arguments
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "prefect",
    "uvicorn",
    "fastapi",
    "openpyxl",
    "matplotlib",
    "jinja2",
)


def leaves(parser, path=()):
    """(command words, parser) for every sub-command that runs a handler."""
    if parser._subparsers is None:
        yield " ".join(path), parser
        return
    for action in parser._subparsers._group_actions:
        for name, sub in action.choices.items():
            yield from leaves(sub, (*path, name))


def test_building_the_parser_imports_no_heavy_library():
    """So `ilacs timeline` (and every command's --help) starts without the store's or Prefect's weight."""
    code = (
        "import json, sys; from interfaces.cli import build_parser; build_parser(); "
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []


def test_every_handler_is_a_function_of_its_commands_module_by_name():
    """A reader (or a tool) following `handler=` lands on the code that runs, not on an indirection."""
    for path, parser in leaves(build_parser()):
        handler = parser.get_default("handler")
        module = sys.modules[handler.__module__]
        assert handler.__module__.startswith("interfaces.commands."), path
        assert getattr(module, handler.__name__) is handler, path


def test_as_of_is_on_exactly_the_commands_that_judge_now():
    with_as_of = {
        path
        for path, parser in leaves(build_parser())
        if any("--as-of" in action.option_strings for action in parser._actions)
    }
    assert with_as_of == {
        "demo",
        "schedule",
        "done",
        "undo",
        "defer",
        "cancel",
        "outcome",
        "request add",
        "request answer",
        "calendar apply",
        "due",
        "overdue",
        "import",
        "sweep",
        "send",
        "email preview",
        "compliance report",
        "variance",
        "waive",
        "programme accept",
    }


def test_output_cut_short_by_head_ends_quietly(tmp_path, monkeypatch, capsys):
    """`ilacs ... | head -1`: the reader goes away mid-output; no traceback and no error line, whatever
    the command, and Python's final flush goes to /dev/null."""
    from interfaces.cli import main

    class ClosedPipe:
        def __init__(self, path):
            self.file = open(path, "w")  # noqa: SIM115 (stands for the pipe's end for the whole test)

        def write(self, _text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            pass

        def fileno(self):
            return self.file.fileno()

    pipe = ClosedPipe(tmp_path / "pipe")
    monkeypatch.setattr(sys, "stdout", pipe)
    status = main(["timeline", "standard-inspection", "--onsite", "2025-01-13", "--json"])
    assert status == 141 and capsys.readouterr().err == ""
    pipe.file.close()
