"""The event spine in one process: outbox atomicity, idempotent delivery, retries, cause/depth."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings

from atiende.core import clock, events
from atiende.core.events import MAX_DEPTH, deliver, emit, sweep
from atiende.core.models import EventDelivery, OutboxEvent
from atiende.core.tests import spine_support
from atiende.core.tests.spine_support import CHAIN_TYPE, PING_TYPE, ChainEvent, PingEvent

T0 = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)


class Boom(Exception):
    pass


# --- outbox atomicity -------------------------------------------------------------------


@pytest.mark.django_db
def test_rolled_back_emit_writes_no_row_and_schedules_no_delivery(
    django_capture_on_commit_callbacks: Any, dummy_tasks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Boom), transaction.atomic():
            row = emit(PingEvent(text="never"))
            assert row is not None
            assert OutboxEvent.objects.filter(pk=row.pk).exists()  # written in the transaction…
            raise Boom
    assert callbacks == []  # …and its delivery was dropped with it
    assert not OutboxEvent.objects.exists()
    assert dummy_tasks.results == []


@pytest.mark.django_db
def test_committed_emit_enqueues_delivery_only_after_commit(
    django_capture_on_commit_callbacks: Any, dummy_tasks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            row = emit(PingEvent(text="kept"))
            assert row is not None
        assert dummy_tasks.results == []  # on_commit, not at emit time
    assert len(callbacks) == 1
    [result] = dummy_tasks.results
    assert result.task.module_path == "atiende.core.tasks.deliver_event"
    assert result.args == [str(row.pk)]


@pytest.mark.django_db
def test_events_of_one_transaction_share_one_delivery_task(
    django_capture_on_commit_callbacks: Any, dummy_tasks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            rows = [emit(PingEvent(text=f"n{i}")) for i in range(3)]
            with transaction.atomic():  # a savepoint that commits keeps its events in the batch
                rows.append(emit(PingEvent(text="inner")))
    assert len(callbacks) == 1
    [result] = dummy_tasks.results
    assert result.task.module_path == "atiende.core.tasks.deliver_events"
    assert result.args == [[str(r.pk) for r in rows if r is not None]]


@pytest.mark.django_db
def test_a_rolled_back_savepoint_does_not_lose_the_batch(
    django_capture_on_commit_callbacks: Any, dummy_tasks: Any
) -> None:
    """The first emit (which registered the commit callback) is in a savepoint that rolls
    back: the callback goes with it, and the next emit registers a new one."""
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            with pytest.raises(Boom), transaction.atomic():
                emit(PingEvent(text="rolled back"))
                raise Boom
            kept = [emit(PingEvent(text="kept 1")), emit(PingEvent(text="kept 2"))]
    ids = [str(r.pk) for r in kept if r is not None]
    assert [r.args for r in dummy_tasks.results] == [[ids]]
    assert set(OutboxEvent.objects.values_list("payload__text", flat=True)) == {"kept 1", "kept 2"}


@pytest.mark.django_db
def test_emit_many_writes_every_event_with_one_insert_into_the_same_batch(
    django_capture_on_commit_callbacks: Any, dummy_tasks: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            first = emit(PingEvent(text="single"))
            with CaptureQueriesContext(connection) as queries:
                rows = events.emit_many([(PingEvent(text=f"bulk {i}"), None) for i in range(4)])
            assert len(queries) == 1
    assert [r.payload["text"] for r in rows] == [f"bulk {i}" for i in range(4)]
    assert first is not None
    assert [r.args for r in dummy_tasks.results] == [[[str(first.pk), *(str(r.pk) for r in rows)]]]
    assert OutboxEvent.objects.count() == 5
    assert events.emit_many([]) == []


@pytest.mark.django_db(transaction=True)
def test_rollback_emits_nothing_and_commit_delivers_to_subscriber(subscriber: Any) -> None:
    """Real transactions: the on_commit hook and the (immediate) task backend run for real."""
    delivered: list[tuple[str, bool]] = []

    def on_ping(event: OutboxEvent) -> None:
        # The subscriber runs after commit, so the row is visible and not yet marked delivered.
        delivered.append((event.payload["text"], OutboxEvent.objects.filter(pk=event.pk).exists()))

    name = subscriber(PING_TYPE, handler=on_ping)

    with pytest.raises(Boom), transaction.atomic():
        emit(PingEvent(text="rolled back"))
        raise Boom
    # An inner block that "committed" (a savepoint) is still rolled back with the outer one.
    with pytest.raises(Boom), transaction.atomic():
        with transaction.atomic():
            emit(PingEvent(text="inner, outer rolled back"))
        raise Boom
    assert not OutboxEvent.objects.exists()
    assert not EventDelivery.objects.exists()
    assert delivered == []

    with transaction.atomic():
        row = emit(PingEvent(text="committed"), changes={"when": T0})
        assert row is not None
        assert delivered == []  # nothing is delivered before the commit
    assert delivered == [("committed", True)]
    row.refresh_from_db()
    assert row.delivered_at is not None
    assert row.attempts == 1
    assert row.last_error == ""
    assert row.changes == {"when": "2030-03-04T09:00:00Z"}  # payloads are stored JSON-safe
    assert list(EventDelivery.objects.filter(event=row, subscriber=name).values_list("subscriber", flat=True)) == [name]


# --- idempotency ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_delivering_twice_runs_the_subscriber_once(subscriber: Any) -> None:
    calls: list[str] = []
    name = subscriber(PING_TYPE, handler=lambda event: calls.append(str(event.pk)))
    row = emit(PingEvent(text="once"))
    assert row is not None

    assert deliver(str(row.pk)) is True
    assert deliver(str(row.pk)) is True
    assert calls == [str(row.pk)]

    # A worker that died after the subscriber committed but before the event was marked
    # delivered: the next delivery must skip the subscriber and only mark the event.
    OutboxEvent.objects.filter(pk=row.pk).update(delivered_at=None)
    assert deliver(str(row.pk)) is True
    assert calls == [str(row.pk)]
    assert EventDelivery.objects.filter(event=row, subscriber=name).count() == 1
    row.refresh_from_db()
    assert row.delivered_at is not None


@pytest.mark.django_db
def test_deliver_of_unknown_event_is_a_no_op() -> None:
    assert deliver("00000000-0000-0000-0000-000000000000") is True


@pytest.mark.django_db
def test_failing_subscriber_is_retried_by_the_sweeper_and_others_are_not_repeated(
    subscriber: Any, effect_table: None
) -> None:
    good_calls: list[str] = []
    flaky_calls: list[str] = []
    broken = True

    def good(event: OutboxEvent) -> None:
        good_calls.append(str(event.pk))

    def flaky(event: OutboxEvent) -> None:
        flaky_calls.append(str(event.pk))
        spine_support.record_effect(str(event.pk), "flaky")  # must roll back on failure
        if broken:
            raise RuntimeError("mail server down")

    good_name = subscriber(PING_TYPE, handler=good)
    flaky_name = subscriber(PING_TYPE, handler=flaky)

    with clock.frozen_at(T0):
        row = emit(PingEvent(text="retry me"))
        assert row is not None
        assert deliver(str(row.pk)) is False

    row.refresh_from_db()
    assert row.delivered_at is None
    assert row.attempts == 1
    assert row.next_attempt_at == T0 + timedelta(seconds=10)
    assert flaky_name in row.last_error and "mail server down" in row.last_error
    mine = [good_name, flaky_name]
    assert set(EventDelivery.objects.filter(event=row, subscriber__in=mine).values_list("subscriber", flat=True)) == {
        good_name
    }
    assert spine_support.effect_count() == 0  # the failed subscriber's write was rolled back

    sweep_after = settings.ATIENDE_OUTBOX_SWEEP_AFTER
    with clock.frozen_at(T0 + timedelta(seconds=sweep_after - 1)):
        assert sweep() == 0  # too young for the sweeper
    assert len(flaky_calls) == 1

    # Still broken: the sweeper retries, fails again and backs off further.
    first_retry = T0 + timedelta(seconds=sweep_after + 1)
    with clock.frozen_at(first_retry):
        assert sweep() == 0
    row.refresh_from_db()
    assert (row.attempts, row.delivered_at) == (2, None)
    assert row.next_attempt_at == first_retry + timedelta(seconds=20)
    assert len(flaky_calls) == 2

    with clock.frozen_at(first_retry + timedelta(seconds=19)):
        assert sweep() == 0  # inside the back-off: not even tried
    assert len(flaky_calls) == 2

    broken = False
    fixed_at = first_retry + timedelta(seconds=20)
    with clock.frozen_at(fixed_at):
        assert sweep() == 1
    row.refresh_from_db()
    assert row.delivered_at == fixed_at
    assert row.attempts == 3
    assert row.last_error == ""
    assert good_calls == [str(row.pk)]  # the healthy subscriber never ran again
    assert len(flaky_calls) == 3
    assert [r[0] for r in spine_support.effect_rows()] == [str(row.pk)]
    assert set(EventDelivery.objects.filter(event=row, subscriber__in=mine).values_list("subscriber", flat=True)) == {
        good_name,
        flaky_name,
    }
    with clock.frozen_at(fixed_at + timedelta(hours=1)):
        assert sweep() == 0


@pytest.mark.django_db
@override_settings(ATIENDE_OUTBOX_MAX_ATTEMPTS=2)
def test_sweeper_gives_up_after_max_attempts(subscriber: Any) -> None:
    calls: list[str] = []

    def always_fails(event: OutboxEvent) -> None:
        calls.append(str(event.pk))
        raise RuntimeError("permanently broken")

    subscriber(PING_TYPE, handler=always_fails)
    with clock.frozen_at(T0):
        row = emit(PingEvent(text="poison"))
        assert row is not None
    for hours in (1, 2, 3, 4):
        with clock.frozen_at(T0 + timedelta(hours=hours)):
            sweep()
    assert len(calls) == 2
    row.refresh_from_db()
    assert row.attempts == 2 and row.delivered_at is None and "permanently broken" in row.last_error


# --- cause and depth -------------------------------------------------------------------------


@pytest.mark.django_db
def test_event_emitted_by_a_subscriber_records_its_cause_and_depth(
    subscriber: Any, django_capture_on_commit_callbacks: Any
) -> None:
    def ping_to_chain(event: OutboxEvent) -> None:
        emit(ChainEvent(step=1))

    subscriber(PING_TYPE, handler=ping_to_chain)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            root = emit(PingEvent(text="root"))
    assert root is not None
    assert (root.cause_id, root.depth) == (None, 0)
    child = OutboxEvent.objects.get(type=CHAIN_TYPE)
    assert child.cause_id == root.pk
    assert child.depth == 1
    assert list(root.effects.all()) == [child]


@pytest.mark.django_db
def test_self_triggering_rule_stops_at_max_depth(
    subscriber: Any, django_capture_on_commit_callbacks: Any, caplog: pytest.LogCaptureFixture
) -> None:
    handled: list[int] = []
    emitted: list[OutboxEvent | None] = []

    def loop_forever(event: OutboxEvent) -> None:
        handled.append(event.depth)
        if len(handled) > 3 * MAX_DEPTH:
            return  # the depth guard failed: stop here so the test fails instead of hanging
        emitted.append(emit(ChainEvent(step=event.payload["step"] + 1)))

    subscriber(CHAIN_TYPE, handler=loop_forever)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            emit(ChainEvent(step=0))

    chain = list(OutboxEvent.objects.filter(type=CHAIN_TYPE).order_by("depth"))
    assert [e.depth for e in chain] == list(range(MAX_DEPTH + 1))
    assert [e.payload["step"] for e in chain] == list(range(MAX_DEPTH + 1))
    for parent, child in itertools.pairwise(chain):
        assert child.cause_id == parent.pk
    assert all(e.delivered_at is not None for e in chain)
    assert handled == list(range(MAX_DEPTH + 1))  # every event delivered exactly once
    assert emitted[-1] is None  # the emit past MAX_DEPTH recorded nothing
    assert "deeper than" in caplog.text


def test_subscribers_for_matches_type_and_wildcard(subscriber: Any) -> None:
    typed = subscriber(PING_TYPE, handler=lambda event: None)
    anything = subscriber("*", handler=lambda event: None)
    names = {s.name for s in events.subscribers_for(PING_TYPE)}
    assert {typed, anything} <= names
    chain_names = {s.name for s in events.subscribers_for(CHAIN_TYPE)}
    assert anything in chain_names and typed not in chain_names


@pytest.mark.django_db
def test_a_subscriber_whose_check_says_no_is_skipped_without_a_delivery_row(subscriber: Any) -> None:
    seen: list[str] = []
    wanted = subscriber(
        PING_TYPE, handler=lambda e: seen.append(e.payload["text"]), when=lambda e: e.payload["text"] == "yes"
    )
    with transaction.atomic():
        no = emit(PingEvent(text="no"))
        yes = emit(PingEvent(text="yes"))
    assert no is not None and yes is not None
    assert deliver(str(no.pk)) and deliver(str(yes.pk))
    assert seen == ["yes"]
    assert not EventDelivery.objects.filter(event=no, subscriber=wanted).exists()
    assert EventDelivery.objects.filter(event=yes, subscriber=wanted).exists()
    assert OutboxEvent.objects.get(pk=no.pk).delivered_at is not None
