"""Shift scheduling with OR-Tools CP-SAT (pure; no Django).

Input: the agents required per skill and slot over a horizon of whole days (forecast ×
Erlang, after shrinkage), shift templates (start window, length, breaks and lunch with
their own windows) and agents (skills, availability windows, weekly limits).

Model: one boolean per (agent, day, template, start, break placement, skill); at most one
shift per agent and day; a shift must lie inside one of the agent's availability windows;
rest between consecutive shifts ≥ ``min_rest_minutes``; weekly minutes and days capped.
Coverage of a slot counts the agents working it (not on a break) on that skill; an integer
shortfall per skill and slot is penalised, so the model always has a solution and
understaffing is reported rather than refused. The objective minimises paid minutes plus
``under_penalty`` minutes per agent-slot short (default: four times the slot length). The solver is bounded by ``time_limit``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray


@dataclass(frozen=True)
class BreakRule:
    """A break (or lunch) of ``length`` minutes starting between ``earliest`` and ``latest`` minutes into the shift."""

    length: int
    earliest: int
    latest: int
    paid: bool = True


@dataclass(frozen=True)
class ShiftTemplate:
    name: str
    start_earliest: int  # minutes after local midnight
    start_latest: int
    length: int  # minutes, breaks included
    start_step: int = 30
    breaks: tuple[BreakRule, ...] = ()
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)  # of the horizon's days, by weekday (0 = Monday)

    def paid_minutes(self) -> int:
        return self.length - sum(b.length for b in self.breaks if not b.paid)


@dataclass(frozen=True)
class AgentSpec:
    id: int
    skills: tuple[int, ...] = (0,)
    # Absolute (start, end) minutes from the start of the horizon; ``None`` = always available.
    available: tuple[tuple[int, int], ...] | None = None
    max_minutes: int = 40 * 60
    max_days: int = 5
    templates: tuple[str, ...] | None = None  # ``None`` = every template


@dataclass(frozen=True)
class Assignment:
    agent_id: int
    day: int
    template: str
    skill: int
    start: int  # absolute minutes from the start of the horizon
    end: int
    breaks: tuple[tuple[int, int], ...]

    def working_segments(self) -> list[tuple[int, int]]:
        """``(start, end)`` minutes actually on the floor (breaks removed)."""
        out: list[tuple[int, int]] = []
        cursor = self.start
        for b0, b1 in sorted(self.breaks):
            if b0 > cursor:
                out.append((cursor, b0))
            cursor = max(cursor, b1)
        if cursor < self.end:
            out.append((cursor, self.end))
        return out


@dataclass
class Schedule:
    status: str
    assignments: list[Assignment]
    requirement: NDArray[np.int64]  # (skills, slots)
    coverage: NDArray[np.int64]
    slot_minutes: int
    paid_minutes: int
    objective: float
    wall_seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def shortfall(self) -> NDArray[np.int64]:
        return np.maximum(self.requirement - self.coverage, 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "paid_hours": round(self.paid_minutes / 60, 2),
            "objective": self.objective,
            "wall_seconds": round(self.wall_seconds, 3),
            "slot_minutes": self.slot_minutes,
            "assignments": [asdict(a) for a in self.assignments],
            "requirement": self.requirement.tolist(),
            "coverage": self.coverage.tolist(),
            "shortfall_agent_slots": int(self.shortfall.sum()),
            "notes": self.notes,
        }


def _placements(template: ShiftTemplate, slot: int, max_per_break: int) -> list[tuple[tuple[int, int], ...]]:
    """Break placements (offsets from the shift start), at most ``max_per_break`` per rule, non-overlapping."""
    per_rule: list[list[tuple[int, int]]] = []
    for rule in template.breaks:
        offsets = list(range(rule.earliest, rule.latest + 1, slot)) or [rule.earliest]
        if len(offsets) > max_per_break:
            picks = np.linspace(0, len(offsets) - 1, max_per_break).round().astype(int)
            offsets = [offsets[i] for i in sorted(set(picks.tolist()))]
        per_rule.append([(o, o + rule.length) for o in offsets])
    combos: list[tuple[tuple[int, int], ...]] = []
    for combo in itertools.product(*per_rule) if per_rule else [()]:
        ordered = sorted(combo)
        if all(ordered[i][1] <= ordered[i + 1][0] for i in range(len(ordered) - 1)):
            combos.append(tuple(combo))
    return combos


def solve_schedule(
    *,
    requirement: ArrayLike,
    slot_minutes: int,
    agents: Sequence[AgentSpec],
    templates: Sequence[ShiftTemplate],
    first_weekday: int = 0,
    min_rest_minutes: int = 11 * 60,
    under_penalty: int | None = None,
    time_limit: float = 10.0,
    workers: int = 2,
    seed: int = 0,
    max_break_positions: int = 2,
) -> Schedule:
    """Cover ``requirement`` (skills × slots; the horizon is whole days) with the fewest paid minutes."""
    import time

    from ortools.sat.python import cp_model

    req = np.asarray(requirement, dtype=np.int64)
    if req.ndim == 1:
        req = req[None, :]
    if slot_minutes <= 0 or (24 * 60) % slot_minutes:
        raise ValueError("slot_minutes must divide a day")
    n_skills, n_slots = req.shape
    per_day = 24 * 60 // slot_minutes
    if n_slots % per_day:
        raise ValueError("the requirement must cover whole days")
    if time_limit <= 0:
        raise ValueError("time_limit must be > 0")
    days = n_slots // per_day
    horizon = n_slots * slot_minutes
    model = cp_model.CpModel()
    cover: list[list[list[Any]]] = [[[] for _ in range(n_slots)] for _ in range(n_skills)]
    options: list[tuple[Any, Assignment, int]] = []
    paid_terms: list[Any] = []
    by_agent_day: dict[tuple[int, int], list[tuple[Any, Assignment]]] = {}
    tpl_by_name = {t.name: t for t in templates}
    placements = {t.name: _placements(t, slot_minutes, max_break_positions) for t in templates}
    for agent in agents:
        allowed = [tpl_by_name[n] for n in agent.templates if n in tpl_by_name] if agent.templates else list(templates)
        skills = [s for s in agent.skills if 0 <= s < n_skills]
        for day in range(days):
            weekday = (first_weekday + day) % 7
            for tpl in allowed:
                if weekday not in tpl.weekdays:
                    continue
                for begin in range(tpl.start_earliest, tpl.start_latest + 1, max(tpl.start_step, slot_minutes)):
                    start = day * 24 * 60 + begin
                    end = start + tpl.length
                    if end > horizon or start % slot_minutes:
                        continue
                    if agent.available is not None and not any(a0 <= start and end <= a1 for a0, a1 in agent.available):
                        continue
                    for placement in placements[tpl.name]:
                        brk = tuple((start + b0, start + b1) for b0, b1 in placement)
                        for skill in skills:
                            var = model.new_bool_var(f"x_{agent.id}_{day}_{tpl.name}_{begin}_{len(options)}")
                            asg = Assignment(agent.id, day, tpl.name, skill, start, end, brk)
                            options.append((var, asg, tpl.paid_minutes()))
                            by_agent_day.setdefault((agent.id, day), []).append((var, asg))
                            paid_terms.append(tpl.paid_minutes() * var)
                            for seg0, seg1 in asg.working_segments():
                                for s in range(seg0 // slot_minutes, min(-(-seg1 // slot_minutes), n_slots)):
                                    # a slot counts when the agent works all of it
                                    if s * slot_minutes >= seg0 and (s + 1) * slot_minutes <= seg1:
                                        cover[skill][s].append(var)
    # one shift per agent and day; weekly limits; rest between days
    big = 3 * 24 * 60
    for agent in agents:
        works: list[Any] = []
        minutes: list[Any] = []
        day_vars: dict[int, tuple[Any, Any, Any]] = {}
        for day in range(days):
            opts = by_agent_day.get((agent.id, day), [])
            if not opts:
                continue
            model.add_at_most_one(v for v, _ in opts)
            w = sum(v for v, _ in opts)
            st = sum(a.start * v for v, a in opts)
            en = sum(a.end * v for v, a in opts)
            works.append(w)
            minutes.extend(tpl_by_name[a.template].paid_minutes() * v for v, a in opts)
            day_vars[day] = (w, st, en)
        if works:
            model.add(sum(works) <= agent.max_days)
            model.add(sum(minutes) <= agent.max_minutes)
        for day in range(days - 1):
            if day in day_vars and day + 1 in day_vars:
                w0, _s0, e0 = day_vars[day]
                w1, s1, _e1 = day_vars[day + 1]
                model.add(s1 - e0 >= min_rest_minutes - big * (2 - w0 - w1))
    under_terms: list[Any] = []
    under_vars: dict[tuple[int, int], Any] = {}
    for k in range(n_skills):
        for s in range(n_slots):
            need = int(req[k, s])
            if need <= 0:
                continue
            u = model.new_int_var(0, need, f"u_{k}_{s}")
            model.add(sum(cover[k][s]) + u >= need)
            under_vars[(k, s)] = u
            under_terms.append(u)
    # A minute short costs four paid minutes unless said otherwise.
    penalty = 4 * slot_minutes if under_penalty is None else under_penalty
    model.minimize(sum(paid_terms) + penalty * sum(under_terms))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = seed
    # Presolve and probing can eat a short time limit on a big model before any solution
    # exists; keep them light (the LP relaxation and the search do the real work here).
    solver.parameters.max_presolve_iterations = 1
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.symmetry_level = 0
    import os as _os

    solver.parameters.log_search_progress = bool(_os.environ.get("WFM_CPSAT_LOG"))
    began = time.perf_counter()
    status = solver.solve(model)
    wall = time.perf_counter() - began
    name = solver.status_name(status).lower()
    chosen: list[Assignment] = []
    paid = 0
    coverage = np.zeros_like(req)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        for var, asg, minutes_paid in options:
            if solver.value(var):
                chosen.append(asg)
                paid += minutes_paid
        for k in range(n_skills):
            for s in range(n_slots):
                coverage[k, s] = sum(solver.value(v) for v in cover[k][s])
        objective = float(solver.objective_value)
    else:
        objective = float("nan")
    chosen.sort(key=lambda a: (a.agent_id, a.start))
    notes = [] if options else ["no shift option fits the templates and availability"]
    return Schedule(
        status=name,
        assignments=chosen,
        requirement=req,
        coverage=coverage,
        slot_minutes=slot_minutes,
        paid_minutes=paid,
        objective=objective,
        wall_seconds=wall,
        notes=notes,
    )
