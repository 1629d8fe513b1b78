"""Prefect tasks for reminders and the outbox: each one job, each its own transactions."""

from __future__ import annotations

from datetime import datetime

from prefect import task
from prefect.cache_policies import NO_CACHE

from models.reminders import shipped_policy
from services.mail import digest
from services.mail.delivery import deliver_due
from services.mail.sweep import sweep_in_batches
from services.mail.transports import transport_from_settings
from services.settings import calendar_in_force
from services.store import open_store
from services.store.database import transaction
from services.tracking.events import MailQueued
from services.tracking.unit_of_work import wake_sender


@task(name="queue-due-messages", cache_policy=NO_CACHE)
def queue_due_messages(as_of: datetime) -> dict:
    """The sweep: every reminder and letter due by `as_of`, queued once, committed a batch of
    activities at a time (a run killed part-way resumes where it stopped). What it queued wakes the
    sender, as a change that queues mail does; it sends nothing itself."""
    report = sweep_in_batches(
        open_store(), as_of=as_of, calendar=calendar_in_force(), policy=shipped_policy()
    )
    if report.queued:
        wake_sender((MailQueued(tuple(report.queued)),))
    return {"queued": len(report.queued), "cancelled": len(report.cancelled), "dropped": len(report.dropped)}


@task(name="deliver-outbox", cache_policy=NO_CACHE)
def deliver_outbox(as_of: datetime) -> dict:
    """Send what is due; failures are retried by later runs, never here (no task retries: a retry
    could repeat a message SMTP already accepted)."""
    report = deliver_due(
        open_store(), now=as_of, transport=transport_from_settings(), policy=shipped_policy()
    )
    return {"sent": len(report.sent), "failed": len(report.failed), "cancelled": len(report.cancelled)}


@task(name="queue-digests", cache_policy=NO_CACHE)
def queue_digests(as_of: datetime) -> dict:
    with transaction(open_store()) as session:
        report = digest.queue_digests(
            session, as_of=as_of, calendar=calendar_in_force(), policy=shipped_policy()
        )
    return {"queued": len(report.queued)}
