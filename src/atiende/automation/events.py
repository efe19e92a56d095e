"""Events the automation app defines."""

from __future__ import annotations

from dataclasses import dataclass

from atiende.core.events import Event, register_event


@register_event
@dataclass(frozen=True)
class CsatReceived(Event):
    """A customer rated a ticket. Defined here for triggers; the quality app will emit it."""

    type = "csat.received"
    ticket_id: int
    rating: int
    comment: str = ""
