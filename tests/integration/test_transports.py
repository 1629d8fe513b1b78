"""The other transports: GOV.UK Notify's API (its client, against a Notify-shaped server on loopback,
since the real service is not reachable from here) and the directory of .eml files."""

from __future__ import annotations

import json
import threading
import uuid
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest

from services.mail.transports import (
    DirectoryTransport,
    NotifyTransport,
    SmtpTransport,
    transport_from_settings,
)

SERVICE_ID, SECRET = str(uuid.uuid4()), str(uuid.uuid4())
API_KEY = f"ilacs_test-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = str(uuid.uuid4())


def message() -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = (
        "ilacs@example.org",
        "Dee Director <dcs@example.org>",
        "Due today: data",
    )
    m["Message-ID"] = "<abc123@ilacs-orchestrator>"
    m.set_content("Dear Dee,\n\nPlease send it.\n")
    m.add_alternative("<p>Please send it.</p>", subtype="html")
    return m


@pytest.fixture
def notify_api():
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the standard library's name)
            token = self.headers["Authorization"].removeprefix("Bearer ")
            claims = jwt.decode(token, SECRET, algorithms=["HS256"])
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append({"path": self.path, "iss": claims["iss"], **body})
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(
                json.dumps({"id": str(uuid.uuid4()), "reference": body.get("reference")}).encode()
            )

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()


def test_notify_sends_the_subject_and_plain_body_to_one_template(notify_api):
    base_url, received = notify_api
    NotifyTransport(api_key=API_KEY, template_id=TEMPLATE_ID, base_url=base_url).send(message())
    (call,) = received
    assert (call["path"], call["iss"], call["template_id"]) == (
        "/v2/notifications/email",
        SERVICE_ID,
        TEMPLATE_ID,
    )
    assert call["email_address"] == "dcs@example.org"
    assert call["personalisation"] == {"subject": "Due today: data", "body": "Dear Dee,\n\nPlease send it.\n"}
    assert call["reference"] == "<abc123@ilacs-orchestrator>"


def test_the_directory_transport_writes_whole_files(tmp_path):
    DirectoryTransport(tmp_path / "mail").send(message())
    (written,) = (tmp_path / "mail").iterdir()
    assert written.name == "abc123.eml" and b"Subject: Due today: data" in written.read_bytes()


@pytest.mark.parametrize(
    ("settings", "kind"),
    [
        ({}, SmtpTransport),
        ({"ILACS_MAIL_TRANSPORT": "directory", "ILACS_MAIL_DIR": "/tmp/x"}, DirectoryTransport),
        (
            {
                "ILACS_MAIL_TRANSPORT": "notify",
                "ILACS_NOTIFY_API_KEY": API_KEY,
                "ILACS_NOTIFY_TEMPLATE_ID": "t",
            },
            NotifyTransport,
        ),
    ],
)
def test_one_setting_chooses_the_transport(monkeypatch, settings, kind):
    for name in (
        "ILACS_MAIL_TRANSPORT",
        "ILACS_MAIL_DIR",
        "ILACS_NOTIFY_API_KEY",
        "ILACS_NOTIFY_TEMPLATE_ID",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    assert isinstance(transport_from_settings(), kind)


def test_an_unknown_transport_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("ILACS_MAIL_TRANSPORT", "pigeon")
    with pytest.raises(ValueError, match="ILACS_MAIL_TRANSPORT='pigeon': use smtp, notify or directory"):
        transport_from_settings()
