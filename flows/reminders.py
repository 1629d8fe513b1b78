"""The reminder flows: the daily sweep (07:00), the outbox sender, and business support's digest
(07:30). Each takes `as_of` so that a timeline can be replayed day by day; without it, now.

The sweep queues and the sender sends, each in flow runs of its own: at 10,000 activities a sweep
queues tens of thousands of messages, and a sweep's run that also sent them would last as long as the
sending. The sweep wakes the sender's deployment (the event a change that queues mail emits); the
sender's own schedule is the backstop."""

from __future__ import annotations

from datetime import datetime

import pendulum
from prefect import flow

from calendars import LONDON
from services.settings import calendar_in_force
from tasks.audit import checkpoint_audit_chain
from tasks.reminders import deliver_outbox, queue_digests, queue_due_messages


def _as_of(as_of: datetime | None) -> datetime:
    return as_of or pendulum.now(LONDON)


@flow(name="daily-sweep")
def daily_sweep(as_of: datetime | None = None) -> dict:
    """Anchor the audit chain; then, on a working day, queue every reminder and letter due, for the
    sender to send. On a bank holiday or a weekend nothing is queued (the cron schedule does not know
    bank holidays; this does)."""
    moment = _as_of(as_of)
    anchored = checkpoint_audit_chain(moment)  # every day: the audit log is anchored even at weekends
    if not calendar_in_force().is_working_day(moment.astimezone(LONDON).date()):
        return {"skipped": "not a working day", **anchored}
    return {**anchored, **queue_due_messages(moment)}


@flow(name="send-outbox")
def send_outbox(as_of: datetime | None = None) -> dict:
    """Deliver every queued message that is due (letters go as soon as they are queued)."""
    return deliver_outbox(_as_of(as_of))


@flow(name="business-support-digest")
def business_support_digest(as_of: datetime | None = None) -> dict:
    moment = _as_of(as_of)
    return {**queue_digests(moment), **deliver_outbox(moment)}
