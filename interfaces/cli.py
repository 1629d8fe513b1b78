"""The `ilacs` command: each module of interfaces/commands/ registers its own sub-commands with their
handlers. Those modules import only light libraries at the top (the store's, Prefect and the web
server's are imported inside the handlers that use them), so building the parser is quick and
`ilacs timeline` answers at once."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from interfaces.commands import (
    accounts,
    activities,
    compliance,
    editions,
    flows,
    mail,
    programme,
    records,
    where,
)
from interfaces.parsing import _Parser
from services.settings import get_settings


def build_parser() -> argparse.ArgumentParser:
    """`ilacs --help` lists the sub-commands in this order of modules."""
    parser = _Parser(
        prog="ilacs",
        description="ILACS inspection timelines",
        epilog=f"Store: {get_settings().store_shown}. `ilacs where` says which store, home, mail and key "
        "files commands use, and which setting or default chose each.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for commands in (flows, activities, records, mail, compliance, programme, editions, accounts, where):
        commands.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command. Input the rules refuse (every ValueError our code raises) is one line and exit
    status 2; anything unexpected is one line and exit status 1 (ILACS_DEBUG=1 shows the traceback)."""
    logging.basicConfig(level=logging.WARNING, format="ilacs: %(levelname)s: %(message)s")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # no telemetry from a local server
    debug = False
    try:
        debug = get_settings().debug  # every setting is checked before any command runs
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except BrokenPipeError:
        return _reader_went_away()
    except ValueError as exc:  # one line even if the message quotes a value with a line break in it
        message = str(exc).replace("\r", "\\r").replace("\n", "\\n")
        print(f"ilacs: error: {message}", file=sys.stderr)
        return 2
    except Exception as exc:
        if debug:
            raise
        first_line = (str(exc).strip().splitlines() or [""])[0]
        print(f"ilacs: error: {type(exc).__name__}: {first_line}", file=sys.stderr)
        return 1


def _reader_went_away() -> int:
    """The reader of our output closed it (`ilacs ... | head`): stop quietly, as Unix tools do (exit
    status 128 + SIGPIPE), with stdout pointed at /dev/null so that Python's last flush cannot complain."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 141


if __name__ == "__main__":
    sys.exit(main())
