"""Factories and helpers for automation tests (real services throughout)."""

from __future__ import annotations

import itertools
from typing import Any

from atiende.accounts.choices import Role
from atiende.accounts.models import User
from atiende.accounts.tests.factories import make_user
from atiende.automation import services
from atiende.automation.choices import RuleKind
from atiende.automation.models import Macro, Rule
from atiende.core import events
from atiende.core.models import OutboxEvent

_seq = itertools.count(1)


def make_admin() -> User:
    return make_user(role=Role.ADMIN, language="en")


def make_rule(*, actor: User | None = None, **extra: Any) -> Rule:
    n = next(_seq)
    return services.create_rule(
        actor=actor,
        name=extra.pop("name", f"Rule {n}"),
        kind=extra.pop("kind", RuleKind.TRIGGER),
        events=extra.pop("events", ["ticket.created"]),
        actions=extra.pop("actions", [{"type": "add_tags", "tags": ["auto"]}]),
        **extra,
    )


def make_macro(*, actor: User | None = None, **extra: Any) -> Macro:
    n = next(_seq)
    return services.create_macro(
        actor=actor,
        name=extra.pop("name", f"Macro {n}"),
        actions=extra.pop("actions", [{"type": "set_priority", "priority": "high"}]),
        **extra,
    )


def drain(limit: int = 200) -> int:
    """Deliver every pending event (and those its subscribers emit), oldest first."""
    delivered = 0
    for _ in range(limit):
        ids = list(
            OutboxEvent.objects.filter(delivered_at__isnull=True)
            .order_by("created_at", "id")
            .values_list("pk", flat=True)[:50]
        )
        if not ids:
            return delivered
        progress = False
        for event_id in ids:
            if events.deliver(str(event_id)):
                progress = True
                delivered += 1
        if not progress:
            return delivered
    return delivered
