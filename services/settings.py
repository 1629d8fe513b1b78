"""Every setting the project reads, with its default, type and meaning: the one module that reads the
environment.

`get_settings()` gives the settings in force. Entry points (the `ilacs` command, the dashboard, the
local service) call it at start-up, so a bad value is refused before anything runs, and hand what
they got to what they start; code deeper down calls it too rather than thread one object through
every layer. It is read per call but built once per environment: comparing the ILACS_ variables
costs microseconds and building the object a few more, so a test's `monkeypatch.setenv` is seen at
once without a rebuild step and a long audit verification does not rebuild it per entry.
A child process is given its settings as an explicit environment (`child_environment`); this process's
own environment is never written.

A plain dataclass, not pydantic-settings: every command builds the settings first, and importing
pydantic and pydantic-settings cost more than the rest of `ilacs timeline` (docs/decisions.md).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from calendars import WorkingDayCalendar
from calendars.england import DEFAULT_CLOSURES_FILE, england_calendar

PREFIX = "ILACS_"
ROOT = Path(__file__).resolve().parents[1]
MIN_AUDIT_KEY = 32
_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"0", "false", "f", "no", "n", "off"}


def _default_home() -> Path:
    """This checkout's `.ilacs` when the code runs from a checkout (so `make run`, the dashboard and
    `.venv/bin/ilacs` from any folder share one store), else `~/.ilacs`."""
    return ROOT / ".ilacs" if (ROOT / "pyproject.toml").is_file() else Path("~/.ilacs").expanduser()


DEFAULT_HOME = _default_home()


class MailTransport(StrEnum):
    SMTP = "smtp"
    NOTIFY = "notify"
    DIRECTORY = "directory"


class SettingsError(ValueError):
    """A setting the project cannot work with (a ValueError: the command line's exit status 2)."""


@dataclasses.dataclass(frozen=True)
class Secret:
    """A secret setting: its value only through `get_secret_value()`, never in str, repr or a log."""

    _value: str = dataclasses.field(repr=False)

    def get_secret_value(self) -> str:
        return self._value

    def __str__(self) -> str:
        return "**********" if self._value else ""


def _setting(default: object, meaning: str, parse: Callable[[str], object], *, variable: str = "") -> object:
    """A field with its default, its meaning (for the README table), how its text is read and, when not
    ILACS_ plus its name, the variable that sets it."""
    return dataclasses.field(
        default=default, metadata={"meaning": meaning, "parse": parse, "variable": variable}
    )


def _text(value: str) -> str:
    return value


def _path(value: str) -> Path:
    return Path(value).expanduser()


def _secret(value: str) -> Secret:
    return Secret(value)


def _audit_key(value: str) -> Secret:
    if len(value) < MIN_AUDIT_KEY:
        raise ValueError(f"must have at least {MIN_AUDIT_KEY} characters")
    return Secret(value)


def _whole_number(low: int, high: int | None = None) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value.strip())
        except ValueError:
            raise ValueError("must be a whole number") from None
        if number < low or (high is not None and number > high):
            raise ValueError(f"must be from {low} to {high}" if high else f"must be at least {low}")
        return number

    return parse


_port = _whole_number(1, 65535)


def _flag(value: str) -> bool:
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ValueError("must be true or false (1 or 0, yes or no, on or off)")


def _transport(value: str) -> MailTransport:
    if value not in {t.value for t in MailTransport}:
        raise ValueError(f"use {', '.join(list(MailTransport)[:-1])} or {list(MailTransport)[-1]}")
    return MailTransport(value)


@dataclasses.dataclass(frozen=True)
class Settings:
    """The settings, from ILACS_ variables (PREFECT_API_URL is Prefect's own, read here as well).
    `given` names the fields the environment set (the others are defaults), for `ilacs where`."""

    home: Path = _setting(
        DEFAULT_HOME,
        "where the default SQLite store, the kept keys, the demonstration's password and the local "
        "service's mail sink and logs live: the checkout's `.ilacs/` when the code runs from a checkout "
        "(as `make run` and `.venv/bin/ilacs` do), else `~/.ilacs`",
        _path,
    )
    database_url: str | None = _setting(
        None,
        "the store: any SQLAlchemy URL (`postgresql://user@host/db` uses the shipped psycopg 3 driver); "
        "unset: `sqlite:///$ILACS_HOME/ilacs.db`",
        _text,
    )
    closures_file: Path = _setting(
        DEFAULT_CLOSURES_FILE, "Ofsted closure days, extra non-working days (shipped empty)", _path
    )
    audit_key: Secret | None = _setting(
        None,
        f"the key that seals audit entries and checkpoints ({MIN_AUDIT_KEY}+ characters), never in the "
        "database; unset: a key made once and kept in `ILACS_HOME/audit-key`",
        _audit_key,
    )
    audit_checkpoints: Path | None = _setting(
        None,
        "where signed checkpoints of the audit chain are appended; unset: "
        "`ILACS_HOME/audit-checkpoints.jsonl`",
        _path,
    )
    secret_key: Secret | None = _setting(
        None,
        "the key that signs the dashboard's session cookies; unset: one made once and kept in "
        "`ILACS_HOME/secret-key`",
        _secret,
    )
    govuk_frontend_dir: Path = _setting(
        ROOT / ".web" / "node_modules" / "govuk-frontend" / "dist" / "govuk",
        "GOV.UK Frontend's built CSS, JavaScript and assets for the dashboard (installed by the Makefile)",
        _path,
    )
    mail_transport: MailTransport = _setting(
        MailTransport.SMTP, "`smtp`, `notify` (GOV.UK Notify) or `directory`", _transport
    )
    smtp_host: str = _setting("localhost", "the SMTP server", _text)
    smtp_port: int = _setting(25, "the SMTP server's port", _port)
    smtp_user: str = _setting("", "SMTP login (after STARTTLS)", _text)
    smtp_password: Secret = _setting(Secret(""), "SMTP password", _secret)
    smtp_starttls: bool = _setting(default=True, meaning="STARTTLS before anything else", parse=_flag)
    mail_from: str = _setting(
        "ILACS notifications <ilacs-notifications@example.org>", "the From address", _text
    )
    mail_dir: Path | None = _setting(
        None, "where the directory transport writes `.eml` files; unset: `$ILACS_HOME/mail`", _path
    )
    notify_api_key: Secret | None = _setting(None, "GOV.UK Notify's API key", _secret)
    notify_template_id: str | None = _setting(
        None, "a Notify email template whose subject is `((subject))` and body `((body))`", _text
    )
    notify_base_url: str | None = _setting(None, "another Notify API address; unset: Notify's own", _text)
    sender_interval_seconds: int = _setting(
        60, "how often the served sender runs besides its event trigger", _whole_number(1)
    )
    prefect_port: int = _setting(4200, "the local service's Prefect server (loopback)", _port)
    sink_port: int = _setting(1025, "the local service's mail sink (loopback)", _port)
    web_port: int = _setting(8000, "the local service's dashboard (loopback)", _port)
    debug: bool = _setting(default=False, meaning="`1` shows tracebacks of unexpected errors", parse=_flag)
    prefect_api_url: str | None = _setting(
        None,
        "when set (a Prefect server is up), `ilacs schedule` registers through the `schedule-activity` "
        "flow run on it and a change wakes the served sender",
        _text,
        variable="PREFECT_API_URL",
    )
    checkout: Path | None = _setting(
        None, "on a worker machine, the folder holding `prefect.yaml` (read by its pull step)", _path
    )
    given: frozenset[str] = dataclasses.field(default=frozenset(), repr=False, compare=False)

    @property
    def store_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'ilacs.db'}"

    @property
    def checkpoint_file(self) -> Path:
        return self.audit_checkpoints or self.home / "audit-checkpoints.jsonl"

    @property
    def mail_directory(self) -> Path:
        return self.mail_dir or self.home / "mail"

    @property
    def audit_key_file(self) -> Path:
        """Where the audit key made without ILACS_AUDIT_KEY is kept."""
        return self.home / "audit-key"

    @property
    def secret_key_file(self) -> Path:
        """Where the dashboard's session key made without ILACS_SECRET_KEY is kept."""
        return self.home / "secret-key"

    @property
    def mail_sink_directory(self) -> Path:
        """Where the local service's mail sink keeps each message it receives."""
        return self.home / "mail-sink"

    @property
    def store_shown(self) -> str:
        """The store's URL with any password hidden, fit to print."""
        return hide_password(self.store_url)


def hide_password(url: str) -> str:
    """`url` with the password of its `user:password@` part replaced by `***` (as SQLAlchemy shows it,
    without importing SQLAlchemy: `ilacs --help` prints the store)."""
    scheme, separator, rest = url.partition("://")
    authority, slash, path = rest.partition("/")
    credentials, at, host = authority.rpartition("@")
    if not (separator and at and ":" in credentials):
        return url
    return f"{scheme}://{credentials.partition(':')[0]}:***@{host}{slash}{path}"


def setting_fields() -> list[dataclasses.Field]:
    """The settings' fields, each with its default and its `meaning` and `variable` in its metadata."""
    return [field for field in dataclasses.fields(Settings) if "meaning" in field.metadata]


def variable(name: str) -> str:
    """The environment variable that sets the field `name`."""
    return _FIELDS[name].metadata["variable"] or PREFIX + name.upper()


def _ours(key: str) -> bool:
    return key.upper().startswith(PREFIX) or key == "PREFECT_API_URL"


def get_settings() -> Settings:
    """The settings in force: built from this process's environment when its ILACS_ variables changed."""
    return _build(tuple(sorted((k, v) for k, v in os.environ.items() if _ours(k))))


@lru_cache(maxsize=8)
def _build(variables: tuple[tuple[str, str], ...]) -> Settings:
    """`variables` is the cache key: the environment the settings are read from."""
    return settings_from(dict(variables))


def settings_from(environment: Mapping[str, str]) -> Settings:
    """The settings an environment gives (names in any case; an empty value is unset), or one
    SettingsError naming every bad variable and its value (never a secret's)."""
    values, problems = {}, []
    environment = {key.upper(): value for key, value in environment.items()}  # as pydantic-settings read it
    for field in setting_fields():
        name = variable(field.name)
        text = environment.get(name, "")
        if text == "":
            continue
        try:
            values[field.name] = field.metadata["parse"](text)
        except ValueError as exc:
            secret = field.metadata["parse"] in (_secret, _audit_key)
            problems.append(f"{name} {exc}" if secret else f"{name}={text!r}: {exc}")
    notify = values.get("mail_transport") is MailTransport.NOTIFY
    if notify and not (values.get("notify_api_key") and values.get("notify_template_id")):
        problems.append(
            f"{PREFIX}MAIL_TRANSPORT=notify needs {PREFIX}NOTIFY_API_KEY and {PREFIX}NOTIFY_TEMPLATE_ID"
        )
    if problems:
        raise SettingsError("; ".join(problems))
    return Settings(**values, given=frozenset(values))


def child_environment(settings: Settings, **extra: str) -> dict[str, str]:
    """The explicit environment of a child process: this one's, with its ILACS_ variables (and
    PREFECT_API_URL) replaced by `settings`, plus `extra` (Prefect's own variables)."""
    env = {key: value for key, value in os.environ.items() if not _ours(key)}
    for field in setting_fields():
        value = getattr(settings, field.name)
        if value is None:
            continue
        if isinstance(value, Secret):
            value = value.get_secret_value()
        env[variable(field.name)] = str(value).lower() if isinstance(value, bool) else str(value)
    return {**env, **extra}


def calendar_in_force() -> WorkingDayCalendar:
    """England's calendar with the closure days of ILACS_CLOSURES_FILE."""
    return england_calendar(get_settings().closures_file)


_FIELDS = {field.name: field for field in setting_fields()}
