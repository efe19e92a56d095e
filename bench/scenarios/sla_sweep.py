"""The SLA sweep at 1,000,000 tickets with SLA rows of which 1,000 are due (PostgreSQL): < 1 s per sweep.

Setup (once; reused by later runs): an inactive "bench sweep" policy and, with two set-based
``INSERT … SELECT`` statements, one ``AppliedSla`` per ticket (up to ``TARGET`` tickets of the
bench-data table) and two ``SlaTarget`` rows each (first response, resolution), all with their
next warning days ahead. The table's ticket statuses do not matter to the sweep: it reads only
``sla_slatarget.next_due``.

Each round makes ``DUE`` random targets due (half past their warning, half past their deadline),
then times one ``atiende.sla.services.sweep`` in-process: the index range scan, the two conditional
``UPDATE … RETURNING`` claims, the 1,000 ``sla.warning`` / ``sla.breached`` outbox rows and the
applied-SLA update. Delivery tasks are switched off (dummy backend) and the outbox rows deleted
after each round. The plan of the due query is checked for a sequential scan of ``sla_slatarget``.
"""

from __future__ import annotations

import random
import re
import time
from datetime import datetime, timedelta

from support import Context, Result, percentile

NAME = "sla_sweep"
DESCRIPTION = "SLA sweep with 1,000,000 tickets under SLA of which 1,000 are due: < 1 s per sweep"
TARGET = {"postgresql": 1_000_000, "sqlite": 20_000}
DUE = 1000
ROUNDS = 5
GOAL_MS = "< 1000"
POLICY = "bench sweep"


def ensure_rows(ctx: Context) -> tuple[int, int]:
    from django.db import connection, transaction

    from atiende.core import clock
    from atiende.sla.models import AppliedSla, Policy, SlaTarget

    target = ctx.tickets or TARGET.get(ctx.database, TARGET["sqlite"])
    now = clock.now()
    policy, _created = Policy.objects.get_or_create(
        name=POLICY,
        defaults={
            "is_active": False,
            "targets": {"normal": {"first_response": 14400, "resolution": 57600}},
            "pause_statuses": ["pending", "on_hold"],
            "created_at": now,
            "updated_at": now,
        },
    )
    have = AppliedSla.objects.filter(policy=policy).count()
    if have < target:
        print(f"  {NAME}: {have:,} SLA rows, filling {target:,} tickets with INSERT … SELECT …", flush=True)
        started = time.perf_counter()
        at = connection.ops.adapt_datetimefield_value(now)
        later = connection.ops.adapt_datetimefield_value(now + timedelta(days=30))
        applied = AppliedSla._meta.db_table
        targets = SlaTarget._meta.db_table
        with transaction.atomic():
            AppliedSla.objects.filter(policy=policy).delete()
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {applied} (ticket_id, policy_id, state, next_deadline, breached, computed_at) "  # noqa: S608
                    f"SELECT t.id, %s, 'active', %s, FALSE, %s FROM tickets_ticket t "
                    f"WHERE NOT EXISTS (SELECT 1 FROM {applied} a WHERE a.ticket_id = t.id) "
                    f"ORDER BY t.id LIMIT %s",
                    [policy.pk, later, at, target],
                )
                cursor.execute(
                    f"INSERT INTO {targets} (applied_id, ticket_id, policy_id, target, goal_seconds, cycle_start, "  # noqa: S608
                    f"deadline, warning_at, met_at, state, remaining_seconds, next_due, warned_at, breached_at, "
                    f"computed_at) "
                    f"SELECT a.id, a.ticket_id, a.policy_id, k.target, k.goal, %s, %s, %s, NULL, 'active', k.goal, "
                    f"%s, NULL, NULL, %s FROM {applied} a "
                    f"CROSS JOIN (SELECT 'first_response' AS target, 14400 AS goal "
                    f"UNION ALL SELECT 'resolution', 57600) k WHERE a.policy_id = %s",
                    [at, later, later, later, at, policy.pk],
                )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {applied}")
                cursor.execute(f"ANALYZE {targets}")
        print(f"  {NAME}: filled in {time.perf_counter() - started:,.0f} s", flush=True)
    return AppliedSla.objects.filter(policy=policy).count(), SlaTarget.objects.filter(policy=policy).count()


def make_due(now: datetime, rng: random.Random) -> list[int]:
    """Make DUE random targets of the bench policy due: half warnings, half breaches."""
    from django.db import connection
    from django.db.models import Max, Min

    from atiende.sla.models import Policy, SlaTarget

    policy = Policy.objects.get(name=POLICY)
    bounds = SlaTarget.objects.filter(policy=policy).aggregate(lo=Min("id"), hi=Max("id"))
    ids = rng.sample(range(bounds["lo"], bounds["hi"] + 1), DUE)
    table = SlaTarget._meta.db_table
    ops = connection.ops
    past = ops.adapt_datetimefield_value(now - timedelta(minutes=1))
    soon = ops.adapt_datetimefield_value(now + timedelta(hours=1))
    half = len(ids) // 2
    with connection.cursor() as cursor:
        placeholders = ",".join(["%s"] * half)
        # warnings due: warning passed, deadline ahead
        cursor.execute(
            f"UPDATE {table} SET warning_at = %s, deadline = %s, next_due = %s, warned_at = NULL, "  # noqa: S608
            f"breached_at = NULL, met_at = NULL, state = 'active' WHERE id IN ({placeholders})",
            [past, soon, past, *ids[:half]],
        )
        placeholders = ",".join(["%s"] * (len(ids) - half))
        # breaches due: deadline passed
        cursor.execute(
            f"UPDATE {table} SET warning_at = %s, deadline = %s, next_due = %s, warned_at = NULL, "  # noqa: S608
            f"breached_at = NULL, met_at = NULL, state = 'active' WHERE id IN ({placeholders})",
            [past, past, past, *ids[half:]],
        )
    return ids


def due_plan() -> tuple[str, bool]:
    from django.db import connection

    from atiende.core import clock
    from atiende.sla.models import SlaTarget

    table = SlaTarget._meta.db_table
    at = connection.ops.adapt_datetimefield_value(clock.now())
    sql = f"SELECT id FROM {table} WHERE next_due IS NOT NULL AND next_due <= %s ORDER BY next_due LIMIT 5000"  # noqa: S608
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", [at])
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", [at])
        plan = "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())
    if connection.vendor == "postgresql":
        seq = bool(re.search(rf"Seq Scan on {table}\b", plan))
    else:
        seq = f"SCAN {table}" in plan and "USING INDEX" not in plan
    return plan, seq


def run(ctx: Context) -> list[Result]:
    from django.test import override_settings

    from atiende.core import clock
    from atiende.core.models import OutboxEvent
    from atiende.sla.services import sweep

    db = ctx.database
    applied, targets = ensure_rows(ctx)
    rng = random.Random(5)
    times: list[float] = []
    handled: list[int] = []
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}):
        for _ in range(ROUNDS):
            now = clock.now()
            make_due(now, rng)
            started = time.perf_counter()
            result = sweep(now=now)
            times.append((time.perf_counter() - started) * 1000)
            handled.append(result.warned + result.breached)
            OutboxEvent.objects.filter(type__in=["sla.warning", "sla.breached"], created_at__gte=now).delete()
    plan, seq = due_plan()
    (ctx.results_dir / f"{NAME}.explain.txt").write_text(plan + "\n")
    print(f"  {NAME}: sweeps of {handled} due targets took {[round(t) for t in times]} ms; seq scan: {seq}")
    return [
        Result("tickets_under_sla", float(applied), "tickets", None, db, applied),
        Result("sla_target_rows", float(targets), "rows", None, db, targets),
        Result("due_per_sweep", float(min(handled)), "targets", f">= {DUE}", db, ROUNDS),
        Result("sweep.p50", round(percentile(times, 50), 1), "ms", GOAL_MS, db, ROUNDS),
        Result("sweep.max", round(max(times), 1), "ms", GOAL_MS, db, ROUNDS),
        Result("due_query.seq_scan", float(seq), "bool", "== 0", db, 1),
    ]
