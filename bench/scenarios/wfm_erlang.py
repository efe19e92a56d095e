"""Erlang staffing speed: required agents (Erlang C, and A with patience) for a 10,000-point grid in one call.

The grid is a week of 30-minute intervals for 60 what-if variants (volumes from 1 to
4,000 calls per half hour, i.e. 0.1 to 400 Erlangs) plus a few large loads up to
20,000 Erlangs. Best of five runs after one warm-up (the host is shared).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support import Context, Result

NAME = "wfm_erlang"
DESCRIPTION = "required agents for a 10,000-point grid, vectorised (Erlang C; Erlang A informational)"
GOAL_MS = "< 50"


def _grid(n: int = 10_000):  # type: ignore[no-untyped-def]
    import numpy as np

    rng = np.random.default_rng(7)
    calls = rng.uniform(1, 4000, n)
    calls[:20] = np.linspace(100_000, 200_000, 20)  # 10,000-20,000 Erlangs
    return calls


def _best(fn, runs: int = 5) -> float:  # type: ignore[no-untyped-def]
    fn()
    best = float("inf")
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - began)
    return best * 1000


def run(ctx: Context) -> list[Result]:
    from atiende.wfm import erlang

    calls = _grid()
    n = int(calls.size)
    c_ms = _best(lambda: erlang.required_agents(calls=calls, interval=1800, aht=180, target=0.8, answer_time=20))
    a_ms = _best(
        lambda: erlang.required_agents(calls=calls, interval=1800, aht=180, target=0.8, answer_time=20, patience=120),
        runs=3,
    )
    m_ms = _best(lambda: erlang.metrics(agents=calls / 10 + 5, calls=calls, interval=1800, aht=180, answer_time=20))
    return [
        Result("erlang_c.required_agents", round(c_ms, 2), "ms", GOAL_MS, "none", n),
        Result("erlang_a.required_agents", round(a_ms, 2), "ms", None, "none", n),
        Result("erlang_c.metrics", round(m_ms, 2), "ms", None, "none", n),
    ]
