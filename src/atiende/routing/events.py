"""Events the routing app emits. Payloads carry ids; subscribers load what they need."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from atiende.core.events import Event, register_event


@register_event
@dataclass(frozen=True)
class PresenceChanged(Event):
    """An agent's presence changed (WFM adherence reads these and ``PresenceLog``)."""

    type = "routing.presence_changed"
    agent_id: int
    status: str
    previous_status: str
    at: str


@register_event
@dataclass(frozen=True)
class TicketAssigned(Event):
    type = "routing.assigned"
    ticket_id: int
    agent_id: int
    strategy: str
    reason: dict[str, Any] = field(default_factory=dict)


@register_event
@dataclass(frozen=True)
class TicketDiverted(Event):
    type = "routing.diverted"
    ticket_id: int | None
    team_id: int
    rule_id: int
    action: str
    reason: dict[str, Any] = field(default_factory=dict)


@register_event
@dataclass(frozen=True)
class TicketEscalated(Event):
    type = "routing.escalated"
    ticket_id: int
    escalation_id: int
    direction: str
    from_tier: int
    to_tier: int
    trigger: str
    is_bounce_back: bool
