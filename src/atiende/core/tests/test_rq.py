"""Event delivery through the real RQ backend (Redis) and what happens when Redis is down.

Every test uses its own RQ queue name, so parallel test sessions sharing one Redis do
not pick up each other's jobs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus, task_backends

from atiende.core import clock
from atiende.core.events import emit, sweep
from atiende.core.models import EventDelivery, OutboxEvent
from atiende.core.tasks import deliver_event
from atiende.core.tests import spine_support
from atiende.core.tests.spine_support import PING_TYPE, PingEvent

needs_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis: set REDIS_URL")
pytestmark = [pytest.mark.redis]


def rq_settings(queue: str, url: str) -> dict[str, Any]:
    return {
        "TASKS": {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [queue, "default"]}},
        "RQ_QUEUES": {"default": {"URL": url}, queue: {"URL": url, "DEFAULT_TIMEOUT": 60}},
    }


@pytest.fixture
def rq_queue() -> Iterator[str]:
    """A private queue on the real Redis, emptied and deleted afterwards."""
    import django_rq

    name = f"atiende-test-{uuid.uuid4().hex[:10]}"
    with override_settings(**rq_settings(name, settings.REDIS_URL)):
        queue = django_rq.get_queue(name)
        queue.empty()
        try:
            yield name
        finally:
            queue.empty()
            queue.delete(delete_jobs=True)
            leftovers = list(queue.connection.scan_iter(match=f"rq:*{name}*"))
            if leftovers:
                queue.connection.delete(*leftovers)


@needs_redis
@pytest.mark.django_db
def test_deliver_event_runs_through_rq_and_a_burst_worker(rq_queue: str, subscriber: Any) -> None:
    import django_rq
    from django_tasks_rq import Job

    calls: list[str] = []
    subscriber(PING_TYPE, handler=lambda event: calls.append(str(event.pk)))
    row = emit(PingEvent(text="via redis"))
    assert row is not None

    result = deliver_event.using(queue_name=rq_queue).enqueue(str(row.pk))
    assert django_rq.get_queue(rq_queue).count == 1
    assert calls == []  # queued in Redis, not run

    # A real RQ worker (in this process, so it sees this test's transaction).
    worker = django_rq.get_worker(rq_queue, job_class=Job, worker_class="rq.SimpleWorker")
    assert worker.work(burst=True) is True

    assert calls == [str(row.pk)]
    row.refresh_from_db()
    assert row.delivered_at is not None
    assert django_rq.get_queue(rq_queue).count == 0
    done = task_backends["default"].get_result(result.id)
    assert done.status == TaskResultStatus.SUCCESSFUL
    assert done.return_value is True


@needs_redis
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_forking_rq_worker_process_delivers_committed_events(rq_queue: str, effect_table: None, children: Any) -> None:
    """``manage.py rqworker --burst`` in another process: fork, fresh DB connection, effect once."""
    # Commit with a backend that runs nothing (the on_commit enqueue would otherwise go
    # to the shared "default" queue); the jobs below go to the private queue.
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}):
        with transaction.atomic():
            rows = [emit(PingEvent(text=f"forked {i}")) for i in range(3)]
    ids = [str(row.pk) for row in rows if row is not None]
    results = [deliver_event.using(queue_name=rq_queue).enqueue(event_id) for event_id in ids]
    results.append(deliver_event.using(queue_name=rq_queue).enqueue(ids[0]))  # a duplicate job

    worker = children("rqworker", "--queue", rq_queue, "--subscriber", "tests.spine.rq")
    worker.expect("done", timeout=60)
    assert worker.wait() == 0

    assert sorted(row[0] for row in spine_support.effect_rows()) == sorted(ids)  # the duplicate job: no effect
    assert not OutboxEvent.objects.filter(pk__in=ids, delivered_at__isnull=True).exists()
    assert EventDelivery.objects.filter(subscriber="tests.spine.rq").count() == 3
    backend = task_backends["default"]
    assert [backend.get_result(r.id).status for r in results] == [TaskResultStatus.SUCCESSFUL] * 4


@pytest.mark.django_db(transaction=True)
def test_events_committed_while_redis_is_down_are_delivered_by_the_sweeper(
    subscriber: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """The change commits (the outbox row with it); the failed enqueue is logged, not raised."""
    calls: list[str] = []
    subscriber(PING_TYPE, handler=lambda event: calls.append(str(event.pk)))
    down = rq_settings("default", "redis://127.0.0.1:1/0")  # nothing listens on port 1
    with override_settings(**down):
        with transaction.atomic():
            row = emit(PingEvent(text="while redis is down"))
            assert row is not None
        assert "could not enqueue delivery" in caplog.text

    row.refresh_from_db()
    assert row.delivered_at is None
    assert calls == []

    with clock.frozen_at(timezone.now() + timedelta(seconds=settings.ATIENDE_OUTBOX_SWEEP_AFTER + 1)):
        assert sweep() == 1
    assert calls == [str(row.pk)]
    row.refresh_from_db()
    assert row.delivered_at is not None
