"""Demo set-up of workforce management: shift templates, agents' work rules and a known event.

Forecasts and schedules come from the ticket history, which the demo creates after this
step; a supervisor builds them from the Workforce page (forecast → requirement → schedule
→ simulation and drills) in a few clicks.
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from atiende.core import clock
from atiende.wfm import services
from atiende.wfm.models import ForecastEvent

TEMPLATES = [
    # name, earliest start, latest start, length (min), breaks
    (
        "Mañana / Morning",
        time(7),
        time(10),
        510,
        [
            {"length": 15, "earliest": 90, "latest": 150, "paid": True},
            {"length": 30, "earliest": 210, "latest": 300, "paid": False},
        ],
    ),
    (
        "Tarde / Afternoon",
        time(12),
        time(15),
        510,
        [
            {"length": 15, "earliest": 90, "latest": 150, "paid": True},
            {"length": 30, "earliest": 210, "latest": 300, "paid": False},
        ],
    ),
    ("Media jornada / Half day", time(9), time(16), 240, [{"length": 15, "earliest": 90, "latest": 150, "paid": True}]),
]

# email local part → (channels, availability or None, max minutes a week)
RULES: dict[str, tuple[list[str], list[dict[str, Any]] | None, int]] = {
    "sofia.romero": (["email", "chat", "portal"], None, 40 * 60),
    "james.carter": (["email", "chat"], None, 40 * 60),
    "carmen.vidal": (["email", "phone"], [{"weekday": d, "start": "13:00", "end": "23:00"} for d in range(5)], 40 * 60),
    "olivia.bennett": (["email"], None, 30 * 60),
    "javier.molina": (["email", "phone"], None, 40 * 60),
    "paula.herrera": (["email"], [{"weekday": d, "start": "12:00", "end": "22:00"} for d in range(5)], 40 * 60),
    "ethan.walsh": (["email", "portal"], None, 40 * 60),
    "andres.castillo": (["email", "chat"], None, 40 * 60),
    "marta.iglesias": (["email"], [{"weekday": d, "start": "07:00", "end": "16:00"} for d in range(5)], 20 * 60),
}


def setup(loader: Any) -> None:
    for name, earliest, latest, length, breaks in TEMPLATES:
        services.save_shift_template(
            actor=None,
            name=name,
            start_earliest=earliest,
            start_latest=latest,
            start_step_minutes=60,
            length_minutes=length,
            breaks=breaks,
            weekdays=[0, 1, 2, 3, 4] if length > 300 else [0, 1, 2, 3, 4, 5],
        )
    for local, (channels, availability, minutes) in RULES.items():
        agent = loader.users.get(local)
        if agent is None:
            continue
        services.save_work_rule(
            actor=None, agent=agent, channels=channels, availability=availability or [], max_minutes_per_week=minutes
        )
    start = clock.now().replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=10)
    ForecastEvent.objects.create(
        name="Campaña de rebajas / Sales campaign", starts_at=start, ends_at=start + timedelta(days=2), factor=1.8
    )
