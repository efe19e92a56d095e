"""Events the SLA app emits (once per ticket, target and cycle; see ``services.sweep``)."""

from __future__ import annotations

from dataclasses import dataclass

from atiende.core.events import Event, register_event


@register_event
@dataclass(frozen=True)
class SlaWarning(Event):
    """``warning_percent`` of a target's business time has elapsed."""

    type = "sla.warning"
    ticket_id: int
    target: str  # first_response | next_response | resolution | periodic_update
    policy_id: int
    deadline: str  # ISO 8601


@register_event
@dataclass(frozen=True)
class SlaBreached(Event):
    type = "sla.breached"
    ticket_id: int
    target: str
    policy_id: int
    deadline: str
