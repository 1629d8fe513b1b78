"""`ilacs where`: which store, home, mail and key files a command uses, and which setting or default
chose each, so nobody has to know where the defaults point. It reads the settings only: it opens and
creates nothing."""

from __future__ import annotations

import argparse

from interfaces.commands.common import print_json
from services.settings import DEFAULT_HOME, ROOT, MailTransport, Settings, get_settings, variable


def register(sub) -> None:
    where = sub.add_parser("where", help="which store, home, mail and key files commands use, and why")
    where.add_argument("--json", action="store_true")
    where.set_defaults(handler=cmd_where)


def _chosen(settings: Settings, *names: str, default: str) -> str:
    """The variables among `names` the environment set, else what the default is."""
    given = [variable(name) for name in names if name in settings.given]
    return ", ".join(given) if given else f"default: {default}"


def _mail(settings: Settings) -> str:
    if settings.mail_transport is MailTransport.DIRECTORY:
        return f"directory {settings.mail_directory}"
    if settings.mail_transport is MailTransport.NOTIFY:
        return f"GOV.UK Notify {settings.notify_base_url or ''}".strip()
    return f"smtp {settings.smtp_host}:{settings.smtp_port}"


def places(settings: Settings) -> list[tuple[str, str, str]]:
    """(what, where, chosen by) for each place the settings point at."""
    in_home = "in the home"
    home_default = "this checkout's .ilacs" if DEFAULT_HOME == ROOT / ".ilacs" else "~/.ilacs, no checkout"
    mail_names = ("mail_transport", "smtp_host", "smtp_port", "mail_dir", "notify_base_url")
    return [
        ("store", settings.store_shown, _chosen(settings, "database_url", default=f"ilacs.db {in_home}")),
        ("home", str(settings.home), _chosen(settings, "home", default=home_default)),
        ("mail", _mail(settings), _chosen(settings, *mail_names, default="smtp to localhost")),
        ("mail sink", str(settings.mail_sink_directory), f"the local service's, {in_home}"),
        (
            "audit key",
            "(a setting, not shown)" if settings.audit_key else str(settings.audit_key_file),
            _chosen(settings, "audit_key", default=f"made once and kept {in_home}"),
        ),
        (
            "audit checkpoints",
            str(settings.checkpoint_file),
            _chosen(settings, "audit_checkpoints", default=in_home),
        ),
        (
            "dashboard key",
            "(a setting, not shown)" if settings.secret_key else str(settings.secret_key_file),
            _chosen(settings, "secret_key", default=f"made once and kept {in_home}"),
        ),
        ("closure days", str(settings.closures_file), _chosen(settings, "closures_file", default="shipped")),
    ]


def cmd_where(args: argparse.Namespace) -> int:
    rows = places(get_settings())
    if args.json:
        print_json([{"what": what, "where": where, "chosen_by": chosen} for what, where, chosen in rows])
        return 0
    width = max(len(what) for what, _, _ in rows)
    for what, where, chosen in rows:
        print(f"{what:<{width}}  {where}  ({chosen})")
    return 0
