"""Shadow mode: candidate policies see the same events as the live one and only record
what they would have done (``ShadowDecision``); ``selectors.shadow_report`` compares."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from atiende.accounts.models import Team, User
from atiende.core import clock
from atiende.routing.choices import Strategy
from atiende.routing.engine import rank
from atiende.routing.models import ShadowDecision, ShadowPolicy
from atiende.routing.selectors import ACTIVE_STATUSES, agent_snapshot, requirements_for, ticket_facts
from atiende.routing.services.common import require_manager
from atiende.tickets.models import Ticket


def evaluate_shadow(*, ticket_id: int) -> int:
    """Record each active shadow policy's choice for a waiting ticket (once per policy)."""
    ticket = (
        Ticket.objects.filter(pk=ticket_id, status__in=ACTIVE_STATUSES, team__isnull=False)
        .select_related("requester")
        .first()
    )
    if ticket is None or ticket.team_id is None:
        return 0
    team_id: int = ticket.team_id
    policies = list(
        ShadowPolicy.objects.filter(Q(team__isnull=True) | Q(team_id=ticket.team_id), is_active=True).exclude(
            decisions__ticket_id=ticket_id
        )
    )
    if not policies:
        return 0
    requirements = requirements_for(
        category_id=ticket.category_id, channel=ticket.channel, language=ticket.requester.language
    )
    agents = agent_snapshot(team_id=team_id, skill_ids=[r.skill_id for r in requirements])
    now = clock.now()
    facts = ticket_facts(ticket)
    recorded = 0
    for policy in policies:
        ranking = rank(strategy=policy.strategy, ticket=facts, agents=agents, requirements=requirements, now=now)
        chosen = ranking.candidates[0].agent_id if ranking.candidates else None
        try:
            with transaction.atomic():
                ShadowDecision.objects.create(
                    policy=policy, ticket=ticket, agent_id=chosen, reason=ranking.reason(chosen=chosen), created_at=now
                )
            recorded += 1
        except IntegrityError:
            continue
    return recorded


@transaction.atomic
def save_shadow_policy(
    *,
    actor: User | None,
    name: str,
    strategy: str,
    team: Team | None = None,
    aging_minutes: int = 30,
    first_response_minutes: int = 60,
    is_active: bool = True,
    policy: ShadowPolicy | None = None,
) -> ShadowPolicy:
    require_manager(actor)
    if not (name or "").strip():
        raise ValidationError({"name": _("This field is required.")})
    if strategy not in Strategy.values:
        raise ValidationError({"strategy": _("Choose round-robin, least loaded or skills-based.")})
    policy = policy or ShadowPolicy(created_at=clock.now())
    policy.name = name.strip()[:100]
    policy.strategy = strategy
    policy.team = team
    policy.aging_minutes = aging_minutes
    policy.first_response_minutes = first_response_minutes
    policy.is_active = is_active
    policy.save()
    return policy
