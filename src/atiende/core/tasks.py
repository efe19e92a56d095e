"""Background tasks of the event spine."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from atiende.core import events
from atiende.core.periodic import periodic


@task()
def deliver_event(event_id: str) -> bool:
    return events.deliver(event_id)


@task()
def deliver_events(event_ids: list[str]) -> int:
    """The events of one transaction, in the order they were emitted. Returns how many
    were fully delivered (the sweeper retries the others)."""
    return sum(events.deliver(event_id) for event_id in event_ids)


@periodic(every=timedelta(seconds=30), name="core.sweep_outbox")
@task()
def sweep_outbox() -> int:
    return events.sweep()
