"""Demo SLA configuration: office calendars in Madrid (with the Community of Madrid's holidays),
Bogotá and Mexico City, a 24/7 calendar, and three policies — urgent tickets around the clock,
billing on office hours, and a standard fallback — so every demo ticket gets deadlines, warnings,
breaches and explanations as the tickets are simulated."""

from __future__ import annotations

from typing import Any

from atiende.sla import services

HOUR = 3600
OFFICE = {str(day): [["09:00", "14:00"], ["15:00", "18:00"]] for day in range(5)}
LATAM = {**{str(day): [["08:00", "18:00"]] for day in range(5)}, "5": [["09:00", "13:00"]]}


def setup(loader: Any) -> None:
    admin = None  # configuration written by the system, as an installer would
    madrid = services.create_calendar(
        actor=admin,
        name="Oficina Madrid / Madrid office",
        time_zone="Europe/Madrid",
        weekly=OFFICE,
        holiday_country="ES",
        holiday_subdivision="MD",
        is_default=True,
    )
    services.create_calendar(actor=admin, name="Bogotá", time_zone="America/Bogota", weekly=LATAM, holiday_country="CO")
    services.create_calendar(
        actor=admin, name="Ciudad de México / Mexico City", time_zone="America/Mexico_City", weekly=LATAM,
        holiday_country="MX",
    )  # fmt: skip
    always = services.create_calendar(actor=admin, name="24/7", time_zone="UTC", always_open=True)
    services.create_policy(
        actor=admin,
        name="Urgente 24/7 / Urgent 24/7",
        position=10,
        conditions={"priority": ["urgent"]},
        targets={
            "urgent": {
                "first_response": HOUR,
                "next_response": 2 * HOUR,
                "resolution": 8 * HOUR,
                "periodic_update": 4 * HOUR,
            }
        },
        calendar=always,
        warning_percent=75,
    )
    billing = loader.categories.get("billing")
    if billing is not None:
        services.create_policy(
            actor=admin,
            name="Facturación / Billing",
            position=20,
            conditions={
                "category": [billing.pk, *[c.pk for k, c in loader.categories.items() if k.startswith("billing.")]]
            },
            targets={
                "high": {"first_response": 4 * HOUR, "resolution": 16 * HOUR},
                "normal": {"first_response": 8 * HOUR, "resolution": 24 * HOUR},
                "low": {"first_response": 16 * HOUR, "resolution": 40 * HOUR},
            },
            calendar=madrid,
        )
    services.create_policy(
        actor=admin,
        name="Estándar / Standard",
        is_fallback=True,
        targets={
            "urgent": {"first_response": HOUR, "next_response": 2 * HOUR, "resolution": 8 * HOUR},
            "high": {"first_response": 2 * HOUR, "next_response": 4 * HOUR, "resolution": 16 * HOUR},
            "normal": {"first_response": 4 * HOUR, "next_response": 8 * HOUR, "resolution": 24 * HOUR},
            "low": {"first_response": 8 * HOUR, "next_response": 16 * HOUR, "resolution": 40 * HOUR},
        },
    )
