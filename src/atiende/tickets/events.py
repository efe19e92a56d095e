"""Events the tickets app emits. Payloads carry ids; subscribers load what they need."""

from __future__ import annotations

from dataclasses import dataclass

from atiende.core.events import Event, register_event


@register_event
@dataclass(frozen=True)
class TicketCreated(Event):
    type = "ticket.created"
    ticket_id: int
    number: int
    channel: str
    status: str
    priority: str
    team_id: int | None
    assignee_id: int | None
    category_id: int | None


@register_event
@dataclass(frozen=True)
class TicketUpdated(Event):
    type = "ticket.updated"
    ticket_id: int
    fields: list[str]


@register_event
@dataclass(frozen=True)
class MessageAdded(Event):
    type = "ticket.message_added"
    ticket_id: int
    message_id: int
    kind: str
    author_kind: str  # "agent", "customer" or "system"
    channel: str


@register_event
@dataclass(frozen=True)
class TicketMerged(Event):
    type = "ticket.merged"
    source_id: int
    target_id: int


@register_event
@dataclass(frozen=True)
class TicketSplit(Event):
    type = "ticket.split"
    source_id: int
    new_ticket_id: int
    message_ids: list[int]


@register_event
@dataclass(frozen=True)
class TicketLinked(Event):
    type = "ticket.linked"
    source_id: int
    target_id: int
    kind: str


@register_event
@dataclass(frozen=True)
class TicketUnlinked(Event):
    type = "ticket.unlinked"
    source_id: int
    target_id: int
    kind: str


@register_event
@dataclass(frozen=True)
class CatalogChanged(Event):
    """A category, custom field or tag was created or changed."""

    type = "ticket.catalog_changed"
    model: str
    object_id: int
