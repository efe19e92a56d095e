"""The routing decision itself: pure Python over an in-memory snapshot of the agents.

The services load one snapshot per team (a few indexed queries, never one per agent,
see ``selectors.agent_snapshot``) and ask :func:`rank` for the candidates in order. The
decision is cheap enough to run for every ticket (``bench/scenarios/routing_decision.py``).

Load is weighted by priority and counted per capacity group (calls, chats, email): an
agent with a chat capacity of 3 holds three normal chats, or one urgent chat (weight 2)
and one normal. A single ticket always fits an agent whose load in its group is zero,
so an urgent call still reaches an agent with a capacity of one call.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from atiende.routing.choices import CapacityGroup, Strategy
from atiende.tickets.choices import Channel

PRIORITY_WEIGHT: dict[int, float] = {1: 0.5, 2: 1.0, 3: 1.5, 4: 2.0}

CHANNEL_GROUP: dict[str, str] = {
    Channel.PHONE: CapacityGroup.CALL,
    Channel.CHAT: CapacityGroup.CHAT,
    Channel.WHATSAPP: CapacityGroup.CHAT,
    Channel.SMS: CapacityGroup.CHAT,
    Channel.EMAIL: CapacityGroup.EMAIL,
    Channel.PORTAL: CapacityGroup.EMAIL,
    Channel.API: CapacityGroup.EMAIL,
    Channel.WEB: CapacityGroup.EMAIL,
}

EPSILON = 1e-9


def group_of(channel: str) -> str:
    return CHANNEL_GROUP.get(channel, CapacityGroup.EMAIL)


def weight_of(priority: int) -> float:
    return PRIORITY_WEIGHT.get(priority, 1.0)


@dataclass
class AgentSnapshot:
    agent_id: int
    capacity: Mapping[str, float]
    load: dict[str, float] = field(default_factory=dict)
    skills: dict[int, int] = field(default_factory=dict)  # skill id -> level
    last_assigned_at: datetime | None = None
    name: str = ""

    def fits(self, group: str, weight: float) -> bool:
        cap = float(self.capacity.get(group, 0) or 0)
        if cap <= 0:
            return False
        used = self.load.get(group, 0.0)
        return used <= EPSILON or used + weight <= cap + EPSILON

    def load_ratio(self) -> float:
        """Weighted open work relative to capacity, summed over the channel groups."""
        total = 0.0
        for group, used in self.load.items():
            cap = float(self.capacity.get(group, 0) or 0)
            total += used / cap if cap > 0 else used
        return total

    def add(self, group: str, weight: float) -> None:
        self.load[group] = self.load.get(group, 0.0) + weight


@dataclass(frozen=True)
class Requirement:
    skill_id: int
    min_level: int


@dataclass(frozen=True)
class TicketFacts:
    ticket_id: int
    channel: str
    priority: int
    created_at: datetime


@dataclass(frozen=True)
class Candidate:
    agent_id: int
    score: float
    load: float
    idle_seconds: float

    def as_reason(self) -> dict[str, Any]:
        return {
            "agent_id": self.agent_id,
            "skill_score": round(self.score, 3),
            "load": round(self.load, 3),
            "idle_seconds": round(self.idle_seconds, 1) if self.idle_seconds != float("inf") else None,
        }


@dataclass
class Ranking:
    strategy: str
    candidates: list[Candidate]  # the best ``TOP`` eligible agents, best first
    eligible: int = 0
    excluded_capacity: int = 0
    excluded_skills: int = 0

    def reason(self, *, chosen: int | None, top: int = 5) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "chosen": chosen,
            "eligible": self.eligible,
            "excluded": {"capacity": self.excluded_capacity, "skills": self.excluded_skills},
            "candidates": [c.as_reason() for c in self.candidates[:top]],
        }


TOP = 10


def skill_score(agent: AgentSnapshot, requirements: Sequence[Requirement]) -> float | None:
    """Mean level over the required skills (0–5); None when a requirement is not met."""
    if not requirements:
        return 0.0
    total = 0
    for req in requirements:
        level = agent.skills.get(req.skill_id, 0)
        if level < req.min_level:
            return None
        total += level
    return total / len(requirements)


def rank(
    *,
    strategy: str,
    ticket: TicketFacts,
    agents: Iterable[AgentSnapshot],
    requirements: Sequence[Requirement] = (),
    now: datetime,
    top: int = TOP,
) -> Ranking:
    """The ``top`` agents who can take ``ticket``, best first, by ``strategy``.

    * round-robin: the agent assigned longest ago (never assigned first), then by id —
      each assignment sends the agent to the back of the line;
    * least-loaded: lowest weighted load relative to capacity, then longest idle;
    * skills-based: best mean level over the required skills, then load, then longest idle.

    Every strategy honours capacity and the minimum skill levels the ticket requires.
    One pass over the agents and a partial sort (``heapq.nsmallest``): O(agents).
    """
    group = group_of(ticket.channel)
    weight = weight_of(ticket.priority)
    keyed: list[tuple[tuple[float, ...], int, float, float, float]] = []
    no_capacity = no_skills = 0
    never = float("inf")
    for agent in agents:
        if not agent.fits(group, weight):
            no_capacity += 1
            continue
        score = skill_score(agent, requirements)
        if score is None:
            no_skills += 1
            continue
        last = agent.last_assigned_at
        idle = (now - last).total_seconds() if last is not None else never
        load = agent.load_ratio()
        if strategy == Strategy.ROUND_ROBIN:
            key: tuple[float, ...] = (-idle, agent.agent_id)
        elif strategy == Strategy.SKILLS_BASED:
            key = (-score, load, -idle, agent.agent_id)
        else:
            key = (load, -idle, agent.agent_id)
        keyed.append((key, agent.agent_id, score, load, idle))
    best = heapq.nsmallest(top, keyed)
    return Ranking(
        strategy=strategy,
        candidates=[
            Candidate(agent_id=pk, score=score, load=load, idle_seconds=idle) for _k, pk, score, load, idle in best
        ],
        eligible=len(keyed),
        excluded_capacity=no_capacity,
        excluded_skills=no_skills,
    )


def aged_priority(*, priority: int, created_at: datetime, now: datetime, aging_minutes: int) -> float:
    """Priority plus one level per ``aging_minutes`` waited, so nothing waits forever."""
    if aging_minutes <= 0:
        return float(priority)
    return priority + max(0.0, (now - created_at).total_seconds()) / (aging_minutes * 60)


def order_waiting(tickets: Iterable[TicketFacts], *, now: datetime, aging_minutes: int) -> list[TicketFacts]:
    """Waiting tickets, the one to serve first first (aged priority, then oldest)."""
    return sorted(
        tickets,
        key=lambda t: (
            -aged_priority(priority=t.priority, created_at=t.created_at, now=now, aging_minutes=aging_minutes),
            t.created_at,
            t.ticket_id,
        ),
    )
