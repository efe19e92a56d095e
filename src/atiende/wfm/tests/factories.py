"""Factories that build WFM data through the real services."""

from __future__ import annotations

import itertools
from datetime import datetime, time, timedelta
from typing import Any

from atiende.accounts.choices import Role
from atiende.accounts.models import User
from atiende.accounts.tests.factories import make_user
from atiende.core import clock
from atiende.tickets.tests.factories import make_ticket
from atiende.wfm import services
from atiende.wfm.models import ShiftTemplate

_seq = itertools.count(1)


def make_supervisor() -> User:
    return make_user(role=Role.SUPERVISOR)


def make_template(*, actor: User | None = None, **fields: Any) -> ShiftTemplate:
    values: dict[str, Any] = {
        "name": f"Day {next(_seq)}",
        "start_earliest": time(8),
        "start_latest": time(10),
        "start_step_minutes": 60,
        "length_minutes": 8 * 60,
        "breaks": [{"length": 60, "earliest": 180, "latest": 300, "paid": False}],
        "weekdays": [],
    }
    values.update(fields)
    return services.save_shift_template(actor=actor, **values)


def make_history(
    *, end: datetime, days: int, per_hour: dict[int, int], channel: str = "email", replies: int = 0
) -> int:
    """Tickets created through the service, ``per_hour[h]`` of them at hour ``h`` of every weekday."""
    count = 0
    for d in range(days, 0, -1):
        day = (end - timedelta(days=d)).replace(hour=0, minute=0, second=0, microsecond=0)
        if day.weekday() >= 5:
            continue
        for hour, n in per_hour.items():
            for i in range(n):
                with clock.frozen_at(day + timedelta(hours=hour, minutes=(i * 53) % 60)):
                    make_ticket(channel=channel)
                count += 1
    return count
