"""What every email's headers say (issue 14, point 6): dated when sent; the subject on its own line."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from calendars import LONDON
from models.records import OutboxMessage
from services.mail.delivery import build_message

SUBJECT = "Information request: monitoring visit of Haringey's children's services"


def _row() -> OutboxMessage:
    return OutboxMessage(
        idempotency_key="7:data_request:letter:dcs.haringey@example.org",
        activity_id=7,
        stage="letter",
        recipient_email="dcs.haringey@example.org",
        recipient_name="Director of Children's Services (fictional), Haringey",
        recipient_role="dcs",
        recipient_la_facing=True,
        subject=SUBJECT,
        body_text="Dear Director – a line with a dash " + "x" * 120 + "\n",
        body_html="<p>Dear Director</p>",
        not_before=datetime(2026, 6, 16, 8, 30, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("sent", "header"),
    [
        (datetime(2026, 6, 16, 10, 5, tzinfo=LONDON), "Tue, 16 Jun 2026 10:05:00 +0100"),  # BST
        (datetime(2026, 11, 24, 10, 5, tzinfo=LONDON), "Tue, 24 Nov 2026 10:05:00 +0000"),  # GMT
    ],
    ids=["summer", "winter"],
)
def test_the_date_header_is_when_the_email_was_sent_not_when_it_was_queued(sent, header):
    raw = bytes(build_message(_row(), sent_at=sent))
    assert f"\nDate: {header}\n".encode() in raw.replace(b"\r\n", b"\n")


def test_the_subject_is_not_folded_after_the_header_name_and_the_body_lines_stay_short():
    raw = bytes(build_message(_row(), sent_at=datetime(2026, 6, 16, 9, 0, tzinfo=UTC)))
    assert f"\nSubject: {SUBJECT}\n".encode() in raw.replace(b"\r\n", b"\n")
    body = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[1]
    assert max(len(line) for line in body.splitlines()) <= 78
    parsed = message_from_bytes(raw, policy=policy.default)
    assert str(parsed["Subject"]) == SUBJECT
    assert parsed.get_body(("plain",)).get_content().startswith("Dear Director – a line")
