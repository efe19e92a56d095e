"""Factories that build routing data through the real services."""

from __future__ import annotations

from typing import Any

from atiende.accounts.choices import Role
from atiende.accounts.models import Team, User
from atiende.accounts.tests.factories import make_team, make_user
from atiende.routing import services
from atiende.routing.choices import PresenceStatus, SkillKind, Strategy
from atiende.routing.models import EscalationReason, Skill, TeamRoutingConfig
from atiende.tickets.models import Ticket
from atiende.tickets.tests.factories import make_ticket


def make_agent(
    *,
    teams: list[Team],
    online: bool = True,
    capacity: dict[str, int] | None = None,
    skills: dict[Skill, int] | None = None,
    role: str = Role.AGENT,
    **extra: Any,
) -> User:
    agent = make_user(role=role, teams=teams, **extra)
    if capacity is not None:
        services.set_capacity(actor=None, agent=agent, capacity=capacity)
    for skill, level in (skills or {}).items():
        services.set_agent_skill(actor=None, agent=agent, skill=skill, level=level)
    if online:
        services.set_presence(actor=None, agent=agent, status=PresenceStatus.ONLINE)
    return agent


def make_routed_team(
    *, strategy: str = Strategy.LEAST_LOADED, auto_assign: bool = True, aging_minutes: int = 30, **extra: Any
) -> tuple[Team, TeamRoutingConfig]:
    team = make_team(**extra)
    config = services.configure_team(
        actor=None, team=team, strategy=strategy, auto_assign=auto_assign, aging_minutes=aging_minutes
    )
    return team, config


def make_skill(name: str = "Spanish", kind: str = SkillKind.LANGUAGE) -> Skill:
    return services.save_skill(actor=None, name=name, kind=kind)


def make_reason(code: str = "needs-expert", label: str = "Needs an expert") -> EscalationReason:
    return services.save_reason(actor=None, code=code, label=label)


def waiting_ticket(team: Team, **extra: Any) -> Ticket:
    """A ticket that waits in ``team``'s queue (created with its events not yet delivered)."""
    return make_ticket(team=team, **extra)


def deliver_pending() -> int:
    """Deliver every undelivered event (and the events their subscribers emit), as the
    worker would after commit. Tests run inside one transaction that never commits."""
    from atiende.core import events
    from atiende.core.models import OutboxEvent

    delivered = 0
    for _round in range(20):
        ids = list(
            OutboxEvent.objects.filter(delivered_at__isnull=True).order_by("created_at").values_list("pk", flat=True)
        )
        if not ids:
            break
        for pk in ids:
            events.deliver(str(pk))
            delivered += 1
    return delivered
