"""Commands for the dashboard: accounts, and serving it alone."""

from __future__ import annotations

import argparse
import sys

from interfaces.commands.common import (
    now_or_as_of,
)
from services.database import open_store, transaction


def cmd_user_add(args: argparse.Namespace) -> int:
    """A dashboard account; the password comes from standard input (never from the command line)."""
    import getpass

    from services.accounts import add_user

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
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


def cmd_web(args: argparse.Namespace) -> int:
    import uvicorn

    from interfaces.web.app import create_app

    loopback = args.host in (
        "127.0.0.1",
        "localhost",
        "::1",
    )  # plain http there: browsers drop Secure cookies
    uvicorn.run(create_app(secure_cookies=not loopback), host=args.host, port=args.port, log_level="warning")
    return 0
