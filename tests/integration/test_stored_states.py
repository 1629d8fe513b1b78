"""Every named state goes into the store as the plain string it always was and comes back as its enum,
on SQLite and PostgreSQL; a string that names no state is refused rather than stored."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError
from sqlmodel import select

from models.records import Activity, LocalAuthority, Milestone, OutboxMessage
from models.states import ActivityStatus, MilestoneStatus, OutboxStatus
from services.store.database import transaction

NOW = datetime(2025, 1, 6, 9, 30, tzinfo=UTC)


def _activity(session, status: ActivityStatus) -> int:
    activity = Activity(
        activity_type="standard-inspection",
        la_id=session.exec(select(LocalAuthority.id)).first(),
        onsite=date(2025, 1, 13),
        fieldwork_end=date(2025, 1, 24),
        status=status,
        lead_inspector="Ann",
        edition="2018-12",
        calendar_version="test",
        created_at=NOW,
    )
    session.add(activity)
    session.flush()
    return activity.id


def _message(activity_id: int, number: int, status: str) -> OutboxMessage:
    return OutboxMessage(
        idempotency_key=f"state-{number}",
        activity_id=activity_id,
        stage="due",
        recipient_email="dcs@example.org",
        recipient_name="Dee",
        recipient_role="dcs",
        subject="s",
        body_text="b",
        body_html="<p>b</p>",
        not_before=NOW,
        status=status,
        created_at=NOW,
    )


def _statuses(session, model, *where) -> list:
    return list(session.exec(select(model.status).where(*where).order_by(model.id)))


def test_every_state_round_trips_as_its_enum_and_is_stored_as_its_string(store):
    with transaction(store) as session:
        ids = [_activity(session, status) for status in ActivityStatus]
        for position, status in enumerate(MilestoneStatus):
            milestone = Milestone(
                activity_id=ids[0], position=position, key=f"m{position}", title="M", owner="LA"
            )
            milestone.status = status
            session.add(milestone)
        for number, status in enumerate(OutboxStatus):
            session.add(_message(ids[0], number, status))
    with transaction(store) as session:
        read = {
            "activity": _statuses(session, Activity, Activity.id.in_(ids)),
            "milestone": _statuses(session, Milestone),
            "outbox": _statuses(session, OutboxMessage),
        }
        raw = {
            name: session.exec(text(f"SELECT status FROM {name} ORDER BY id")).scalars().all()
            for name in ("activity", "milestone", "outbox_message")
        }
        queued = _statuses(session, OutboxMessage, OutboxMessage.status == OutboxStatus.QUEUED)
    assert read == {
        "activity": list(ActivityStatus),
        "milestone": list(MilestoneStatus),
        "outbox": list(OutboxStatus),
    }
    assert all(isinstance(status, MilestoneStatus) for status in read["milestone"])
    assert raw == {
        "activity": ["planned", "cancelled", "historic"],
        "milestone": ["planned", "done", "not_applicable", "on_event", "withdrawn", "unknown"],
        "outbox_message": ["queued", "sending", "sent", "failed", "cancelled"],
    }  # the strings stored before the states were named: no migration
    assert queued == [OutboxStatus.QUEUED]


@pytest.mark.parametrize("status", ["delivered", "Queued", ""])
def test_a_string_that_names_no_state_is_refused(store, status):
    with pytest.raises(StatementError, match=f"'{status}' is not a valid OutboxStatus"):
        with transaction(store) as session:
            session.add(_message(_activity(session, ActivityStatus.PLANNED), 0, status))
    with transaction(store) as session:
        assert session.exec(select(OutboxMessage)).all() == []
