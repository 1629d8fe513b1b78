"""The deployments `make run` serves: the 07:00 sweep (every day, so the audit chain is anchored daily),
the outbox sender (every minute, and at once when a change or the sweep queues mail), and the 07:30
digest. The sweep's run queues and the sender's runs send, so that neither waits on the other. Times
are Europe/London; the flows themselves queue nothing at weekends and on bank holidays, which cron does
not know."""

from __future__ import annotations

from prefect.deployments.runner import RunnerDeployment
from prefect.events import DeploymentEventTrigger
from prefect.schedules import Cron, Interval

from flows.reminders import business_support_digest, daily_sweep, send_outbox
from services.tracking.unit_of_work import OUTBOX_QUEUED  # emitted after a change that queued mail commits


def local_deployments(sender_interval_seconds: int) -> list[RunnerDeployment]:
    return [
        daily_sweep.to_deployment(
            name="daily-sweep",
            schedules=[Cron("0 7 * * *", timezone="Europe/London")],
            concurrency_limit=1,
        ),
        send_outbox.to_deployment(
            name="send-outbox",
            schedules=[Interval(sender_interval_seconds)],
            triggers=[DeploymentEventTrigger(expect={OUTBOX_QUEUED})],
            concurrency_limit=1,
        ),
        business_support_digest.to_deployment(
            name="business-support-digest",
            schedules=[Cron("30 7 * * 1-5", timezone="Europe/London")],
            concurrency_limit=1,
        ),
    ]
