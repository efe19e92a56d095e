"""Factories that build SLA configuration through the real services."""

from __future__ import annotations

import itertools
from typing import Any

from atiende.sla import services
from atiende.sla.models import Calendar, Policy

_seq = itertools.count(1)

HOUR = 3600
OFFICE_HOURS = {str(d): [["09:00", "14:00"], ["15:00", "18:00"]] for d in range(5)}
DEFAULT_TARGETS = {
    "urgent": {"first_response": HOUR, "resolution": 4 * HOUR, "periodic_update": 2 * HOUR, "next_response": HOUR},
    "high": {"first_response": 2 * HOUR, "resolution": 8 * HOUR, "next_response": 2 * HOUR},
    "normal": {"first_response": 4 * HOUR, "resolution": 16 * HOUR, "next_response": 4 * HOUR},
    "low": {"first_response": 8 * HOUR, "resolution": 40 * HOUR},
}


def make_calendar(**extra: Any) -> Calendar:
    extra.setdefault("name", f"Calendar {next(_seq)}")
    extra.setdefault("time_zone", "Europe/Madrid")
    extra.setdefault("weekly", OFFICE_HOURS)
    return services.create_calendar(actor=None, **extra)


def make_policy(**extra: Any) -> Policy:
    extra.setdefault("name", f"Policy {next(_seq)}")
    extra.setdefault("targets", DEFAULT_TARGETS)
    return services.create_policy(actor=None, **extra)
