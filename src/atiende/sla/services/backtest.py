"""SLA backtest: what a candidate policy or calendar would have scored on past tickets.

For the tickets created in a period, each is replayed (creation, status history from ticket
history rows, first response, solve) under the policy that applies to it today and under the
candidate, and compliance per target is counted side by side. Read-only: nothing is written.
First response and resolution are replayed; next response and periodic update need the
conversation's timing per cycle and are not part of a backtest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from atiende.accounts.models import User
from atiende.core import clock
from atiende.core.calendars import BusinessCalendar
from atiende.sla import engine, selectors
from atiende.sla.calendars import build as build_calendar
from atiende.sla.choices import TargetKind, TargetState
from atiende.sla.models import Calendar, Policy
from atiende.sla.services.configuration import validate_conditions, validate_pause_statuses, validate_targets
from atiende.tickets.models import Ticket

BACKTEST_LIMIT = 5000
REPLAYED = (TargetKind.FIRST_RESPONSE, TargetKind.RESOLUTION)


@dataclass
class Tally:
    total: int = 0
    met: int = 0
    breached: int = 0
    open: int = 0

    @property
    def compliance(self) -> float | None:
        decided = self.met + self.breached
        return round(100.0 * self.met / decided, 2) if decided else None

    def add(self, state: str) -> None:
        self.total += 1
        if state == TargetState.MET:
            self.met += 1
        elif state == TargetState.BREACHED:
            self.breached += 1
        else:
            self.open += 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "met": self.met,
            "breached": self.breached,
            "open": self.open,
            "compliance_percent": self.compliance,
        }


@dataclass
class BacktestResult:
    since: datetime
    until: datetime
    tickets: int
    truncated: bool
    current: dict[str, Tally] = field(default_factory=dict)
    candidate: dict[str, Tally] = field(default_factory=dict)
    changed: int = 0  # tickets whose outcome on some target differs

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "until": self.until,
            "tickets": self.tickets,
            "truncated": self.truncated,
            "changed_tickets": self.changed,
            "targets": {
                target: {
                    "current": self.current.get(target, Tally()).to_dict(),
                    "candidate": self.candidate.get(target, Tally()).to_dict(),
                }
                for target in REPLAYED
            },
        }


def backtest(
    *,
    since: datetime,
    until: datetime,
    candidate: engine.PolicySpec,
    candidate_calendar: BusinessCalendar | None = None,
    conditions: Mapping[str, Any] | None = None,
    limit: int = BACKTEST_LIMIT,
) -> BacktestResult:
    """Compare the current policies with ``candidate`` on tickets created in ``[since, until)``.

    ``conditions`` (the candidate policy's) narrows the tickets; ``candidate_calendar`` defaults to
    the calendar each ticket's current policy uses.
    """
    now = clock.now()
    tickets = list(
        Ticket.objects.filter(created_at__gte=since, created_at__lt=until, merged_into__isnull=True)
        .prefetch_related("tags")
        .order_by("-created_at", "-id")[: limit + 1]
    )
    truncated = len(tickets) > limit
    tickets = tickets[:limit]
    policies = selectors.active_policies()
    calendars: dict[int, BusinessCalendar] = {}
    result = BacktestResult(since=since, until=until, tickets=0, truncated=truncated)
    selected: list[tuple[Ticket, Policy | None]] = []
    for ticket in tickets:
        attrs = selectors.ticket_attrs(ticket, [t.name for t in ticket.tags.all()])
        if conditions and not selectors.matches(conditions, attrs):
            continue
        selected.append((ticket, selectors.choose_policy(policies, attrs)))
    facts = selectors.facts_for([t for t, _p in selected])
    for ticket, policy in selected:
        result.tickets += 1
        ticket_facts = facts[ticket.pk]
        outcome_now: dict[str, str] = {}
        calendar = candidate_calendar
        if policy is not None:
            if policy.pk not in calendars:
                calendars[policy.pk] = selectors.calendar_of(policy)
            current_calendar = calendars[policy.pk]
            calendar = calendar or current_calendar
            for res in engine.compute(ticket_facts, selectors.policy_spec(policy), current_calendar, now):
                if res.target in REPLAYED:
                    result.current.setdefault(res.target, Tally()).add(res.state)
                    outcome_now[res.target] = res.state
        if calendar is None:
            if -1 not in calendars:
                calendars[-1] = selectors.default_calendar()
            calendar = calendars[-1]
        outcome_new: dict[str, str] = {}
        for res in engine.compute(ticket_facts, candidate, calendar, now):
            if res.target in REPLAYED:
                result.candidate.setdefault(res.target, Tally()).add(res.state)
                outcome_new[res.target] = res.state
        if outcome_now != outcome_new:
            result.changed += 1
    return result


def run_backtest(
    *,
    actor: User | None,
    since: datetime,
    until: datetime,
    policy: Policy | None = None,
    targets: Mapping[str, Any] | None = None,
    conditions: Mapping[str, Any] | None = None,
    pause_statuses: list[str] | None = None,
    warning_percent: int | None = None,
    calendar: Calendar | None = None,
) -> BacktestResult:
    """Validate a candidate (a saved policy, optionally overridden field by field) and backtest it."""
    if actor is not None and not actor.is_manager:
        raise PermissionDenied(_("Only administrators and supervisors can run SLA backtests."))
    if until <= since:
        raise ValidationError({"until": _("Must be after since.")})
    if policy is None and not targets:
        raise ValidationError({"targets": _("Give a policy or targets.")})
    spec = engine.PolicySpec(
        targets=validate_targets(targets) if targets else (policy.targets if policy else {}),
        pause_statuses=frozenset(
            validate_pause_statuses(pause_statuses)
            if pause_statuses is not None
            else (policy.pause_statuses if policy else ["pending", "on_hold"])
        ),
        warning_percent=warning_percent or (policy.warning_percent if policy else 80),
    )
    if conditions is not None:
        conditions = validate_conditions(conditions)
    elif policy is not None and not policy.is_fallback:
        conditions = policy.conditions
    if calendar is None and policy is not None and policy.calendar_id is not None:
        calendar = policy.calendar
    return backtest(
        since=since,
        until=until,
        candidate=spec,
        candidate_calendar=build_calendar(calendar) if calendar is not None else None,
        conditions=conditions,
    )
