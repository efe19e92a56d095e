"""Read side of routing: agent snapshots for the engine, scoped querysets, reports.

Scope: agents (any role) read routing data of tickets they can see
(``tickets.selectors.tickets_visible_to``); customers read nothing here.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from atiende.accounts.choices import Role
from atiende.accounts.models import Team, User
from atiende.core import clock
from atiende.routing.choices import Direction, PresenceStatus, Strategy
from atiende.routing.engine import (
    AgentSnapshot,
    Requirement,
    TicketFacts,
    group_of,
    weight_of,
)
from atiende.routing.models import (
    AgentSkill,
    AgentState,
    CallbackRequest,
    Diversion,
    Escalation,
    EscalationReason,
    EscalationRule,
    OverflowRule,
    PresenceLog,
    RoutingDecision,
    ShadowDecision,
    ShadowPolicy,
    Skill,
    SkillRequirement,
    TeamRoutingConfig,
)
from atiende.tickets.choices import Status, Tier
from atiende.tickets.models import Ticket
from atiende.tickets.selectors import tickets_visible_to

# Tickets that occupy an agent's capacity, and tickets that wait in a queue.
ACTIVE_STATUSES: tuple[str, ...] = (Status.NEW, Status.OPEN)
# Roles that routing assigns work to (light agents write notes only).
ROUTABLE_ROLES: tuple[str, ...] = (Role.ADMIN, Role.SUPERVISOR, Role.AGENT)


# --- snapshots for the engine -------------------------------------------------------------------


def requirements_for(
    *, category_id: int | None, channel: str, language: str, skill_rows: Sequence[SkillRequirement] | None = None
) -> list[Requirement]:
    """The skills a ticket needs (its category's, its channel's, its requester language's).

    Several requirements on one skill keep the highest minimum level.
    """
    if skill_rows is None:
        query = Q(channel=channel)
        if category_id is not None:
            query |= Q(category_id=category_id)
        if language:
            query |= Q(language=language)
        skill_rows = list(SkillRequirement.objects.filter(query, skill__is_active=True))
    needed: dict[int, int] = {}
    for row in skill_rows:
        if row.category_id is not None and row.category_id != category_id:
            continue
        if row.channel and row.channel != channel:
            continue
        if row.language and row.language != language:
            continue
        needed[row.skill_id] = max(needed.get(row.skill_id, 0), row.min_level)
    return [Requirement(skill_id=s, min_level=level) for s, level in sorted(needed.items())]


def ticket_facts(ticket: Ticket) -> TicketFacts:
    return TicketFacts(
        ticket_id=ticket.pk, channel=ticket.channel, priority=ticket.priority, created_at=ticket.created_at
    )


def loads_of(agent_ids: Sequence[int]) -> dict[int, dict[str, float]]:
    """Weighted open work per agent and capacity group, in one grouped query."""
    loads: dict[int, dict[str, float]] = {pk: {} for pk in agent_ids}
    if not agent_ids:
        return loads
    rows = (
        Ticket.objects.filter(assignee_id__in=agent_ids, status__in=ACTIVE_STATUSES)
        .values_list("assignee_id", "channel", "priority")
        .annotate(n=Count("id"))
        .order_by()
    )
    for agent_id, channel, priority, n in rows:
        group = group_of(channel)
        bucket = loads[agent_id]
        bucket[group] = bucket.get(group, 0.0) + n * weight_of(priority)
    return loads


def agent_snapshot(
    *, team_id: int, skill_ids: Iterable[int] = (), agent_ids: Iterable[int] | None = None
) -> list[AgentSnapshot]:
    """The online, routable members of a team with their capacity, load and (needed) skills.

    Three queries whatever the number of agents: states, loads, skills.
    """
    states = AgentState.objects.filter(
        status=PresenceStatus.ONLINE,
        agent__teams=team_id,
        agent__is_active=True,
        agent__role__in=ROUTABLE_ROLES,
    )
    if agent_ids is not None:
        states = states.filter(agent_id__in=list(agent_ids))
    rows = list(states.values_list("agent_id", "capacity", "last_assigned_at").order_by())
    ids = [r[0] for r in rows]
    loads = loads_of(ids)
    skills: dict[int, dict[int, int]] = defaultdict(dict)
    wanted = list(skill_ids)
    if wanted and ids:
        for agent_id, skill_id, level in AgentSkill.objects.filter(agent_id__in=ids, skill_id__in=wanted).values_list(
            "agent_id", "skill_id", "level"
        ):
            skills[agent_id][skill_id] = level
    return [
        AgentSnapshot(
            agent_id=agent_id,
            capacity=capacity or {},
            load=loads.get(agent_id, {}),
            skills=skills.get(agent_id, {}),
            last_assigned_at=last,
        )
        for agent_id, capacity, last in rows
    ]


# --- the per-process snapshot cache -----------------------------------------------------------------
#
# A decision reads a team snapshot (three queries) and ranks it in memory. The snapshot is
# kept per process for ``SNAPSHOT_TTL`` seconds, or until the routing version (a counter in
# the shared cache, bumped by every presence, capacity, skill or requirement change) moves.
# A stale snapshot can only make a choice worse, never unsafe: the claim re-reads the
# chosen agent's presence and load under a row lock (``services.assignment._claim``).

SNAPSHOT_TTL = 2.0
VERSION_KEY = "atiende:routing:version"
_snapshots: dict[int, tuple[float, int, list[AgentSnapshot]]] = {}
_requirements: list[tuple[float, int, list[SkillRequirement]]] = []


def routing_version() -> int:
    return int(cache.get(VERSION_KEY, 0) or 0)


def bump_routing_version() -> None:
    """Invalidate every process's snapshots: now, and again when the transaction commits."""

    def bump() -> None:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:
            cache.set(VERSION_KEY, 1, None)
        _snapshots.clear()
        _requirements.clear()

    bump()
    transaction.on_commit(bump)


def requirement_rows() -> list[SkillRequirement]:
    """Every active skill requirement (a small table), cached like the snapshots."""
    now, version = time.monotonic(), routing_version()
    if _requirements and _requirements[0][0] > now and _requirements[0][1] == version:
        return _requirements[0][2]
    rows = list(SkillRequirement.objects.filter(skill__is_active=True))
    _requirements[:] = [(now + SNAPSHOT_TTL, version, rows)]
    return rows


def cached_snapshot(team_id: int) -> list[AgentSnapshot]:
    """The team snapshot with every required skill loaded, from this process's cache when fresh."""
    now, version = time.monotonic(), routing_version()
    hit = _snapshots.get(team_id)
    if hit is not None and hit[0] > now and hit[1] == version:
        return hit[2]
    agents = agent_snapshot(team_id=team_id, skill_ids={r.skill_id for r in requirement_rows()})
    _snapshots[team_id] = (now + SNAPSHOT_TTL, version, agents)
    return agents


def forget_snapshot(team_id: int) -> None:
    _snapshots.pop(team_id, None)


def waiting_tickets(*, team_ids: Sequence[int], limit: int = 500) -> QuerySet[Ticket]:
    """Unassigned tickets waiting in the teams' queues, oldest first."""
    return (
        Ticket.objects.filter(team_id__in=team_ids, assignee__isnull=True, status__in=ACTIVE_STATUSES)
        .select_related("requester")
        .only("pk", "channel", "priority", "created_at", "category_id", "team_id", "requester__language")
        .order_by("created_at", "pk")[:limit]
    )


def team_config(team_id: int) -> TeamRoutingConfig | None:
    return TeamRoutingConfig.objects.filter(team_id=team_id).first()


# --- scoped reads for the API and pages -----------------------------------------------------------


def _visible_ticket_ids(viewer: User) -> QuerySet[Ticket, Any]:
    return tickets_visible_to(viewer).values("pk")


def require_agent_viewer(viewer: User) -> bool:
    return viewer.is_active and viewer.is_agent


def skills_for(viewer: User) -> QuerySet[Skill]:
    return Skill.objects.all() if require_agent_viewer(viewer) else Skill.objects.none()


def agent_skills_for(viewer: User) -> QuerySet[AgentSkill]:
    if not require_agent_viewer(viewer):
        return AgentSkill.objects.none()
    return AgentSkill.objects.select_related("skill", "agent")


def requirements_visible_to(viewer: User) -> QuerySet[SkillRequirement]:
    if not require_agent_viewer(viewer):
        return SkillRequirement.objects.none()
    return SkillRequirement.objects.select_related("skill", "category")


def presence_for(viewer: User) -> QuerySet[AgentState]:
    if not require_agent_viewer(viewer):
        return AgentState.objects.none()
    return AgentState.objects.select_related("agent")


def presence_log_for(viewer: User) -> QuerySet[PresenceLog]:
    """Managers read everyone's presence history; other agents their own."""
    if not require_agent_viewer(viewer):
        return PresenceLog.objects.none()
    if viewer.is_manager:
        return PresenceLog.objects.all()
    return PresenceLog.objects.filter(agent=viewer)


def team_configs_for(viewer: User) -> QuerySet[TeamRoutingConfig]:
    if not require_agent_viewer(viewer):
        return TeamRoutingConfig.objects.none()
    qs = TeamRoutingConfig.objects.select_related("team")
    return qs if viewer.sees_all_tickets else qs.filter(team__members=viewer)


def decisions_for(viewer: User) -> QuerySet[RoutingDecision]:
    if not require_agent_viewer(viewer):
        return RoutingDecision.objects.none()
    return RoutingDecision.objects.filter(ticket_id__in=_visible_ticket_ids(viewer)).select_related(
        "ticket", "agent", "team"
    )


def overflow_rules_for(viewer: User) -> QuerySet[OverflowRule]:
    if not require_agent_viewer(viewer):
        return OverflowRule.objects.none()
    qs = OverflowRule.objects.select_related("team", "target_team")
    return qs if viewer.sees_all_tickets else qs.filter(team__members=viewer)


def diversions_for(viewer: User) -> QuerySet[Diversion]:
    if not require_agent_viewer(viewer):
        return Diversion.objects.none()
    qs = Diversion.objects.select_related("rule", "team", "ticket")
    if viewer.sees_all_tickets:
        return qs
    return qs.filter(Q(ticket_id__in=_visible_ticket_ids(viewer)) | Q(ticket__isnull=True, team__members=viewer))


def callbacks_for(viewer: User) -> QuerySet[CallbackRequest]:
    if not require_agent_viewer(viewer):
        return CallbackRequest.objects.none()
    return CallbackRequest.objects.filter(ticket_id__in=_visible_ticket_ids(viewer))


def shadow_policies_for(viewer: User) -> QuerySet[ShadowPolicy]:
    if not (viewer.is_active and viewer.is_manager):
        return ShadowPolicy.objects.none()
    return ShadowPolicy.objects.select_related("team")


def escalation_reasons_for(viewer: User) -> QuerySet[EscalationReason]:
    return EscalationReason.objects.all() if require_agent_viewer(viewer) else EscalationReason.objects.none()


def escalation_rules_for(viewer: User) -> QuerySet[EscalationRule]:
    if not (viewer.is_active and viewer.is_manager):
        return EscalationRule.objects.none()
    return EscalationRule.objects.select_related("category", "to_team", "reason")


def escalations_for(viewer: User) -> QuerySet[Escalation]:
    if not require_agent_viewer(viewer):
        return Escalation.objects.none()
    return Escalation.objects.filter(ticket_id__in=_visible_ticket_ids(viewer)).select_related(
        "reason", "actor", "from_team", "to_team"
    )


def latest_decision(ticket_id: int) -> RoutingDecision | None:
    return RoutingDecision.objects.filter(ticket_id=ticket_id).select_related("agent").order_by("-id").first()


def names_of(user_ids: Iterable[int]) -> dict[int, str]:
    return {
        pk: (name or email)
        for pk, name, email in User.objects.filter(pk__in=set(user_ids)).values_list("pk", "name", "email")
    }


# --- tier statistics --------------------------------------------------------------------------------


def tier_stats(
    *, since: datetime | None = None, until: datetime | None = None, team: Team | None = None
) -> list[dict[str, Any]]:
    """First-contact resolution and bounce-back rates per tier, for tickets created in the period.

    * first-contact resolution at tier T: solved tickets now at T that never moved between
      tiers and were never reopened, over all solved tickets now at T;
    * bounce-back rate of tier T: escalations into T that T sent back down to the tier
      they came from, over all escalations into T.
    """
    tickets = Ticket.objects.all()
    if since is not None:
        tickets = tickets.filter(created_at__gte=since)
    if until is not None:
        tickets = tickets.filter(created_at__lt=until)
    if team is not None:
        tickets = tickets.filter(team=team)
    moved = Escalation.objects.filter(ticket_id=OuterRef("pk"))
    solved = (
        tickets.filter(solved_at__isnull=False)
        .values("tier")
        .annotate(
            solved=Count("id"),
            first_contact=Count("id", filter=Q(reopen_count=0) & ~Q(Exists(moved))),
        )
        .order_by()
    )
    per_tier: dict[int, dict[str, Any]] = {
        t: {"tier": t, "solved": 0, "first_contact": 0, "escalated_in": 0, "escalated_out": 0, "bounced_back": 0}
        for t in Tier.values
    }
    for srow in solved:
        per_tier[srow["tier"]]["solved"] = srow["solved"]
        per_tier[srow["tier"]]["first_contact"] = srow["first_contact"]
    moves = (
        Escalation.objects.filter(ticket_id__in=tickets.values("pk"))
        .values("direction", "from_tier", "to_tier", "is_bounce_back")
        .annotate(n=Count("id"))
        .order_by()
    )
    for mrow in moves:
        if mrow["direction"] == Direction.UP:
            per_tier[mrow["to_tier"]]["escalated_in"] += mrow["n"]
            per_tier[mrow["from_tier"]]["escalated_out"] += mrow["n"]
        elif mrow["is_bounce_back"]:
            per_tier[mrow["from_tier"]]["bounced_back"] += mrow["n"]
    out = []
    for t in Tier.values:
        row = per_tier[t]
        row["first_contact_resolution_rate"] = round(row["first_contact"] / row["solved"], 4) if row["solved"] else None
        row["bounce_back_rate"] = round(row["bounced_back"] / row["escalated_in"], 4) if row["escalated_in"] else None
        out.append(row)
    return out


# --- shadow report ----------------------------------------------------------------------------------


def _spread(counts: dict[int, int]) -> dict[str, Any]:
    values = list(counts.values())
    if not values:
        return {"agents": 0, "max": 0, "min": 0, "stdev": 0.0, "per_agent": {}}
    return {
        "agents": len(values),
        "max": max(values),
        "min": min(values),
        "stdev": round(statistics.pstdev(values), 3),
        "per_agent": {str(k): v for k, v in sorted(counts.items())},
    }


def shadow_report(policy: ShadowPolicy, *, since: datetime | None = None) -> dict[str, Any]:
    """Compare a shadow policy with what the live policy did, on the tickets it saw.

    * wait: seconds from ticket creation to the (would-be) assignment;
    * SLA: first response within the policy's target, from the tickets' KPI timestamps.
      For the shadow policy the response time is estimated as its wait plus the time the
      live assignee took from assignment to first response (same work, other start);
    * load spread: assignments per agent (max, min, standard deviation);
    * agreement: share of tickets where both chose the same agent.
    """
    since = since or (clock.now() - timedelta(days=30))
    shadow_rows = list(
        ShadowDecision.objects.filter(policy=policy, created_at__gte=since).values_list(
            "ticket_id", "agent_id", "created_at"
        )
    )
    ticket_ids = [r[0] for r in shadow_rows]
    live: dict[int, tuple[int | None, datetime]] = {}
    for ticket_id, agent_id, at in (
        RoutingDecision.objects.filter(ticket_id__in=ticket_ids)
        .order_by("id")
        .values_list("ticket_id", "agent_id", "created_at")
    ):
        live.setdefault(ticket_id, (agent_id, at))
    kpis = {
        pk: (created, first)
        for pk, created, first in Ticket.objects.filter(pk__in=ticket_ids).values_list(
            "pk", "created_at", "first_response_at"
        )
    }
    target = policy.first_response_minutes * 60
    shadow_waits: list[float] = []
    live_waits: list[float] = []
    shadow_load: dict[int, int] = defaultdict(int)
    live_load: dict[int, int] = defaultdict(int)
    agree = compared = 0
    sla_live = sla_shadow = sla_n = 0
    for ticket_id, shadow_agent, shadow_at in shadow_rows:
        created, first = kpis.get(ticket_id, (None, None))
        if created is None:
            continue
        if shadow_agent is not None:
            shadow_load[shadow_agent] += 1
            shadow_waits.append((shadow_at - created).total_seconds())
        live_agent, live_at = live.get(ticket_id, (None, None))
        if live_agent is None or live_at is None:
            continue
        live_load[live_agent] += 1
        live_wait = (live_at - created).total_seconds()
        live_waits.append(live_wait)
        if shadow_agent is not None:
            compared += 1
            agree += int(shadow_agent == live_agent)
        if first is not None and shadow_agent is not None:
            handling = max(0.0, (first - live_at).total_seconds())
            sla_n += 1
            sla_live += int((first - created).total_seconds() <= target)
            sla_shadow += int((shadow_at - created).total_seconds() + handling <= target)

    def mean(values: list[float]) -> float | None:
        return round(statistics.fmean(values), 1) if values else None

    return {
        "policy": {"id": policy.pk, "name": policy.name, "strategy": policy.strategy},
        "since": since.isoformat(),
        "tickets": len(shadow_rows),
        "compared": compared,
        "agreement_rate": round(agree / compared, 4) if compared else None,
        "live": {
            "mean_wait_seconds": mean(live_waits),
            "sla_met_rate": round(sla_live / sla_n, 4) if sla_n else None,
            "load": _spread(live_load),
        },
        "shadow": {
            "mean_wait_seconds": mean(shadow_waits),
            "sla_met_rate": round(sla_shadow / sla_n, 4) if sla_n else None,
            "load": _spread(shadow_load),
        },
    }


STRATEGY_LABELS = dict(Strategy.choices)
