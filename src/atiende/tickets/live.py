"""Live ticket pages: ticket events reach the websocket group of the ticket.

Two ways, depending on the channel layer:

* **Redis layer** (``REDIS_URL`` set; many web processes): the event spine delivers each
  ticket event to the ``tickets.live`` subscriber — in whichever process runs it, usually
  a worker — and it ``group_send``\\ s a small notice to ``ticket-<id>``.
* **In-memory layer** (embedded default): a worker process cannot reach the web process's
  memory, so each web process runs an :class:`OutboxRelay` while it has open ticket
  sockets. Once a second it reads the outbox rows of just those tickets (the
  ``outbox_subject_idx`` index: subject type, subject id, created_at) and sends them to
  its local groups.

The notice carries ids only. Each consumer renders what its own user may see through
the ticket selectors, so a group message can never leak a note to a customer.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db.models import Q

from atiende.core import clock
from atiende.core.events import subscribe
from atiende.core.models import OutboxEvent
from atiende.tickets.cache_keys import site_prefix

logger = logging.getLogger(__name__)

LIVE_EVENT_TYPES = (
    "ticket.message_added",
    "ticket.updated",
    "ticket.merged",
    "ticket.split",
    "ticket.linked",
    "ticket.unlinked",
)
SUBJECT_TYPE = "tickets.ticket"


def group_name(ticket_id: int | str) -> str:
    return f"ticket-{site_prefix()}-{int(ticket_id)}"


def notice(event: OutboxEvent) -> dict[str, Any]:
    """The group message for an outbox event: ids and field names, nothing to display."""
    return {
        "type": "ticket.event",
        "event_id": str(event.pk),
        "event_type": event.type,
        "ticket_id": int(event.subject_id),
        "actor_id": event.actor_id,
        "payload": event.payload,
        "fields": sorted(event.changes or {}),
    }


def uses_relay(layer: Any = None) -> bool:
    layer = layer if layer is not None else get_channel_layer()
    return isinstance(layer, InMemoryChannelLayer)


@subscribe(*LIVE_EVENT_TYPES, name="tickets.live")
def push_to_group(event: OutboxEvent) -> None:
    if event.subject_type != SUBJECT_TYPE or not event.subject_id.isdigit():
        return
    layer = get_channel_layer()
    if layer is None or uses_relay(layer):
        return  # the web process's relay picks it up from the outbox
    try:
        async_to_sync(layer.group_send)(group_name(event.subject_id), notice(event))
    except Exception:  # a live push is best effort; never fail (and retry) the event for it
        logger.exception("live push of event %s failed", event.pk)


class OutboxRelay:
    """Per web process: forwards new outbox events of watched tickets to local groups."""

    interval = 1.0
    lookback = timedelta(seconds=15)  # rows commit a little after their created_at

    def __init__(self) -> None:
        self.watchers: dict[int, int] = {}
        self.since: dict[int, datetime] = {}
        self.seen: OrderedDict[str, datetime] = OrderedDict()
        self.task: asyncio.Task[None] | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def watch(self, ticket_id: int) -> None:
        if ticket_id not in self.watchers:
            self.since[ticket_id] = clock.now()
        self.watchers[ticket_id] = self.watchers.get(ticket_id, 0) + 1
        loop = asyncio.get_running_loop()
        if self.task is None or self.task.done() or self.loop is not loop:
            self.loop = loop
            self.task = loop.create_task(self.run())

    def unwatch(self, ticket_id: int) -> None:
        left = self.watchers.get(ticket_id, 0) - 1
        if left <= 0:
            self.watchers.pop(ticket_id, None)
            self.since.pop(ticket_id, None)
        else:
            self.watchers[ticket_id] = left

    async def run(self) -> None:
        layer = get_channel_layer()
        while self.watchers:
            await asyncio.sleep(self.interval)
            try:
                for event in await self.poll():
                    await layer.group_send(group_name(event.subject_id), notice(event))  # type: ignore[union-attr]
            except Exception:
                logger.exception("live relay poll failed; retrying")

    @database_sync_to_async
    def poll(self) -> list[OutboxEvent]:
        if not self.watchers:
            return []
        now = clock.now()
        floor = now - self.lookback
        scope = Q(pk__in=[])
        for ticket_id, since in list(self.since.items()):
            scope |= Q(subject_id=str(ticket_id), created_at__gte=max(since, floor))
        rows = list(
            OutboxEvent.objects.filter(scope, subject_type=SUBJECT_TYPE, type__in=LIVE_EVENT_TYPES)
            .only("id", "type", "subject_id", "actor_id", "payload", "changes", "created_at")
            .order_by("created_at")[:500]
        )
        fresh = [row for row in rows if str(row.pk) not in self.seen]
        for row in fresh:
            self.seen[str(row.pk)] = row.created_at
        while self.seen and next(iter(self.seen.values())) < floor - self.lookback:
            self.seen.popitem(last=False)
        return fresh


relay = OutboxRelay()
