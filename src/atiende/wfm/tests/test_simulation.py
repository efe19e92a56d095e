"""The discrete-event engine: compiled = interpreted, and within confidence of Erlang C/A."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atiende.wfm import erlang
from atiende.wfm import simulation as sim


def _small_case() -> tuple[sim.Contacts, sim.Servers]:
    rng = np.random.default_rng(7)
    contacts = sim.generate_contacts(
        rates=[30, 60, 45, 10], interval=900, aht=240, patience=90, skill_shares=(0.6, 0.4), rng=rng
    )
    servers = sim.Servers.from_segments(
        [(0, 1800, 0b01), (0, 3600, 0b11), (600, 3600, 0b10), (1200, 2400, 0b01), (2500, 3600, 0b11)]
    )
    return contacts, servers


@pytest.mark.parametrize("strategy", ["longest_idle", "priority"])
def test_compiled_engine_equals_pure_python(strategy: str) -> None:
    contacts, servers = _small_case()
    rules = [
        sim.Overflow(skill=0, kind="queue_size", threshold=3, target=1),
        sim.Overflow(skill=1, kind="oldest_wait", threshold=60),
    ]
    py = sim.run_engine(contacts, servers, n_skills=2, strategy=strategy, overflow=rules, horizon=3600, jit=False)
    jit = sim.run_engine(contacts, servers, n_skills=2, strategy=strategy, overflow=rules, horizon=3600, jit=True)
    for a, b in zip(py, jit, strict=True):
        np.testing.assert_array_equal(a, b)
    outcome = py[0]
    assert {sim.OUTCOME_SERVED, sim.OUTCOME_ABANDONED} <= set(outcome.tolist())
    assert (py[3] == 1).any()  # some contacts were diverted


def test_engine_invariants_on_a_small_case() -> None:
    contacts, servers = _small_case()
    outcome, wait, start, _diverted, final_skill = sim.run_engine(contacts, servers, n_skills=2, horizon=3600)
    served = outcome == sim.OUTCOME_SERVED
    assert np.all(wait[served] >= 0)
    np.testing.assert_allclose(start[served], contacts.times[served] + wait[served])
    # Abandoned contacts waited exactly their patience; nobody is served after giving up.
    ab = outcome == sim.OUTCOME_ABANDONED
    np.testing.assert_allclose(wait[ab], contacts.patience[ab])
    assert np.all(wait[served] < contacts.patience[served])
    assert np.all(start[served] < servers.end.max())
    assert set(final_skill.tolist()) <= {0, 1}


def test_nobody_online_diverts_everything_out() -> None:
    contacts, _ = _small_case()
    nobody = sim.Servers.from_segments([(0, 3600, 0b10)])  # only skill 1 staffed
    outcome, *_ = sim.run_engine(
        contacts, nobody, n_skills=2, overflow=[sim.Overflow(skill=0, kind="nobody_online", threshold=0)], horizon=3600
    )
    assert np.all(outcome[contacts.skill == 0] == sim.OUTCOME_DIVERTED)
    assert not np.any(outcome[contacts.skill == 1] == sim.OUTCOME_DIVERTED)


def test_mmc_simulation_within_confidence_of_erlang_c() -> None:
    result = sim.simulate_stationary(
        calls=100, interval=1800, aht=180, agents=14, answer_time=20, hours=300, replications=12, seed=11
    )
    exact = erlang.metrics(agents=14, calls=100, interval=1800, aht=180, answer_time=20)
    for name in ("service_level", "asa", "occupancy"):
        est = getattr(result, name)
        value = float(getattr(exact, name))
        assert est.low <= value <= est.high, (name, est, value)
    assert result.abandon_rate.mean == 0.0


def test_mmn_plus_m_simulation_within_confidence_of_erlang_a() -> None:
    result = sim.simulate_stationary(
        calls=100, interval=1800, aht=180, agents=12, answer_time=20, patience=120, hours=150, replications=12, seed=5
    )
    exact = erlang.metrics(agents=12, calls=100, interval=1800, aht=180, answer_time=20, patience=120)
    for name in ("service_level", "abandon_rate", "occupancy", "asa"):
        est = getattr(result, name)
        value = float(getattr(exact, name))
        assert est.low <= value <= est.high, (name, est, value)


def test_more_staff_is_better_and_ci_shrinks_with_replications() -> None:
    few = sim.simulate_stationary(
        calls=100, interval=1800, aht=180, agents=11, answer_time=20, patience=120, hours=20, replications=4
    )
    many = sim.simulate_stationary(
        calls=100, interval=1800, aht=180, agents=16, answer_time=20, patience=120, hours=20, replications=16
    )
    assert many.service_level.mean > few.service_level.mean
    assert many.abandon_rate.mean < few.abandon_rate.mean
    assert (many.service_level.high - many.service_level.low) < (few.service_level.high - few.service_level.low)


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    agents=st.integers(1, 6),
    patience=st.one_of(st.none(), st.floats(10, 600)),
    strategy=st.sampled_from(["longest_idle", "priority"]),
)
def test_compiled_and_interpreted_engines_agree_on_random_cases(
    seed: int, agents: int, patience: float | None, strategy: str
) -> None:
    rng = np.random.default_rng(seed)
    contacts = sim.generate_contacts(
        rates=rng.uniform(0, 40, 4), interval=900, aht=200, patience=patience, skill_shares=(0.5, 0.5), rng=rng
    )
    starts = rng.uniform(0, 1800, agents)
    servers = sim.Servers(start=starts, end=starts + rng.uniform(600, 3600, agents), mask=rng.integers(1, 4, agents))
    py = sim.run_engine(contacts, servers, n_skills=2, strategy=strategy, horizon=7200, jit=False)
    jit = sim.run_engine(contacts, servers, n_skills=2, strategy=strategy, horizon=7200, jit=True)
    for a, b in zip(py, jit, strict=True):
        np.testing.assert_array_equal(a, b)
