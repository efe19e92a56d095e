"""The SLA clock as a pure function: ticket facts + policy + calendar → each target's deadline and state.

Used by the live recomputation (:mod:`atiende.sla.services`), by "explain this deadline" and by
backtests, so the three can never disagree. No database access here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from atiende.core.calendars import BusinessCalendar, Explanation, Pause
from atiende.sla.choices import TargetKind, TargetState

DONE_STATUSES = frozenset({"solved", "closed"})


@dataclass(frozen=True)
class TicketFacts:
    """What the SLA clock needs to know about a ticket, as of ``now``."""

    created_at: datetime
    priority: str  # "low" | "normal" | "high" | "urgent"
    status_timeline: Sequence[tuple[datetime, str]]  # (since, status), first entry at created_at
    first_response_at: datetime | None = None
    waiting_since: datetime | None = None  # the customer waits for a reply since
    last_agent_reply_at: datetime | None = None

    @property
    def status(self) -> str:
        return self.status_timeline[-1][1]

    def pauses(self, statuses: frozenset[str]) -> list[Pause]:
        out: list[Pause] = []
        for index, (since, status) in enumerate(self.status_timeline):
            if status not in statuses:
                continue
            until = self.status_timeline[index + 1][0] if index + 1 < len(self.status_timeline) else None
            out.append((since, until))
        return out

    def done_at(self) -> datetime | None:
        """When the ticket was (last) solved or closed, if it is now."""
        if self.status not in DONE_STATUSES:
            return None
        since = self.status_timeline[-1][0]
        for at, status in reversed(self.status_timeline):
            if status not in DONE_STATUSES:
                break
            since = at
        return since


@dataclass(frozen=True)
class PolicySpec:
    """The parts of a policy the clock uses (a saved :class:`~atiende.sla.models.Policy` or a candidate)."""

    targets: Mapping[str, Mapping[str, int]]  # priority name -> target kind -> business seconds
    pause_statuses: frozenset[str] = frozenset({"pending", "on_hold"})
    warning_percent: int = 80


@dataclass(frozen=True)
class TargetResult:
    target: str
    goal_seconds: int
    cycle_start: datetime
    deadline: datetime | None
    warning_at: datetime | None
    met_at: datetime | None
    state: str
    remaining_seconds: float | None
    pauses: list[Pause] = field(default_factory=list)

    def explain(self, calendar: BusinessCalendar) -> Explanation:
        return calendar.explain(self.cycle_start, self.goal_seconds, pauses=self.pauses)


def _clip(pauses: list[Pause], until: datetime | None) -> list[Pause]:
    if until is None:
        return pauses
    out: list[Pause] = []
    for start, end in pauses:
        if start >= until:
            continue
        out.append((start, until if end is None or end > until else end))
    return out


def _result(
    *,
    target: str,
    goal: int,
    start: datetime,
    met_at: datetime | None,
    pauses: list[Pause],
    policy: PolicySpec,
    calendar: BusinessCalendar,
    now: datetime,
) -> TargetResult:
    pauses = _clip(pauses, met_at)
    deadline = calendar.deadline(start, goal, pauses)
    warning_at = calendar.deadline(start, goal * policy.warning_percent / 100, pauses)
    remaining: float | None = None
    if met_at is not None:
        state = TargetState.MET if deadline is not None and met_at <= deadline else TargetState.BREACHED
    else:
        remaining = goal - calendar.business_seconds_between(start, max(start, now), pauses=pauses)
        if deadline is not None and deadline <= now:
            state = TargetState.BREACHED
        elif any(p_start <= now and (p_end is None or now < p_end) for p_start, p_end in pauses):
            state = TargetState.PAUSED
        else:
            state = TargetState.ACTIVE
    return TargetResult(
        target=target,
        goal_seconds=goal,
        cycle_start=start,
        deadline=deadline,
        warning_at=warning_at,
        met_at=met_at,
        state=str(state),
        remaining_seconds=remaining,
        pauses=pauses,
    )


def compute(
    facts: TicketFacts,
    policy: PolicySpec,
    calendar: BusinessCalendar,
    now: datetime,
    *,
    previous_cycles: Mapping[str, datetime] | None = None,
) -> list[TargetResult]:
    """Each target of ``policy`` for the ticket's priority, in its current cycle.

    * first response: from creation until the first public agent reply;
    * next response: from the customer's message that started the current wait until the agent's
      reply (only after the first response; ``previous_cycles`` closes a cycle the reply ended);
    * resolution: from creation until solved (solved/closed time does not count, a reopen resumes it);
    * periodic update: from the last public agent reply (or creation) until the next one, while unsolved.

    Statuses in ``policy.pause_statuses`` stop every clock.
    """
    goals = policy.targets.get(facts.priority, {})
    pauses = facts.pauses(policy.pause_statuses)
    previous_cycles = previous_cycles or {}
    results: list[TargetResult] = []
    if goal := goals.get(TargetKind.FIRST_RESPONSE):
        results.append(
            _result(
                target=TargetKind.FIRST_RESPONSE,
                goal=goal,
                start=facts.created_at,
                met_at=facts.first_response_at,
                pauses=pauses,
                policy=policy,
                calendar=calendar,
                now=now,
            )
        )
    if (goal := goals.get(TargetKind.NEXT_RESPONSE)) and facts.first_response_at is not None:
        if facts.waiting_since is not None and facts.waiting_since >= facts.first_response_at:
            results.append(
                _result(
                    target=TargetKind.NEXT_RESPONSE,
                    goal=goal,
                    start=facts.waiting_since,
                    met_at=None,
                    pauses=pauses,
                    policy=policy,
                    calendar=calendar,
                    now=now,
                )
            )
        elif (
            (started := previous_cycles.get(TargetKind.NEXT_RESPONSE)) is not None
            and facts.last_agent_reply_at is not None
            and facts.last_agent_reply_at >= started
        ):
            results.append(
                _result(
                    target=TargetKind.NEXT_RESPONSE,
                    goal=goal,
                    start=started,
                    met_at=facts.last_agent_reply_at,
                    pauses=pauses,
                    policy=policy,
                    calendar=calendar,
                    now=now,
                )
            )
    if goal := goals.get(TargetKind.RESOLUTION):
        results.append(
            _result(
                target=TargetKind.RESOLUTION,
                goal=goal,
                start=facts.created_at,
                met_at=facts.done_at(),
                pauses=facts.pauses(policy.pause_statuses | DONE_STATUSES),
                policy=policy,
                calendar=calendar,
                now=now,
            )
        )
    if (goal := goals.get(TargetKind.PERIODIC_UPDATE)) and facts.status not in DONE_STATUSES:
        start = facts.last_agent_reply_at or facts.created_at
        results.append(
            _result(
                target=TargetKind.PERIODIC_UPDATE,
                goal=goal,
                start=start,
                met_at=None,
                pauses=pauses,
                policy=policy,
                calendar=calendar,
                now=now,
            )
        )
    return results
