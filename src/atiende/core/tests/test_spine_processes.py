"""The event spine across real processes sharing one database (SQLite file or PostgreSQL).

* two workers delivering the same events at the same moment: one effect per event;
* a worker killed with ``kill -9`` in the middle of a batch: after the sweeper runs,
  every event is delivered and every effect exists exactly once.

The children (``spine_worker``) register the same effect subscriber as the parent; the
effect table has no unique constraint, so a duplicated delivery would show as a second row.
Events are emitted with a task backend that runs nothing, as if the queue had accepted
the delivery tasks and the workers under test are the only ones that pick them up.
"""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from atiende.core import clock, events
from atiende.core.events import emit, sweep
from atiende.core.models import EventDelivery, OutboxEvent
from atiende.core.tests import spine_support
from atiende.core.tests.spine_support import WorkEvent

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SUBSCRIBER = "tests.spine.effect"


def emit_work(n: int) -> list[str]:
    with transaction.atomic():
        rows = [emit(WorkEvent(n=i)) for i in range(n)]
    return [str(row.pk) for row in rows if row is not None]


def test_two_workers_one_event_one_delivery(effect_table: None, dummy_tasks: Any, children: Any) -> None:
    ids = emit_work(3)
    # One delivery task for the transaction's three events, enqueued after commit; nobody ran it.
    assert [r.args for r in dummy_tasks.results] == [[ids]]

    # Both workers hold each delivery open for 0.3 s, so they overlap on every event.
    workers = [children("deliver", *ids, "--subscriber", SUBSCRIBER, "--sleep", "0.3") for _ in range(2)]
    for worker in workers:
        worker.expect("ready")
    for worker in workers:
        worker.send("go")
    results = [json.loads(worker.expect("result", timeout=60)) for worker in workers]
    assert [worker.wait() for worker in workers] == [0, 0]

    assert results == [[True, True, True], [True, True, True]]
    effects = Counter(row[0] for row in spine_support.effect_rows())
    assert effects == Counter(ids), f"expected one effect per event, got {effects}"
    assert Counter(EventDelivery.objects.filter(subscriber=SUBSCRIBER).values_list("event_id", flat=True)) == Counter(
        OutboxEvent.objects.values_list("pk", flat=True)
    )
    assert not OutboxEvent.objects.filter(delivered_at__isnull=True).exists()


def test_worker_killed_mid_batch_loses_nothing_and_duplicates_nothing(
    effect_table: None, dummy_tasks: Any, children: Any
) -> None:
    # The worker needs >= 50 ms per event, so it is still busy long after the 8th effect
    # (when it is killed) even on a loaded machine; the parent's sweep has no sleep.
    total = 120
    ids = emit_work(total)

    worker = children("drain", "--subscriber", SUBSCRIBER, "--sleep", "0.05")
    worker.expect("ready")
    deadline = time.monotonic() + 60
    while spine_support.effect_count() < 8:
        assert worker.proc.poll() is None, f"worker exited early:\n{worker.output()}"
        assert time.monotonic() < deadline, f"worker made no progress:\n{worker.output()}"
        time.sleep(0.01)
    worker.signal(signal.SIGKILL)
    assert worker.wait() == -signal.SIGKILL

    done_by_worker = spine_support.effect_count()
    assert 0 < done_by_worker < total, "the worker must die in the middle of the batch"
    undelivered = OutboxEvent.objects.filter(delivered_at__isnull=True).count()
    assert undelivered >= total - done_by_worker

    spine_support.register_effect_subscriber(SUBSCRIBER)
    try:
        assert sweep() == 0  # the sweeper leaves young events to the queue
        later = timezone.now() + timedelta(seconds=settings.ATIENDE_OUTBOX_SWEEP_AFTER + 1)
        with clock.frozen_at(later):
            assert sweep() == undelivered
            assert sweep() == 0
    finally:
        events.unsubscribe(SUBSCRIBER)

    assert not OutboxEvent.objects.filter(delivered_at__isnull=True).exists(), "an event was lost"
    effects = Counter(row[0] for row in spine_support.effect_rows())
    duplicated = {event_id: n for event_id, n in effects.items() if n > 1}
    assert not duplicated, f"effects applied more than once: {duplicated}"
    assert set(effects) == set(ids), "an effect is missing"
    assert EventDelivery.objects.filter(subscriber=SUBSCRIBER).count() == total


def test_sequences_are_unique_and_increasing_across_processes(children: Any) -> None:
    workers = [children("sequence", "--seq", "tests.spine.procs", "--count", "60") for _ in range(2)]
    for worker in workers:
        worker.expect("ready")
    for worker in workers:
        worker.send("go")
    values = [json.loads(worker.expect("result", timeout=60)) for worker in workers]
    assert [worker.wait() for worker in workers] == [0, 0]
    for mine in values:
        assert mine == sorted(mine) and len(set(mine)) == len(mine)
    assert sorted(values[0] + values[1]) == list(range(1, 121))
