"""Commands for the dashboard: accounts, and serving it alone."""

from __future__ import annotations

import argparse
import sys

from interfaces.commands.common import (
    now_or_as_of,
)
from interfaces.parsing import UsageError
from services.store import open_store
from services.store.database import transaction


def _password(args: argparse.Namespace) -> str:
    """The first line of standard input with --password-stdin (never the command line, which others can
    see), else typed at the terminal; with neither, one line saying so rather than a prompt into nothing."""
    import getpass

    if args.password_stdin:
        line = sys.stdin.readline() if sys.stdin is not None else ""
        if not line:
            raise UsageError("no password on standard input: --password-stdin reads it from the first line")
        return line.removesuffix("\n").removesuffix("\r")
    if sys.stdin is None or not sys.stdin.isatty():
        raise UsageError(
            "no terminal to ask for the password on: give it on standard input with --password-stdin"
        )
    try:
        return getpass.getpass("Password: ")
    except EOFError:
        raise UsageError("no password given") from None


def cmd_user_add(args: argparse.Namespace) -> int:
    """A dashboard account. Its username, name and role are checked before the password is asked for."""
    from services.access.accounts import add_user, check_password, checked_account

    checked_account(username=args.username, name=args.name, role=args.role)
    password = check_password(_password(args))
    with transaction(open_store()) as session:
        user = add_user(
            session,
            username=args.username,
            name=args.name,
            role=args.role,
            password=password,
            now=now_or_as_of(args),
        )
    print(f"added {user.username} ({user.role.replace('_', ' ')})")
    return 0


def cmd_user_password(args: argparse.Namespace) -> int:
    from services.access.accounts import check_password, set_password

    password = check_password(_password(args))
    with transaction(open_store()) as session:
        ended = set_password(session, username=args.username, password=password, now=now_or_as_of(args))
    print(f"changed the password of {args.username}; {ended} sessions ended")
    return 0


def cmd_user_role(args: argparse.Namespace) -> int:
    from services.access.accounts import set_role

    with transaction(open_store()) as session:
        ended = set_role(session, username=args.username, role=args.role, by=args.by, now=now_or_as_of(args))
    print(f"{args.username} is now {args.role.replace('_', ' ')}; {ended} sessions ended")
    return 0


def cmd_user_unlock(args: argparse.Namespace) -> int:
    from services.access.sign_in import clear_account

    with transaction(open_store()) as session:
        failures = clear_account(session, args.username, by=args.by, now=now_or_as_of(args))
    print(f"cleared {failures} failed sign-ins of {args.username}")
    return 0


def cmd_web(args: argparse.Namespace) -> int:
    import uvicorn

    from interfaces.web.app import create_app

    loopback = args.host in ("127.0.0.1", "localhost", "::1")  # plain http there: no Secure cookies, no HSTS
    uvicorn.run(create_app(loopback=loopback), host=args.host, port=args.port, log_level="warning")
    return 0
