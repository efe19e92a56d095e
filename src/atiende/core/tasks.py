"""Background tasks of the event spine."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from atiende.core import events
from atiende.core.periodic import periodic


@task()
def deliver_event(event_id: str) -> bool:
    return events.deliver(event_id)


@periodic(every=timedelta(seconds=30), name="core.sweep_outbox")
@task()
def sweep_outbox() -> int:
    return events.sweep()
