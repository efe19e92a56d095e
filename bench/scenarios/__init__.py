"""Benchmark scenarios. Each module has ``NAME``, ``DESCRIPTION`` and ``run(ctx) -> list[Result]``."""

from __future__ import annotations

from types import ModuleType

from scenarios import (
    api_ticket_create,
    automation_triggers,
    email_intake,
    kb_search,
    routing_decision,
    sla_sweep,
    ticket_list_1m,
    ui_pages,
    wfm_erlang,
    wfm_forecast,
    wfm_simulation,
)

SCENARIOS: dict[str, ModuleType] = {
    m.NAME: m
    for m in (
        api_ticket_create,
        ticket_list_1m,
        ui_pages,
        email_intake,
        sla_sweep,
        kb_search,
        routing_decision,
        wfm_erlang,
        wfm_simulation,
        wfm_forecast,
        automation_triggers,
    )
}
