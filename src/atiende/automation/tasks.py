"""Background jobs: time-based rules, webhook deliveries and their retries, run-log cleanup."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from atiende.automation.services import rules, webhooks
from atiende.core.periodic import periodic


@task()
def deliver_webhook(delivery_id: int) -> str:
    return webhooks.send(delivery_id)


@periodic(every=timedelta(seconds=30), name="automation.webhook_sweep")
@task()
def sweep_webhooks() -> int:
    return webhooks.sweep()


@periodic(every=timedelta(minutes=1), name="automation.time_rules")
@task()
def run_time_rules() -> dict[str, int]:
    return {str(k): v for k, v in rules.run_time_rules().items()}


@periodic(every=timedelta(hours=6), name="automation.purge_runs")
@task()
def purge_runs() -> int:
    return rules.purge_runs()
