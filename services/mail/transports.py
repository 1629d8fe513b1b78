"""Where emails go: an SMTP server (STARTTLS and login) by default, GOV.UK Notify, or a directory of
.eml files for the demo. Chosen by ILACS_MAIL_TRANSPORT; the settings of each (ILACS_SMTP_*,
ILACS_NOTIFY_*, ILACS_MAIL_DIR) are described in `services.settings`.
"""

from __future__ import annotations

import smtplib
import ssl
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses
from pathlib import Path
from typing import Protocol

from services.settings import MailTransport, get_settings


class Transport(Protocol):
    """Anything that sends one message; one that is also a context manager holds a connection for all
    the messages sent inside it."""

    def send(self, message: Message) -> None:
        """Deliver `message` or raise."""


class SmtpTransport:
    """An SMTP server. Used as a context manager it holds one connection for many messages (opened at
    the first, renewed every MESSAGES_PER_CONNECTION and after any failure); otherwise each message has
    a conversation of its own."""

    MESSAGES_PER_CONNECTION = 100  # under the per-connection limits mail servers commonly set

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
        self._held: smtplib.SMTP | None = None
        self._holding, self._carried = False, 0

    def _connect(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.starttls:
                smtp.starttls(context=self.ssl_context or ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: Message) -> None:
        if not self._holding:
            with self._connect() as smtp:
                smtp.send_message(message)
            return
        if self._held is None or self._carried >= self.MESSAGES_PER_CONNECTION:
            self._release()
            self._held, self._carried = self._connect(), 0
        try:
            self._held.send_message(message)
        except BaseException:
            self._release()
            raise
        self._carried += 1

    def _release(self) -> None:
        if self._held is not None:
            try:
                self._held.quit()
            except (smtplib.SMTPException, OSError):
                self._held.close()
        self._held = None

    def __enter__(self) -> SmtpTransport:
        self._holding = True
        return self

    def __exit__(self, *exc_info) -> None:
        self._holding = False
        self._release()


class DirectoryTransport:
    """Each message as an .eml file, written whole (temporary name, then renamed)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, message: Message) -> None:
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

    def send(self, message: Message) -> None:
        plain = next((p for p in message.walk() if p.get_content_type() == "text/plain"), None)
        body = plain.get_payload(decode=True).decode(plain.get_content_charset() or "utf-8") if plain else ""
        self.client.send_email_notification(
            email_address=getaddresses([str(message["To"])])[0][1],
            template_id=self.template_id,
            personalisation={
                "subject": str(make_header(decode_header(str(message["Subject"])))),
                "body": body,
            },
            reference=str(message["Message-ID"]),
        )


def transport_from_settings() -> Transport:
    settings = get_settings()
    if settings.mail_transport is MailTransport.DIRECTORY:
        return DirectoryTransport(settings.mail_directory)
    if settings.mail_transport is MailTransport.NOTIFY:
        return NotifyTransport(
            api_key=settings.notify_api_key.get_secret_value(),
            template_id=settings.notify_template_id,
            base_url=settings.notify_base_url,
        )
    return SmtpTransport(
        host=settings.smtp_host,
        port=settings.smtp_port,
        user=settings.smtp_user,
        password=settings.smtp_password.get_secret_value(),
        starttls=settings.smtp_starttls,
    )
