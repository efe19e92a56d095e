"""Assignment: automatic (per team strategy), take next, manual — each recorded with its reason.

Concurrency (see ``tests/test_concurrency.py``):

* the ticket row is locked with ``SELECT … FOR UPDATE SKIP LOCKED`` and re-read with
  ``assignee IS NULL``: a ticket another worker is routing is skipped, one it has
  routed is no longer waiting — a ticket is never assigned twice;
* the chosen agent's ``AgentState`` row is locked and the agent's load re-counted
  under that lock before the ticket is assigned: two workers never push an agent past
  capacity. Each candidate is tried inside a savepoint, so a candidate that no longer
  fits releases its lock at once (no lock is held while waiting for another);
* SQLite takes the write lock at the start of each transaction (IMMEDIATE), which
  serializes the same steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from atiende.accounts import audit
from atiende.accounts.models import Team, User
from atiende.core import clock
from atiende.core.events import emit
from atiende.routing import selectors
from atiende.routing.choices import PresenceStatus, Strategy, Trigger
from atiende.routing.engine import (
    AgentSnapshot,
    Ranking,
    TicketFacts,
    aged_priority,
    group_of,
    order_waiting,
    rank,
    skill_score,
    weight_of,
)
from atiende.routing.events import TicketAssigned
from atiende.routing.models import AgentSkill, AgentState, RoutingDecision, SkillRequirement, TeamRoutingConfig
from atiende.routing.selectors import (
    ACTIVE_STATUSES,
    ROUTABLE_ROLES,
    agent_snapshot,
    loads_of,
    requirements_for,
    ticket_facts,
    waiting_tickets,
)
from atiende.routing.services.common import require_agent, require_manager, skip_locked
from atiende.routing.services.presence import state_of
from atiende.tickets.models import Ticket
from atiende.tickets.services import update_ticket

CANDIDATES_TRIED = 5


class _NoLongerFits(Exception):
    """Rolls a candidate's savepoint back, releasing its row lock."""


def _lock_waiting_ticket(ticket_id: int) -> Ticket | None:
    qs = Ticket.objects.filter(
        pk=ticket_id,
        assignee__isnull=True,
        status__in=ACTIVE_STATUSES,
        team__isnull=False,
        merged_into__isnull=True,
    )
    if skip_locked():
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    else:
        qs = qs.select_for_update()
    return qs.first()


def _language_of(ticket: Ticket) -> str:
    return Ticket.objects.filter(pk=ticket.pk).values_list("requester__language", flat=True).first() or ""


def _record(
    *,
    ticket: Ticket,
    agent_id: int,
    strategy: str,
    trigger: str,
    reason: dict[str, object],
    actor: User | None,
    now: datetime,
) -> RoutingDecision:
    decision = RoutingDecision.objects.create(
        ticket=ticket,
        team_id=ticket.team_id,
        agent_id=agent_id,
        actor=actor,
        strategy=strategy,
        trigger=trigger,
        reason=reason,
        created_at=now,
    )
    emit(
        TicketAssigned(ticket_id=ticket.pk, agent_id=agent_id, strategy=strategy, reason=reason),
        subject=ticket,
        actor=actor,
    )
    return decision


def _claim(
    *,
    ticket: Ticket,
    ranking: Ranking,
    facts: TicketFacts,
    trigger: str,
    now: datetime,
    actor: User | None = None,
) -> RoutingDecision | None:
    group, weight = group_of(facts.channel), weight_of(facts.priority)
    for candidate in ranking.candidates[:CANDIDATES_TRIED]:
        try:
            with transaction.atomic():
                state = (
                    AgentState.objects.select_for_update()
                    .filter(agent_id=candidate.agent_id, status=PresenceStatus.ONLINE)
                    .first()
                )
                if state is None:
                    raise _NoLongerFits
                fresh = AgentSnapshot(
                    agent_id=state.agent_id,
                    capacity=state.capacity or {},
                    load=loads_of([state.agent_id])[state.agent_id],
                )
                if not fresh.fits(group, weight):
                    raise _NoLongerFits
                agent = User.objects.get(pk=state.agent_id)
                update_ticket(actor=actor, ticket=ticket, assignee=agent)
                state.last_assigned_at = now
                state.save(update_fields=["last_assigned_at"])
                reason = ranking.reason(chosen=candidate.agent_id)
                return _record(
                    ticket=ticket,
                    agent_id=candidate.agent_id,
                    strategy=ranking.strategy,
                    trigger=trigger,
                    reason=reason,
                    actor=actor,
                    now=now,
                )
        except _NoLongerFits:
            continue
    return None


def assign_ticket(
    *,
    ticket_id: int,
    trigger: str,
    agents: list[AgentSnapshot] | None = None,
    requirement_rows: Sequence[SkillRequirement] | None = None,
    config: TeamRoutingConfig | None = None,
) -> RoutingDecision | None:
    """Route one waiting ticket by its team's strategy; None when it stays waiting.

    ``agents`` (a snapshot of the team) lets a batch share one snapshot; it is updated
    in memory when the ticket is assigned. The decision is re-checked under locks.
    """
    with transaction.atomic():
        ticket = _lock_waiting_ticket(ticket_id)
        if ticket is None or ticket.team_id is None:
            return None
        team_id: int = ticket.team_id
        if config is None or config.team_id != ticket.team_id:
            config = TeamRoutingConfig.objects.filter(team_id=ticket.team_id).first()
        if config is None or not config.auto_assign:
            return None
        requirements = requirements_for(
            category_id=ticket.category_id,
            channel=ticket.channel,
            language=_language_of(ticket),
            skill_rows=requirement_rows if requirement_rows is not None else selectors.requirement_rows(),
        )
        if agents is None:
            agents = selectors.cached_snapshot(team_id)
        now = clock.now()
        facts = ticket_facts(ticket)
        ranking = rank(strategy=config.strategy, ticket=facts, agents=agents, requirements=requirements, now=now)
        decision = _claim(ticket=ticket, ranking=ranking, facts=facts, trigger=trigger, now=now)
    if decision is None or decision.agent_id != (ranking.candidates[0].agent_id if ranking.candidates else None):
        selectors.forget_snapshot(team_id)  # the snapshot was wrong about someone: reload next time
    if decision is not None:
        for agent in agents:
            if agent.agent_id == decision.agent_id:
                agent.add(group_of(facts.channel), weight_of(facts.priority))
                agent.last_assigned_at = now
    return decision


def assign_waiting(
    *, team_id: int, trigger: str = Trigger.PERIODIC, limit: int = 200, agent_ids: Sequence[int] | None = None
) -> int:
    """Assign a team's waiting tickets, most urgent (aged priority) first. Returns how many.

    ``agent_ids`` limits the candidates (an agent who just came online or freed capacity).
    One snapshot serves the whole batch; each ticket is its own transaction.
    """
    config = TeamRoutingConfig.objects.filter(team_id=team_id).first()
    if config is None or not config.auto_assign:
        return 0
    rows = list(SkillRequirement.objects.filter(skill__is_active=True))
    agents = agent_snapshot(team_id=team_id, skill_ids={r.skill_id for r in rows}, agent_ids=agent_ids)
    if not agents:
        return 0
    now = clock.now()
    waiting = [ticket_facts(t) for t in waiting_tickets(team_ids=[team_id], limit=limit)]
    assigned = 0
    for facts in order_waiting(waiting, now=now, aging_minutes=config.aging_minutes):
        if not any(a.fits(group_of(facts.channel), weight_of(facts.priority)) for a in agents):
            continue
        if assign_ticket(
            ticket_id=facts.ticket_id, trigger=trigger, agents=agents, requirement_rows=rows, config=config
        ):
            assigned += 1
    return assigned


def take_next(*, actor: User) -> Ticket | None:
    """The agent pulls the most urgent waiting ticket of their teams that they can take.

    Honours the agent's capacity and the ticket's skill requirements; presence is not
    required (pulling work is itself a sign of being at the desk).
    """
    require_agent(actor)
    if actor.role not in ROUTABLE_ROLES:
        raise ValidationError({"agent": _("Light agents cannot take tickets.")})
    team_ids = list(actor.teams.values_list("pk", flat=True))
    if not team_ids:
        return None
    aging = dict(TeamRoutingConfig.objects.filter(team_id__in=team_ids).values_list("team_id", "aging_minutes"))
    rows = list(SkillRequirement.objects.filter(skill__is_active=True))
    skills = dict(AgentSkill.objects.filter(agent=actor).values_list("skill_id", "level"))
    now = clock.now()
    waiting = list(waiting_tickets(team_ids=team_ids, limit=300))
    by_id = {t.pk: t for t in waiting}
    ordered = sorted(
        waiting,
        key=lambda t: (
            -order_key(t, now=now, aging_minutes=aging.get(t.team_id or 0, 30)),
            t.created_at,
            t.pk,
        ),
    )
    for candidate in ordered:
        requirements = requirements_for(
            category_id=candidate.category_id,
            channel=candidate.channel,
            language=candidate.requester.language,
            skill_rows=rows,
        )
        me = AgentSnapshot(agent_id=actor.pk, capacity={}, skills=skills)
        if skill_score(me, requirements) is None:
            continue
        with transaction.atomic():
            state = _my_state(actor)
            mine = AgentSnapshot(agent_id=actor.pk, capacity=state.capacity or {}, load=loads_of([actor.pk])[actor.pk])
            facts = ticket_facts(by_id[candidate.pk])
            if not mine.fits(group_of(facts.channel), weight_of(facts.priority)):
                return None  # at capacity: the most urgent ticket does not fit either
            ticket = _lock_waiting_ticket(candidate.pk)
            if ticket is None:
                continue
            update_ticket(actor=actor, ticket=ticket, assignee=actor)
            state.last_assigned_at = now
            state.save(update_fields=["last_assigned_at"])
            _record(
                ticket=ticket,
                agent_id=actor.pk,
                strategy="take_next",
                trigger=Trigger.TAKE_NEXT,
                reason={
                    "strategy": "take_next",
                    "chosen": actor.pk,
                    "priority": ticket.priority,
                    "waited_seconds": round((now - ticket.created_at).total_seconds(), 1),
                    "skill_score": skill_score(me, requirements),
                    "considered": len(waiting),
                },
                actor=actor,
                now=now,
            )
            return ticket
    return None


def order_key(ticket: Ticket, *, now: datetime, aging_minutes: int) -> float:
    return aged_priority(priority=ticket.priority, created_at=ticket.created_at, now=now, aging_minutes=aging_minutes)


def _my_state(agent: User) -> AgentState:
    return state_of(agent, lock=True)


@transaction.atomic
def assign_manually(*, actor: User, ticket: Ticket, agent: User | None) -> Ticket:
    """Assign (or unassign) by hand — always possible, even past capacity — and say so."""
    ticket = update_ticket(actor=actor, ticket=ticket, assignee=agent)
    if agent is not None:
        record_manual(ticket=ticket, agent_id=agent.pk, actor=actor)
    return ticket


def record_manual(*, ticket: Ticket, agent_id: int, actor: User | None) -> RoutingDecision:
    now = clock.now()
    load = loads_of([agent_id])[agent_id]
    return _record(
        ticket=ticket,
        agent_id=agent_id,
        strategy="manual",
        trigger=Trigger.MANUAL,
        reason={"strategy": "manual", "chosen": agent_id, "by": actor.pk if actor else None, "load": load},
        actor=actor,
        now=now,
    )


@transaction.atomic
def configure_team(
    *,
    actor: User | None,
    team: Team,
    strategy: str | None = None,
    auto_assign: bool | None = None,
    aging_minutes: int | None = None,
) -> TeamRoutingConfig:
    require_manager(actor)
    if strategy is not None and strategy not in Strategy.values:
        raise ValidationError({"strategy": _("Choose round-robin, least loaded or skills-based.")})
    if aging_minutes is not None and (isinstance(aging_minutes, bool) or not 0 <= aging_minutes <= 60 * 24 * 7):
        raise ValidationError({"aging_minutes": _("Use a number of minutes from 0 to 10080.")})
    now = clock.now()
    config, _created = TeamRoutingConfig.objects.select_for_update().get_or_create(
        team=team, defaults={"updated_at": now}
    )
    before = {"strategy": config.strategy, "auto_assign": config.auto_assign, "aging_minutes": config.aging_minutes}
    if strategy is not None:
        config.strategy = strategy
    if auto_assign is not None:
        config.auto_assign = auto_assign
    if aging_minutes is not None:
        config.aging_minutes = aging_minutes
    config.updated_at = now
    config.save()
    after = {"strategy": config.strategy, "auto_assign": config.auto_assign, "aging_minutes": config.aging_minutes}
    audit.record(actor=actor, action="routing.team_configured", obj=config, before=before, after=after)
    if config.auto_assign:
        transaction.on_commit(lambda: _kick(team.pk))
    return config


def _kick(team_id: int) -> None:
    from atiende.routing.tasks import assign_team_queue

    try:
        assign_team_queue.enqueue(team_id)
    except Exception:  # the periodic job picks the queue up anyway
        return
