"""Events the wfm app emits. Payloads carry ids; subscribers load what they need."""

from __future__ import annotations

from dataclasses import dataclass

from atiende.core.events import Event, register_event


@register_event
@dataclass(frozen=True)
class ForecastCreated(Event):
    type = "wfm.forecast_created"
    forecast_id: int
    channel: str
    model: str


@register_event
@dataclass(frozen=True)
class ScheduleCreated(Event):
    type = "wfm.schedule_created"
    schedule_id: int
    start: str
    days: int
    shifts: int


@register_event
@dataclass(frozen=True)
class DrillCompleted(Event):
    type = "wfm.drill_completed"
    drill_id: int
    run_id: int
    scenario: str
    service_level: float | None
    plan_service_level: float | None
