"""The live SLA clock: recompute a ticket's targets on its events; sweep what has come due.

* :func:`recompute_ticket` rebuilds a ticket's targets from its facts (status history, replies)
  with :mod:`atiende.sla.engine`; it emits nothing and keeps ``warned_at``/``breached_at`` of the
  current cycle, so a warning or breach is never sent twice for one cycle.
* :func:`sweep` reads only targets whose ``next_due`` has come (an index range scan) and claims
  each warning/breach with a conditional ``UPDATE … RETURNING``: under concurrent sweeps a row is
  claimed by exactly one of them, and only the claimer emits the event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime

from atiende.core import clock
from atiende.core import events as core_events
from atiende.core.events import Event
from atiende.sla import engine, selectors
from atiende.sla.choices import TargetState
from atiende.sla.events import SlaBreached, SlaWarning
from atiende.sla.models import AppliedSla, SlaTarget
from atiende.tickets.models import Ticket

SWEEP_BATCH = 5000


def next_due(
    *,
    deadline: datetime | None,
    warning_at: datetime | None,
    met_at: datetime | None,
    warned_at: datetime | None,
    breached_at: datetime | None,
) -> datetime | None:
    """The next instant the sweep has work on a target, or None."""
    due: list[datetime] = []
    if met_at is None and warned_at is None and warning_at is not None:
        due.append(warning_at)
    if deadline is not None and breached_at is None and (met_at is None or met_at > deadline):
        due.append(deadline)
    return min(due) if due else None


def _overall(results: list[engine.TargetResult]) -> str:
    states = {r.state for r in results}
    for state in (TargetState.BREACHED, TargetState.ACTIVE, TargetState.PAUSED, TargetState.MET):
        if state in states:
            return str(state)
    return str(TargetState.MET)


@transaction.atomic
def recompute_ticket(*, ticket_id: int, now: datetime | None = None) -> AppliedSla | None:
    """Choose the ticket's policy and (re)compute each target; None when no policy applies."""
    now = now or clock.now()
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        return None
    existing = AppliedSla.objects.select_for_update().filter(ticket_id=ticket_id).first()
    tags = list(ticket.tags.values_list("name", flat=True))
    policy = selectors.choose_policy(selectors.active_policies(), selectors.ticket_attrs(ticket, tags))
    if policy is None:
        if existing is not None:
            existing.delete()
        return None
    calendar = selectors.calendar_of(policy)
    rows = {row.target: row for row in SlaTarget.objects.filter(applied=existing)} if existing else {}
    previous = {target: row.cycle_start for target, row in rows.items() if row.policy_id == policy.pk}
    results = engine.compute(
        selectors.ticket_facts(ticket), selectors.policy_spec(policy), calendar, now, previous_cycles=previous
    )
    open_deadlines = [r.deadline for r in results if r.met_at is None and r.deadline is not None]
    applied_fields = {
        "policy": policy,
        "state": _overall(results),
        "next_deadline": min(open_deadlines) if open_deadlines else None,
        "breached": any(r.state == TargetState.BREACHED for r in results),
        "computed_at": now,
    }
    if existing is None:
        applied = AppliedSla.objects.create(ticket=ticket, **applied_fields)
    else:
        applied = existing
        for key, value in applied_fields.items():
            setattr(applied, key, value)
        applied.save()

    to_create: list[SlaTarget] = []
    to_update: list[SlaTarget] = []
    for result in results:
        row = rows.pop(result.target, None)
        if row is None:
            row = SlaTarget(applied=applied, ticket_id=ticket.pk, target=result.target)
            to_create.append(row)
        else:
            to_update.append(row)
        if row.pk is None or row.cycle_start != result.cycle_start or row.policy_id != policy.pk:
            row.warned_at = None  # a new cycle (or policy): its warning and breach are still to send
            row.breached_at = None
        row.policy_id = policy.pk
        row.goal_seconds = result.goal_seconds
        row.cycle_start = result.cycle_start
        row.deadline = result.deadline
        row.warning_at = result.warning_at
        row.met_at = result.met_at
        row.state = result.state
        row.remaining_seconds = result.remaining_seconds
        row.computed_at = now
        row.next_due = next_due(
            deadline=row.deadline,
            warning_at=row.warning_at,
            met_at=row.met_at,
            warned_at=row.warned_at,
            breached_at=row.breached_at,
        )
    if rows:
        SlaTarget.objects.filter(pk__in=[row.pk for row in rows.values()]).delete()
    SlaTarget.objects.bulk_create(to_create)
    if to_update:
        SlaTarget.objects.bulk_update(
            to_update,
            [
                "policy_id",
                "goal_seconds",
                "cycle_start",
                "deadline",
                "warning_at",
                "met_at",
                "state",
                "remaining_seconds",
                "computed_at",
                "next_due",
                "warned_at",
                "breached_at",
            ],
        )
    return applied


@dataclass(frozen=True)
class SweepResult:
    warned: int
    breached: int


Claimed = tuple[int, int, str, int, datetime | None]  # id, ticket, target, policy, deadline
RETURNING = "RETURNING id, ticket_id, target, policy_id, deadline"


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        parsed = value
    else:  # SQLite returns text
        parsed = parse_datetime(str(value))
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _claim(sql: str, params: list[Any]) -> list[Claimed]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(row[0], row[1], row[2], row[3], _as_datetime(row[4])) for row in cursor.fetchall()]


def _emit_all(items: list[tuple[Event, int]]) -> None:
    """Write the sweep's events to the outbox in one INSERT (1,000 single-row INSERTs cost
    seconds on a busy database); the subjects are tickets known by id, not loaded."""
    core_events.emit_many([(event, Ticket(pk=ticket_id)) for event, ticket_id in items])


def due_targets(*, now: datetime, limit: int = SWEEP_BATCH) -> QuerySet[SlaTarget, int]:
    """Ids of the targets with work due at ``now``: a range scan of the partial ``next_due`` index."""
    return (
        SlaTarget.objects.filter(next_due__isnull=False, next_due__lte=now)
        .order_by("next_due")
        .values_list("pk", flat=True)[:limit]
    )


def sweep(*, now: datetime | None = None, limit: int = SWEEP_BATCH) -> SweepResult:
    """Emit ``sla.breached`` / ``sla.warning`` for the targets that have come due, once each.

    Reads the due rows through the ``next_due`` index, then claims them with conditional
    ``UPDATE … RETURNING`` statements; a row another sweep claimed first no longer matches.
    A breach found before its warning went out replaces the warning.
    """
    now = now or clock.now()
    table = SlaTarget._meta.db_table
    at = connection.ops.adapt_datetimefield_value(now)
    with transaction.atomic():
        due = list(due_targets(now=now, limit=limit))
        if not due:
            return SweepResult(warned=0, breached=0)
        ids = ", ".join(["%s"] * len(due))
        breached = _claim(
            f"UPDATE {table} SET breached_at = %s, warned_at = COALESCE(warned_at, %s), next_due = NULL, "  # noqa: S608
            f"state = CASE WHEN met_at IS NULL THEN 'breached' ELSE state END "
            f"WHERE id IN ({ids}) AND next_due <= %s AND breached_at IS NULL "
            f"AND deadline IS NOT NULL AND deadline <= %s "
            f"{RETURNING}",
            [at, at, *due, at, at],
        )
        warned = _claim(
            f"UPDATE {table} SET warned_at = %s, "  # noqa: S608
            f"next_due = CASE WHEN breached_at IS NULL THEN deadline ELSE NULL END "
            f"WHERE id IN ({ids}) AND next_due <= %s AND warned_at IS NULL AND met_at IS NULL "
            f"AND warning_at IS NOT NULL AND warning_at <= %s "
            f"{RETURNING}",
            [at, *due, at, at],
        )
        items: list[tuple[Event, int]] = []
        for claimed, event_class in ((breached, SlaBreached), (warned, SlaWarning)):
            for _pk, ticket_id, target, policy_id, deadline in claimed:
                event = event_class(
                    ticket_id=ticket_id,
                    target=target,
                    policy_id=policy_id,
                    deadline=deadline.isoformat() if deadline else "",
                )
                items.append((event, ticket_id))
        if not items:
            return SweepResult(warned=0, breached=0)
        _emit_all(items)
        if breached:
            AppliedSla.objects.filter(ticket_id__in={row[1] for row in breached}).update(
                breached=True, state=TargetState.BREACHED
            )
    return SweepResult(warned=len(warned), breached=len(breached))
