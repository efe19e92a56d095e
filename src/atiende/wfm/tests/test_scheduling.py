"""CP-SAT shift scheduling on small instances with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from atiende.wfm import scheduling as sc

HOUR = 60


def day_requirement(days: int, slots: list[tuple[int, int, int]], slot: int = 60) -> np.ndarray:
    per_day = 24 * 60 // slot
    req = np.zeros(days * per_day, dtype=np.int64)
    for day, (h0, h1, n) in enumerate(slots):
        req[day * per_day + h0 : day * per_day + h1] = n
    return req


FOUR = sc.ShiftTemplate("four", start_earliest=6 * HOUR, start_latest=20 * HOUR, length=4 * HOUR, start_step=60)


def test_covers_exactly_with_the_fewest_hours() -> None:
    req = day_requirement(1, [(9, 17, 1)])
    agents = [sc.AgentSpec(1), sc.AgentSpec(2), sc.AgentSpec(3)]
    s = sc.solve_schedule(requirement=req, slot_minutes=60, agents=agents, templates=[FOUR], time_limit=5)
    assert s.status == "optimal"
    assert s.paid_minutes == 8 * HOUR and len(s.assignments) == 2
    np.testing.assert_array_equal(s.coverage[0], req)
    assert int(s.shortfall.sum()) == 0
    starts = sorted(a.start for a in s.assignments)
    assert starts == [9 * HOUR, 13 * HOUR]
    assert len({a.agent_id for a in s.assignments}) == 2  # one shift per agent and day


def test_breaks_do_not_count_and_unpaid_lunch_is_not_paid() -> None:
    tpl = sc.ShiftTemplate(
        "eight", 8 * HOUR, 8 * HOUR, 9 * HOUR, breaks=(sc.BreakRule(60, 4 * HOUR, 4 * HOUR, paid=False),)
    )
    req = day_requirement(1, [(8, 17, 1)])
    s = sc.solve_schedule(requirement=req, slot_minutes=60, agents=[sc.AgentSpec(1)], templates=[tpl], time_limit=5)
    (a,) = s.assignments
    assert a.working_segments() == [(8 * HOUR, 12 * HOUR), (13 * HOUR, 17 * HOUR)]
    assert s.paid_minutes == 8 * HOUR
    assert s.coverage[0, 12] == 0 and int(s.shortfall.sum()) == 1  # the lunch hour is short, and said so


def test_rest_rule_between_days_leaves_a_shortfall_rather_than_failing() -> None:
    # Late on day 0 (20-24h) and early on day 1 (0-4h): one agent cannot do both with 11 h rest.
    req = day_requirement(2, [(20, 24, 1), (0, 4, 1)])
    late = sc.ShiftTemplate("any", 0, 20 * HOUR, 4 * HOUR, start_step=60)
    one = [sc.AgentSpec(1)]
    rested = sc.solve_schedule(requirement=req, slot_minutes=60, agents=one, templates=[late], time_limit=5)
    assert rested.status == "optimal" and len(rested.assignments) == 1 and int(rested.shortfall.sum()) == 4
    tired = sc.solve_schedule(
        requirement=req, slot_minutes=60, agents=one, templates=[late], min_rest_minutes=0, time_limit=5
    )
    assert len(tired.assignments) == 2 and int(tired.shortfall.sum()) == 0


def test_availability_skills_and_weekly_limit() -> None:
    req = np.zeros((2, 24), dtype=np.int64)
    req[0, 9:13] = 1
    req[1, 14:18] = 1
    agents = [
        sc.AgentSpec(1, skills=(0,), available=((13 * HOUR, 24 * HOUR),)),  # afternoon only, skill 0
        sc.AgentSpec(2, skills=(0, 1)),
        sc.AgentSpec(3, skills=(1,), max_minutes=3 * HOUR),  # cannot take a 4-hour shift
    ]
    s = sc.solve_schedule(requirement=req, slot_minutes=60, agents=agents, templates=[FOUR], time_limit=5)
    assert int(s.shortfall.sum()) == 4  # agent 2 covers one of the two blocks; nobody else can take the other
    by_agent = {a.agent_id: a for a in s.assignments}
    assert set(by_agent) == {2}
    s2 = sc.solve_schedule(
        requirement=req, slot_minutes=60, agents=[*agents, sc.AgentSpec(4, skills=(1,))], templates=[FOUR], time_limit=5
    )
    assert int(s2.shortfall.sum()) == 0
    assert {a.skill for a in s2.assignments} == {0, 1}


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="whole days"):
        sc.solve_schedule(requirement=np.ones(10), slot_minutes=60, agents=[], templates=[FOUR])
    with pytest.raises(ValueError, match="divide a day"):
        sc.solve_schedule(requirement=np.ones(24), slot_minutes=7, agents=[], templates=[FOUR])
