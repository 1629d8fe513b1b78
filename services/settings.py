"""Every setting the project reads, with its default, type and meaning: the one module that reads the
environment.

`get_settings()` gives the settings in force. Entry points (the `ilacs` command, the dashboard, the
local service) call it at start-up, so a bad value is refused before anything runs, and hand what
they got to what they start; code deeper down calls it too rather than thread one object through
every layer. It is read per call but built once per environment: comparing the ILACS_ variables
costs microseconds and building the object about a millisecond, so a test's `monkeypatch.setenv`
is seen at once without a rebuild step and a long audit verification does not rebuild it per entry.
A child process is given its settings as an explicit environment (`child_environment`); this process's
own environment is never written.
"""

from __future__ import annotations

import os
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from calendars import WorkingDayCalendar
from calendars.england import DEFAULT_CLOSURES_FILE, england_calendar

PREFIX = "ILACS_"
ROOT = Path(__file__).resolve().parents[1]
MIN_AUDIT_KEY = 32
Port = Annotated[int, Field(ge=1, le=65535)]


class MailTransport(StrEnum):
    SMTP = "smtp"
    NOTIFY = "notify"
    DIRECTORY = "directory"


class SettingsError(ValueError):
    """A setting the project cannot work with (a ValueError: the command line's exit status 2)."""


class Settings(BaseSettings):
    """The settings, from ILACS_ variables (PREFECT_API_URL is Prefect's own, read here as well)."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, env_ignore_empty=True, frozen=True)

    home: Path = Field(
        Path("~/.ilacs"),
        description="where the default SQLite store, the kept keys, the demonstration's password and the "
        "local service's mail sink and logs live (the Makefile sets `.ilacs/` in the checkout)",
    )
    database_url: str | None = Field(
        None,
        description="the store: any SQLAlchemy URL (`postgresql://user@host/db` uses the shipped psycopg 3 "
        "driver); unset: `sqlite:///$ILACS_HOME/ilacs.db`",
    )
    closures_file: Path = Field(
        DEFAULT_CLOSURES_FILE, description="Ofsted closure days, extra non-working days (shipped empty)"
    )
    audit_key: SecretStr | None = Field(
        None,
        description=f"the key that seals audit entries and checkpoints ({MIN_AUDIT_KEY}+ characters), never "
        "in the database; unset: a key made once and kept in `ILACS_HOME/audit-key`",
    )
    audit_checkpoints: Path | None = Field(
        None,
        description="where signed checkpoints of the audit chain are appended; unset: "
        "`ILACS_HOME/audit-checkpoints.jsonl`",
    )
    secret_key: SecretStr | None = Field(
        None,
        description="the key that signs the dashboard's session cookies; unset: one made once and kept in "
        "`ILACS_HOME/secret-key`",
    )
    govuk_frontend_dir: Path = Field(
        ROOT / ".web" / "node_modules" / "govuk-frontend" / "dist" / "govuk",
        description="GOV.UK Frontend's built CSS, JavaScript and assets for the dashboard (installed by the "
        "Makefile)",
    )
    mail_transport: MailTransport = Field(
        MailTransport.SMTP, description="`smtp`, `notify` (GOV.UK Notify) or `directory`"
    )
    smtp_host: str = Field("localhost", description="the SMTP server")
    smtp_port: Port = Field(25, description="the SMTP server's port")
    smtp_user: str = Field("", description="SMTP login (after STARTTLS)")
    smtp_password: SecretStr = Field(SecretStr(""), description="SMTP password")
    smtp_starttls: bool = Field(default=True, description="STARTTLS before anything else")
    mail_from: str = Field(
        "ILACS notifications <ilacs-notifications@example.org>", description="the From address"
    )
    mail_dir: Path | None = Field(
        None, description="where the directory transport writes `.eml` files; unset: `$ILACS_HOME/mail`"
    )
    notify_api_key: SecretStr | None = Field(None, description="GOV.UK Notify's API key")
    notify_template_id: str | None = Field(
        None, description="a Notify email template whose subject is `((subject))` and body `((body))`"
    )
    notify_base_url: str | None = Field(None, description="another Notify API address; unset: Notify's own")
    sender_interval_seconds: int = Field(
        60, gt=0, description="how often the served sender runs besides its event trigger"
    )
    prefect_port: Port = Field(4200, description="the local service's Prefect server (loopback)")
    sink_port: Port = Field(1025, description="the local service's mail sink (loopback)")
    web_port: Port = Field(8000, description="the local service's dashboard (loopback)")
    debug: bool = Field(default=False, description="`1` shows tracebacks of unexpected errors")
    prefect_api_url: str | None = Field(
        None,
        validation_alias="PREFECT_API_URL",
        description="when set (a Prefect server is up), `ilacs schedule` registers through the "
        "`schedule-activity` flow run on it and a change wakes the served sender",
    )
    checkout: Path | None = Field(
        None, description="on a worker machine, the folder holding `prefect.yaml` (read by its pull step)"
    )

    @field_validator("home")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("mail_transport", mode="before")
    @classmethod
    def _known_transport(cls, value: object) -> object:
        if value not in {t.value for t in MailTransport}:
            raise ValueError(f"use {', '.join(list(MailTransport)[:-1])} or {list(MailTransport)[-1]}")
        return value

    @field_validator("audit_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_AUDIT_KEY:
            raise ValueError(f"must have at least {MIN_AUDIT_KEY} characters")
        return value

    @model_validator(mode="after")
    def _notify_complete(self) -> Settings:
        notify = self.mail_transport is MailTransport.NOTIFY
        if notify and not (self.notify_api_key and self.notify_template_id):
            raise ValueError(
                f"{PREFIX}MAIL_TRANSPORT=notify needs {PREFIX}NOTIFY_API_KEY and {PREFIX}NOTIFY_TEMPLATE_ID"
            )
        return self

    @property
    def store_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'ilacs.db'}"

    @property
    def checkpoint_file(self) -> Path:
        return self.audit_checkpoints or self.home / "audit-checkpoints.jsonl"

    @property
    def mail_directory(self) -> Path:
        return self.mail_dir or self.home / "mail"


def variable(name: str) -> str:
    """The environment variable that sets the field `name`."""
    alias = Settings.model_fields[name].validation_alias
    return alias if isinstance(alias, str) else PREFIX + name.upper()


def _ours(key: str) -> bool:
    return key.upper().startswith(PREFIX) or key == "PREFECT_API_URL"


def get_settings() -> Settings:
    """The settings in force: built from this process's environment when its ILACS_ variables changed."""
    return _build(tuple(sorted((k, v) for k, v in os.environ.items() if _ours(k))))


@lru_cache(maxsize=8)
def _build(_variables: tuple[tuple[str, str], ...]) -> Settings:
    """`_variables` is the cache key: the environment the settings are read from."""
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError("; ".join(_problem(error) for error in exc.errors())) from None


def _problem(error) -> str:
    """One error in one line, naming the variable and its value (never a secret's)."""
    if not error["loc"]:  # a rule across settings: its message says it all
        return str(error["ctx"]["error"])
    name = str(error["loc"][0])
    message = str(error["ctx"]["error"]) if error["type"] == "value_error" else error["msg"]
    if Settings.model_fields[name].annotation in (SecretStr, SecretStr | None):
        return f"{variable(name)} {message}"
    return f"{variable(name)}={error['input']!r}: {message}"


def child_environment(settings: Settings, **extra: str) -> dict[str, str]:
    """The explicit environment of a child process: this one's, with its ILACS_ variables (and
    PREFECT_API_URL) replaced by `settings`, plus `extra` (Prefect's own variables)."""
    env = {key: value for key, value in os.environ.items() if not _ours(key)}
    for name, value in settings:
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        env[variable(name)] = str(value).lower() if isinstance(value, bool) else str(value)
    return {**env, **extra}


def calendar_in_force() -> WorkingDayCalendar:
    """England's calendar with the closure days of ILACS_CLOSURES_FILE."""
    return england_calendar(get_settings().closures_file)
