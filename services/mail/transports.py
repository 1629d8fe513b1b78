"""Where emails go: an SMTP server (STARTTLS and login) by default, GOV.UK Notify, or a directory of
.eml files for the demo. Chosen by ILACS_MAIL_TRANSPORT; each reads its own settings.

| variable | meaning |
|---|---|
| ILACS_MAIL_TRANSPORT | smtp (default), notify or directory |
| ILACS_SMTP_HOST / ILACS_SMTP_PORT | the SMTP server (default localhost:25) |
| ILACS_SMTP_USER / ILACS_SMTP_PASSWORD | login, after STARTTLS (both or neither) |
| ILACS_SMTP_STARTTLS | true (default) or false |
| ILACS_MAIL_FROM | the From address |
| ILACS_MAIL_DIR | the directory transport's folder |
| ILACS_NOTIFY_API_KEY | GOV.UK Notify's API key |
| ILACS_NOTIFY_TEMPLATE_ID | a Notify email template whose subject is ((subject)) and body ((body)) |
"""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Deliver `message` or raise."""


class SmtpTransport:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        user: str = "",
        password: str = "",
        starttls: bool = True,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = 30,
    ) -> None:
        self.host, self.port, self.user, self.password = host, port, user, password
        self.starttls, self.ssl_context, self.timeout = starttls, ssl_context, timeout

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=self.ssl_context or ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(message)


class DirectoryTransport:
    """Each message as an .eml file, written whole (temporary name, then renamed)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").split("@")[0]
        partial = self.directory / f".{name}.eml.partial"
        partial.write_bytes(bytes(message))
        partial.replace(self.directory / f"{name}.eml")


class NotifyTransport:
    """GOV.UK Notify: one generic email template with ((subject)) and ((body)) personalisation."""

    def __init__(self, *, api_key: str, template_id: str, base_url: str | None = None) -> None:
        from notifications_python_client.notifications import NotificationsAPIClient

        kwargs = {"base_url": base_url} if base_url else {}
        self.client = NotificationsAPIClient(api_key, **kwargs)
        self.template_id = template_id

    def send(self, message: EmailMessage) -> None:
        body = message.get_body(("plain",))
        self.client.send_email_notification(
            email_address=message["To"].addresses[0].addr_spec,
            template_id=self.template_id,
            personalisation={"subject": str(message["Subject"]), "body": body.get_content() if body else ""},
            reference=message["Message-ID"],
        )


def transport_from_settings() -> Transport:
    kind = os.environ.get("ILACS_MAIL_TRANSPORT", "smtp")
    if kind == "directory":
        default = Path(os.environ.get("ILACS_HOME") or Path.home() / ".ilacs") / "mail"
        return DirectoryTransport(Path(os.environ.get("ILACS_MAIL_DIR") or default))
    if kind == "notify":
        return NotifyTransport(
            api_key=os.environ["ILACS_NOTIFY_API_KEY"],
            template_id=os.environ["ILACS_NOTIFY_TEMPLATE_ID"],
            base_url=os.environ.get("ILACS_NOTIFY_BASE_URL"),
        )
    if kind != "smtp":
        raise ValueError(f"ILACS_MAIL_TRANSPORT={kind!r}: use smtp, notify or directory")
    return SmtpTransport(
        host=os.environ.get("ILACS_SMTP_HOST", "localhost"),
        port=int(os.environ.get("ILACS_SMTP_PORT", "25")),
        user=os.environ.get("ILACS_SMTP_USER", ""),
        password=os.environ.get("ILACS_SMTP_PASSWORD", ""),
        starttls=os.environ.get("ILACS_SMTP_STARTTLS", "true").lower() not in ("false", "0", "no"),
    )


def mail_from() -> str:
    return os.environ.get("ILACS_MAIL_FROM", "ILACS notifications <ilacs-notifications@example.org>")
