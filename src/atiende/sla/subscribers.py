"""The SLA clock follows ticket events (idempotent: a recompute from facts gives the same rows)."""

from __future__ import annotations

from atiende.core.events import subscribe
from atiende.core.models import OutboxEvent
from atiende.sla.services import recompute_ticket

# ticket.updated fields that can change the policy, the targets or the clock
RELEVANT_FIELDS = frozenset({"status", "priority", "category", "organization", "tags", "channel"})


@subscribe("ticket.created", name="sla.start_clock")
def start_clock(event: OutboxEvent) -> None:
    recompute_ticket(ticket_id=int(event.payload["ticket_id"]))


@subscribe("ticket.updated", name="sla.ticket_changed")
def ticket_changed(event: OutboxEvent) -> None:
    if RELEVANT_FIELDS & set(event.payload.get("fields", ())):
        recompute_ticket(ticket_id=int(event.payload["ticket_id"]))


@subscribe("ticket.message_added", name="sla.message_added")
def message_added(event: OutboxEvent) -> None:
    """Public replies meet first/next response and restart periodic updates; notes change nothing."""
    if event.payload.get("kind") != "reply":
        return
    recompute_ticket(ticket_id=int(event.payload["ticket_id"]))
