"""The sweep at scale and under concurrency: index range scan on next_due; concurrent sweeps claim each row once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection, connections

from atiende.core import clock
from atiende.core.models import OutboxEvent
from atiende.sla.services import SweepResult, sweep
from atiende.sla.services.clock import due_targets
from atiende.sla.tests.factories import make_calendar, make_policy
from atiende.tickets.tests.factories import make_ticket

MONDAY_9 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def test_due_query_uses_the_next_due_index(db: None) -> None:
    sql, params = due_targets(now=MONDAY_9).query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # an empty table: ask whether the index *can* serve it
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())
    assert "sla_target_next_due_idx" in plan, plan
    assert "Seq Scan" not in plan
    if connection.vendor == "sqlite":
        assert "USE TEMP B-TREE" not in plan  # rows come out of the index already in next_due order


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_emit_each_breach_once() -> None:
    with clock.frozen_at(MONDAY_9):
        make_calendar(name="Office", is_default=True)
        make_policy(name="Standard", is_fallback=True)
        tickets = [make_ticket() for _ in range(12)]
    results: list[SweepResult] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def worker() -> None:
        try:
            barrier.wait()
            with clock.frozen_at(MONDAY_9 + timedelta(hours=5)):
                results.append(sweep())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    # 4 business hours → each first response is breached at 13:00 Madrid; resolution not yet
    assert sum(r.breached for r in results) == len(tickets)
    assert sum(r.warned for r in results) == 0
    payloads: list[dict[str, Any]] = list(
        OutboxEvent.objects.filter(type="sla.breached").values_list("payload", flat=True)
    )
    assert sorted(p["ticket_id"] for p in payloads) == sorted(t.pk for t in tickets)
    assert {p["target"] for p in payloads} == {"first_response"}
    with clock.frozen_at(MONDAY_9 + timedelta(hours=6)):
        assert sweep() == SweepResult(warned=0, breached=0)
