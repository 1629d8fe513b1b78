"""`ilacs editions check FILE.toml`: a business-support lead checks a new edition file before adding it
to models/editions/ (docs/adding-an-edition.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from interfaces.parsing import _Parser
from services.settings import calendar_in_force


def register(sub) -> None:
    editions = sub.add_parser("editions", help="the framework's editions: check a new one before adding it")
    actions = editions.add_subparsers(dest="editions_command", required=True, parser_class=_Parser)
    check = actions.add_parser(
        "check", help="validate an edition file and list the dates it would change for sample activities"
    )
    check.add_argument("file", metavar="FILE.toml")
    check.set_defaults(handler=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    from models.edition_check import check_edition
    from models.templates import shipped_editions

    for line in check_edition(Path(args.file), calendar_in_force(), shipped_editions()):
        print(line)
    return 0
