from __future__ import annotations

from dataclasses import dataclass

from atiende.core.events import Event, register_event


@register_event
@dataclass(frozen=True)
class ContactCreated(Event):
    type = "contact.created"
    contact_id: int


@register_event
@dataclass(frozen=True)
class ContactUpdated(Event):
    type = "contact.updated"
    contact_id: int


@register_event
@dataclass(frozen=True)
class ContactMerged(Event):
    type = "contact.merged"
    source_id: int
    target_id: int
