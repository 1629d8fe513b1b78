"""Commands for the dashboard: accounts, and serving it alone."""

from __future__ import annotations

import argparse
import sys

from interfaces.commands.common import (
    now_or_as_of,
)
from interfaces.parsing import UsageError, _Parser, person, whole_number


def register(sub) -> None:
    user = sub.add_parser("user", help="dashboard accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True, parser_class=_Parser)
    add_user = user_sub.add_parser("add", help="add a local account")
    add_user.add_argument("username")
    add_user.add_argument(
        "--name", required=True, help="as on activities (an inspector's lead_inspector name)"
    )
    add_user.add_argument("--role", required=True, help="business_support | inspector | viewer")
    add_user.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add_user.set_defaults(handler=cmd_user_add)
    password = user_sub.add_parser("password", help="set a new password; every session of the user ends")
    password.add_argument("username")
    password.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    password.set_defaults(handler=cmd_user_password)
    role = user_sub.add_parser("role", help="change a user's role; every session of the user ends")
    role.add_argument("username")
    role.add_argument("--role", required=True, help="business_support | inspector | viewer")
    role.add_argument("--by", required=True, type=person, help="who is changing it")
    role.set_defaults(handler=cmd_user_role)
    unlock = user_sub.add_parser("unlock", help="clear an account's failed sign-ins and its lock-out")
    unlock.add_argument("username")
    unlock.add_argument("--by", required=True, type=person, help="who is clearing it")
    unlock.set_defaults(handler=cmd_user_unlock)
    web = sub.add_parser("web", help="serve the dashboard alone (make run serves it with everything else)")
    web.add_argument("--host", default="127.0.0.1")
    web.add_argument("--port", type=whole_number(1, 65535), default=8000)
    web.set_defaults(handler=cmd_web)


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
    from services.store import open_store
    from services.tracking.unit_of_work import UnitOfWork

    checked_account(username=args.username, name=args.name, role=args.role)
    password = check_password(_password(args))
    with UnitOfWork(open_store()) as uow:
        user = add_user(
            uow.session,
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
    from services.store import open_store
    from services.tracking.unit_of_work import UnitOfWork

    password = check_password(_password(args))
    with UnitOfWork(open_store()) as uow:
        ended = set_password(uow.session, username=args.username, password=password, now=now_or_as_of(args))
    print(f"changed the password of {args.username}; {ended} sessions ended")
    return 0


def cmd_user_role(args: argparse.Namespace) -> int:
    from services.access.accounts import set_role
    from services.store import open_store
    from services.tracking.unit_of_work import UnitOfWork

    with UnitOfWork(open_store()) as uow:
        ended = set_role(
            uow.session, username=args.username, role=args.role, by=args.by, now=now_or_as_of(args)
        )
    print(f"{args.username} is now {args.role.replace('_', ' ')}; {ended} sessions ended")
    return 0


def cmd_user_unlock(args: argparse.Namespace) -> int:
    from services.access.sign_in import clear_account
    from services.store import open_store
    from services.tracking.unit_of_work import UnitOfWork

    with UnitOfWork(open_store()) as uow:
        failures = clear_account(uow.session, args.username, by=args.by, now=now_or_as_of(args))
    print(f"cleared {failures} failed sign-ins of {args.username}")
    return 0


def cmd_web(args: argparse.Namespace) -> int:
    import uvicorn

    from interfaces.web.app import create_app

    loopback = args.host in ("127.0.0.1", "localhost", "::1")  # plain http there: no Secure cookies, no HSTS
    uvicorn.run(create_app(loopback=loopback), host=args.host, port=args.port, log_level="warning")
    return 0
