"""Simulation throughput: simulated contacts per second of the heap-based engine (numba).

A 24-hour day of a 40-agent multi-skill operation (two skills, agents with one or both,
shifts of 8 hours with breaks), Poisson arrivals with exponential handle time and
patience, run for several replications; the figure counts contacts through the engine
over the engine's wall time (arrival generation and statistics excluded, compile excluded
by a warm-up). Also a plain M/M/n day for comparison.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support import Context, Result

NAME = "wfm_simulation"
DESCRIPTION = "simulated contacts per second (heap-based engine, numba), multi-skill with shifts and abandonment"
GOAL_RATE = ">= 500000"


def run(ctx: Context) -> list[Result]:
    import numpy as np

    from atiende.wfm import simulation as sim

    contacts_goal = int(os.environ.get("BENCH_WFM_CONTACTS", "2000000"))
    interval = 1800.0
    day = 48
    agents = 40
    rate = 0.9 * agents * interval / 300.0  # 90 % load, 300 s handle time
    segments = []
    for a in range(agents):
        mask = 0b11 if a % 3 == 0 else (0b01 if a % 3 == 1 else 0b10)
        start = (a % 4) * 6 * 3600.0
        for d in range(0, 2):  # two shift halves with a break between
            s0 = start + d * 4.5 * 3600
            segments.append((s0 % 86400, s0 % 86400 + 4 * 3600, mask))
    servers = sim.Servers.from_segments(segments + [(0, 86400, 0b11)] * 10)
    # Warm up (compile or load the numba cache).
    rng = np.random.default_rng(0)
    small = sim.generate_contacts(rates=np.full(4, 50.0), interval=interval, aht=300, patience=120, rng=rng)
    sim.run_engine(small, servers, n_skills=2, horizon=86400)
    total = 0
    wall = 0.0
    r = 0
    while total < contacts_goal:
        rng = np.random.default_rng([1, r])
        contacts = sim.generate_contacts(
            rates=np.full(day, rate), interval=interval, aht=300, patience=180, skill_shares=(0.6, 0.4), rng=rng
        )
        began = time.perf_counter()
        sim.run_engine(contacts, servers, n_skills=2, horizon=86400 * 2)
        wall += time.perf_counter() - began
        total += len(contacts)
        r += 1
    multi = total / wall
    # M/M/n: one skill, 50 agents all day.
    mm_servers = sim.Servers.constant(50, 86400 * 2)
    mm_total = 0
    mm_wall = 0.0
    for k in range(max(1, r // 2)):
        contacts = sim.generate_contacts(
            rates=np.full(day, 0.9 * 50 * interval / 300.0),
            interval=interval,
            aht=300,
            rng=np.random.default_rng([2, k]),
        )
        began = time.perf_counter()
        sim.run_engine(contacts, mm_servers, n_skills=1, horizon=86400 * 2)
        mm_wall += time.perf_counter() - began
        mm_total += len(contacts)
    return [
        Result("engine.multiskill.contacts_per_s", round(multi), "contacts/s", GOAL_RATE, "none", total),
        Result("engine.mmn.contacts_per_s", round(mm_total / mm_wall), "contacts/s", GOAL_RATE, "none", mm_total),
    ]
