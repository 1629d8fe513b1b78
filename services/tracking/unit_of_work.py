"""The unit of work every change goes through, whichever interface makes it (command line, dashboard,
flows, the demonstration):

    with UnitOfWork(engine) as uow:
        moved = lifecycle.record_actual(uow, activity_id=7, key="notification", ...)

It opens one transaction. The change writes its rows and audit entries in it and collects what
happened as events (`uow.collect`). Before committing, the unit of work queues the mail those events
call for in the same transaction (letters, "dates changed", the reminders now due, Annex B requests),
so a change and its mail commit together or not at all. Only after the commit does it run the
after-commit hooks, once, with every event: `wake_sender` starts the outbox sender at once when a
Prefect server is up. A change that fails is rolled back whole and runs no hook.

Changes with consequences beyond their own rows take the unit of work; the others (imports, accounts,
registering an activity) take `uow.session`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from sqlalchemy import Engine
from sqlmodel import Session

from calendars import WorkingDayCalendar
from models.records import Activity, FurtherInformationRequest
from models.reminders import Policy, shipped_policy
from services.mail.cancellation import queue_cancellation
from services.mail.letters import queue_request
from services.mail.outbox import QueueReport
from services.mail.sweep import after_change
from services.settings import calendar_in_force, get_settings
from services.tracking.events import (
    ActivityCancelled,
    ActivityChanged,
    Event,
    FurtherInformationRequested,
    MailQueued,
)

log = logging.getLogger("ilacs.unit_of_work")

OUTBOX_QUEUED = "ilacs.outbox.queued"  # the Prefect event that triggers the served sender deployment

Hook = Callable[[Sequence[Event]], None]


def wake_sender(events: Sequence[Event]) -> None:
    """When mail was queued and a Prefect server is up (PREFECT_API_URL), start the served sender now
    rather than at its next scheduled run. Without a server there is nothing to wake."""
    if not get_settings().prefect_api_url or not any(isinstance(e, MailQueued) for e in events):
        return
    from prefect.events import emit_event

    emit_event(event=OUTBOX_QUEUED, resource={"prefect.resource.id": "ilacs.outbox"})


AFTER_COMMIT: list[Hook] = [wake_sender]  # run by every unit of work that commits, in this order


class UnitOfWork:
    """One transaction, the mail its events call for, and the after-commit hooks. `calendar` and
    `policy` (default: England's working days and the shipped reminder policy) serve the change and
    its mail alike."""

    def __init__(
        self, engine: Engine, *, calendar: WorkingDayCalendar | None = None, policy: Policy | None = None
    ) -> None:
        self.engine = engine
        self.calendar = calendar or calendar_in_force()
        self.policy = policy or shipped_policy()
        self.events: list[Event] = []

    def __enter__(self) -> UnitOfWork:
        self.session = Session(self.engine, expire_on_commit=False)
        self.session.begin()
        return self

    def collect(self, event: Event) -> None:
        self.events.append(event)

    def __exit__(self, exc_type, exc, traceback) -> None:
        try:
            if exc_type is not None:
                self.session.rollback()
                return
            self._queue_mail()
            self.session.commit()
        except BaseException:
            self.session.rollback()
            raise
        finally:
            self.session.close()
        for hook in list(AFTER_COMMIT):
            try:
                hook(tuple(self.events))
            except Exception as exc:  # the change is committed: a hook's failure must not look like its own
                log.warning("after-commit hook %s failed: %s: %s", hook.__name__, type(exc).__name__, exc)

    def _queue_mail(self) -> None:
        """Queue, in this transaction, the mail the collected events call for."""
        queued = [key for event in list(self.events) for key in self._mail_for(event).queued]
        if queued:
            self.collect(MailQueued(tuple(queued)))

    def _mail_for(self, event: Event) -> QueueReport:
        if isinstance(event, ActivityChanged):
            return after_change(
                self.session,
                event.activity_id,
                event.moved,
                reason=event.reason,
                now=event.now,
                calendar=self.calendar,
                policy=self.policy,
            )
        report = QueueReport()
        if isinstance(event, ActivityCancelled):
            queue_cancellation(
                self.session,
                self.session.get(Activity, event.activity_id),
                now=event.now,
                calendar=self.calendar,
                policy=self.policy,
                report=report,
            )
        if isinstance(event, FurtherInformationRequested):
            request = self.session.get(FurtherInformationRequest, event.request_id)
            queue_request(
                self.session,
                self.session.get(Activity, request.activity_id),
                request,
                now=event.now,
                calendar=self.calendar,
                policy=self.policy,
                report=report,
            )
        return report
