"""deferred_inserts: a batch's outbox events and audit rows are inserted once, at its end,
and only those whose savepoints survived."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from atiende.core import clock
from atiende.core.deferred import _Marker, defer, deferred_inserts
from atiende.core.events import emit, emit_many
from atiende.core.models import OutboxEvent
from atiende.core.tests.spine_support import PingEvent


class Boom(Exception):
    pass


def _inserts(capture: CaptureQueriesContext, table: str) -> int:
    # An executemany is logged once, as "N times: INSERT …".
    return sum(
        q["sql"].split(": ", 1)[-1].startswith("INSERT") and f'"{table}"' in q["sql"] for q in capture.captured_queries
    )


def _texts() -> list[str]:
    return [row.payload["text"] for row in OutboxEvent.objects.order_by("created_at", "payload")]


@pytest.mark.django_db
def test_rows_are_inserted_once_per_model_when_the_block_ends(dummy_tasks: Any) -> None:
    obj = OutboxEvent.objects.create(type="x", created_at=clock.now())  # a subject for emit_many
    before = OutboxEvent.objects.count()
    with CaptureQueriesContext(connection) as capture:
        with deferred_inserts():
            for n in range(5):
                emit(PingEvent(text=f"e{n}"))
            emit_many([(PingEvent(text="many-1"), obj), (PingEvent(text="many-2"), None)])
            # Nothing written yet: they wait for the end of the block.
            assert OutboxEvent.objects.count() == before
    assert _inserts(capture, "core_outboxevent") == 1
    assert OutboxEvent.objects.count() == before + 7  # 5 + 2


@pytest.mark.django_db
def test_rows_of_a_rolled_back_savepoint_are_dropped_and_the_rest_kept(dummy_tasks: Any) -> None:
    with deferred_inserts():
        emit(PingEvent(text="kept-before"))
        with pytest.raises(Boom), transaction.atomic():
            emit(PingEvent(text="dropped"))
            with transaction.atomic():
                emit(PingEvent(text="dropped-inner"))
            raise Boom
        with transaction.atomic():
            emit(PingEvent(text="kept-released"))
            with pytest.raises(Boom), transaction.atomic():
                emit(PingEvent(text="dropped-nested"))
                raise Boom
        emit(PingEvent(text="kept-after"))
    assert sorted(_texts()) == ["kept-after", "kept-before", "kept-released"]


@pytest.mark.django_db
def test_a_block_that_raises_inserts_nothing(dummy_tasks: Any) -> None:
    with pytest.raises(Boom), deferred_inserts():
        emit(PingEvent(text="never"))
        raise Boom
    assert not OutboxEvent.objects.exists()
    # The next block starts clean.
    with deferred_inserts():
        emit(PingEvent(text="next"))
    assert _texts() == ["next"]


@pytest.mark.django_db
def test_outside_a_block_rows_are_inserted_at_once(dummy_tasks: Any) -> None:
    row = OutboxEvent(type="x")
    assert defer(row) is False
    event = emit(PingEvent(text="now"))
    assert event is not None and OutboxEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_a_nested_block_leaves_its_rows_to_the_outer_one(dummy_tasks: Any) -> None:
    with deferred_inserts():
        with deferred_inserts():
            emit(PingEvent(text="inner"))
        assert not OutboxEvent.objects.exists()
        emit(PingEvent(text="outer"))
    assert sorted(_texts()) == ["inner", "outer"]


@pytest.mark.django_db
def test_markers_leave_with_the_block_and_deliveries_are_still_scheduled(
    django_capture_on_commit_callbacks: Any, dummy_tasks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            with deferred_inserts():
                emit(PingEvent(text="a"))
                emit(PingEvent(text="b"))
            assert not any(isinstance(entry[1], _Marker) for entry in connection.run_on_commit)
    # One delivery callback for the transaction's events, and no marker.
    assert len(callbacks) == 1 and not isinstance(callbacks[0], _Marker)


@pytest.mark.django_db(transaction=True)
def test_foreign_keys_to_deferred_rows_hold_at_commit(dummy_tasks: Any) -> None:
    with deferred_inserts():
        cause = emit(PingEvent(text="cause"))
        assert cause is not None
        # A row inserted now that points at the event still waiting in the queue.
        OutboxEvent.objects.create(type="effect", payload={"text": "effect"}, cause=cause, created_at=cause.created_at)
    effect = OutboxEvent.objects.get(type="effect")
    assert effect.cause_id == cause.pk and OutboxEvent.objects.filter(pk=cause.pk).exists()
