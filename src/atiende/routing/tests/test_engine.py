"""The in-memory decision: strategies, capacity weighting, skill scoring, priority aging."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from atiende.routing.engine import AgentSnapshot, Requirement, TicketFacts, order_waiting, rank

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def chat(pk: int = 1, priority: int = 2, age_minutes: int = 0) -> TicketFacts:
    return TicketFacts(ticket_id=pk, channel="chat", priority=priority, created_at=NOW - timedelta(minutes=age_minutes))


def agent(pk: int, **kw: object) -> AgentSnapshot:
    kw.setdefault("capacity", {"call": 1, "chat": 3, "email": 15})
    return AgentSnapshot(agent_id=pk, **kw)  # type: ignore[arg-type]


def test_round_robin_is_fair_over_many_assignments() -> None:
    agents = [agent(pk, capacity={"chat": 1000}) for pk in (1, 2, 3, 4)]
    counts: Counter[int] = Counter()
    now = NOW
    for n in range(400):
        now += timedelta(seconds=1)
        best = rank(strategy="round_robin", ticket=chat(n), agents=agents, now=now).candidates[0]
        counts[best.agent_id] += 1
        chosen = next(a for a in agents if a.agent_id == best.agent_id)
        chosen.last_assigned_at = now
        chosen.add("chat", 1.0)
    assert set(counts.values()) == {100}


def test_round_robin_takes_turns_in_order() -> None:
    agents = [
        agent(1, last_assigned_at=NOW - timedelta(minutes=1)),
        agent(2, last_assigned_at=NOW - timedelta(minutes=5)),
        agent(3),
    ]
    order = [c.agent_id for c in rank(strategy="round_robin", ticket=chat(), agents=agents, now=NOW).candidates]
    assert order == [3, 2, 1]  # never assigned first, then the longest since the last one


def test_least_loaded_picks_lowest_weighted_load_relative_to_capacity() -> None:
    busy = agent(1, load={"chat": 2.0})
    light = agent(2, load={"email": 3.0})  # 3/15 of email < 2/3 of chat
    idle_long = agent(3, load={"email": 3.0}, last_assigned_at=NOW - timedelta(hours=1))
    ranking = rank(strategy="least_loaded", ticket=chat(), agents=[busy, light, idle_long], now=NOW)
    assert [c.agent_id for c in ranking.candidates] == [2, 3, 1]  # tie on load: never assigned before idle


def test_capacity_is_weighted_by_priority() -> None:
    one_urgent = agent(1, load={"chat": 2.0})  # an urgent chat weighs 2 of 3
    assert one_urgent.fits("chat", 1.0)
    assert not one_urgent.fits("chat", 1.5)
    empty_call = agent(2, capacity={"call": 1})
    assert empty_call.fits("call", 2.0)  # an urgent call still reaches a free agent
    assert not agent(3, capacity={"call": 1}, load={"call": 0.5}).fits("call", 1.0)
    assert not agent(4, capacity={"chat": 0}).fits("chat", 0.5)


def test_agents_at_capacity_or_without_required_skills_are_excluded() -> None:
    full = agent(1, load={"chat": 3.0})
    unskilled = agent(2, skills={7: 2})
    skilled = agent(3, skills={7: 4})
    ranking = rank(
        strategy="round_robin",
        ticket=chat(),
        agents=[full, unskilled, skilled],
        requirements=[Requirement(7, 3)],
        now=NOW,
    )
    assert [c.agent_id for c in ranking.candidates] == [3]
    assert ranking.excluded_capacity == 1
    assert ranking.excluded_skills == 1
    assert ranking.reason(chosen=3)["excluded"] == {"capacity": 1, "skills": 1}


def test_skills_based_prefers_best_match_then_load_then_idle() -> None:
    reqs = [Requirement(1, 1), Requirement(2, 1)]
    expert_busy = agent(1, skills={1: 5, 2: 5}, load={"chat": 2.0})
    good = agent(2, skills={1: 4, 2: 4})
    good_idle = agent(3, skills={1: 4, 2: 4}, last_assigned_at=NOW - timedelta(hours=2))
    good_recent = agent(4, skills={1: 4, 2: 4}, last_assigned_at=NOW - timedelta(minutes=1))
    ranking = rank(
        strategy="skills_based",
        ticket=chat(),
        agents=[good_recent, good_idle, good, expert_busy],
        requirements=reqs,
        now=NOW,
    )
    assert [c.agent_id for c in ranking.candidates] == [1, 2, 3, 4]
    assert ranking.candidates[0].score == 5.0


def test_priority_aging_lets_an_old_low_ticket_pass_a_new_high_one() -> None:
    old_low = chat(1, priority=1, age_minutes=120)  # 1 + 120/30 = 5
    new_high = chat(2, priority=3, age_minutes=0)
    assert [t.ticket_id for t in order_waiting([new_high, old_low], now=NOW, aging_minutes=30)] == [1, 2]
    assert [t.ticket_id for t in order_waiting([new_high, old_low], now=NOW, aging_minutes=0)] == [2, 1]


@given(
    loads=st.lists(st.floats(min_value=0, max_value=20, allow_nan=False), min_size=1, max_size=30),
    priority=st.integers(min_value=1, max_value=4),
)
def test_no_strategy_ranks_an_agent_who_would_go_past_capacity(loads: list[float], priority: int) -> None:
    agents = [agent(i, load={"chat": load}) for i, load in enumerate(loads)]
    weight = {1: 0.5, 2: 1.0, 3: 1.5, 4: 2.0}[priority]
    for strategy in ("round_robin", "least_loaded", "skills_based"):
        for c in rank(strategy=strategy, ticket=chat(priority=priority), agents=agents, now=NOW).candidates:
            used = loads[c.agent_id]
            assert used == 0 or used + weight <= 3 + 1e-9
