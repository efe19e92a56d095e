"""The event spine: emit into the outbox, deliver to subscribers after commit.

* :func:`emit` writes an :class:`OutboxEvent` row inside the caller's transaction and
  schedules delivery with ``transaction.on_commit`` — a rolled-back change emits nothing.
  Inside a :func:`~atiende.core.deferred.deferred_inserts` block (a batch of intake)
  the row is inserted with the block's others when it ends.
* :func:`deliver` runs each subscriber in its own transaction together with an
  :class:`EventDelivery` row that is unique per (event, subscriber): a second worker
  delivering the same event fails on that constraint and skips, so a subscriber's
  database effects happen exactly once.
* :func:`sweep` re-delivers rows still undelivered after a while (a worker killed with
  ``kill -9``, a task backend that was down at commit time).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.db import IntegrityError, models, transaction

from atiende.core import clock
from atiende.core.deferred import defer
from atiende.core.models import EventDelivery, OutboxEvent

logger = logging.getLogger(__name__)

MAX_DEPTH = 8


@dataclass(frozen=True)
class Event:
    """Base class for event payloads. Subclasses set ``type`` and ``version``."""

    type: ClassVar[str] = ""
    version: ClassVar[int] = 1

    def payload(self) -> dict[str, Any]:
        # Shallow: ``_row`` copies it through JSON anyway (``dataclasses.asdict`` deep-copies
        # every value first, for nothing).
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


E = TypeVar("E", bound=type[Event])

_event_types: dict[str, type[Event]] = {}


def register_event(cls: E) -> E:
    """Class decorator: make an event type known (for docs, admin and validation)."""
    if not cls.type:
        raise ValueError(f"{cls.__name__} has no type")
    existing = _event_types.get(cls.type)
    if existing is not None and existing is not cls:
        raise ValueError(f"event type {cls.type!r} registered twice")
    _event_types[cls.type] = cls
    return cls


def event_types() -> dict[str, type[Event]]:
    return dict(_event_types)


Handler = Callable[[OutboxEvent], None]


@dataclass(frozen=True)
class Subscriber:
    name: str
    types: frozenset[str]  # "*" matches every type
    handler: Handler
    when: Callable[[OutboxEvent], bool] | None = None


_subscribers: dict[str, Subscriber] = {}


def subscribe(
    *types: str, name: str | None = None, when: Callable[[OutboxEvent], bool] | None = None
) -> Callable[[Handler], Handler]:
    """Register ``handler`` for events of ``types`` (``"*"`` for all).

    Handlers must only write to the database (their writes commit with the delivery
    record) or be idempotent by ``event.id`` for anything outside it.

    ``when`` is an optional cheap, read-only check run before the delivery machinery (its
    own transaction and delivery row, about five statements): when it returns False the
    event is skipped for this subscriber for good. For catch-all subscribers that usually
    have nothing to do (outbound webhooks with no subscription).
    """

    def decorator(handler: Handler) -> Handler:
        key = name or f"{handler.__module__}.{handler.__qualname__}"
        _subscribers[key] = Subscriber(name=key, types=frozenset(types), handler=handler, when=when)
        return handler

    return decorator


def unsubscribe(name: str) -> None:
    _subscribers.pop(name, None)


def subscribers_for(event_type: str) -> list[Subscriber]:
    return [s for s in _subscribers.values() if event_type in s.types or "*" in s.types]


_current_event: ContextVar[OutboxEvent | None] = ContextVar("atiende_current_event", default=None)


@contextlib.contextmanager
def _handling(event: OutboxEvent) -> Iterator[None]:
    token = _current_event.set(event)
    try:
        yield
    finally:
        _current_event.reset(token)


def emit(
    event: Event,
    *,
    subject: models.Model | None = None,
    actor: models.Model | None = None,
    changes: dict[str, Any] | None = None,
) -> OutboxEvent | None:
    """Record ``event`` in the outbox in the current transaction.

    Returns ``None`` (and records nothing) when the cause chain is already
    ``MAX_DEPTH`` deep, so a rule that reacts to its own effect cannot loop forever.
    """
    row = _row(event, subject=subject, actor=actor, changes=changes)
    if row is None:
        return None
    if not defer(row):  # inside a batch's deferred_inserts block the batch inserts it
        row.save(force_insert=True)
    _schedule_delivery([str(row.pk)])
    return row


def emit_many(events: Sequence[tuple[Event, models.Model | None]]) -> list[OutboxEvent]:
    """Record several ``(event, subject)`` pairs with one insert (a batch's events).

    The same as calling :func:`emit` for each, in order, minus the statement per event;
    events past ``MAX_DEPTH`` are dropped the same way.
    """
    rows = [row for event, subject in events if (row := _row(event, subject=subject)) is not None]
    if not rows:
        return []
    deferred = [defer(row) for row in rows]
    if not all(deferred):
        OutboxEvent.objects.bulk_create(rows, batch_size=1000)
    _schedule_delivery([str(row.pk) for row in rows])  # the transaction's callback is looked for once
    return rows


def _row(
    event: Event,
    *,
    subject: models.Model | None = None,
    actor: models.Model | None = None,
    changes: dict[str, Any] | None = None,
) -> OutboxEvent | None:
    cause = _current_event.get()
    depth = cause.depth + 1 if cause is not None else 0
    if depth > MAX_DEPTH:
        logger.warning("event %s dropped: cause chain deeper than %s", event.type, MAX_DEPTH)
        return None
    return OutboxEvent(
        type=event.type,
        version=event.version,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        actor_id=actor.pk if actor is not None else None,
        payload=_jsonable(event.payload()),
        changes=_jsonable(changes or {}),
        cause=cause,
        depth=depth,
        created_at=clock.now(),
    )


class _Batch:
    """The events of one transaction, delivered by one task after it commits.

    One ``on_commit`` callback per transaction instead of one per event: intake and bulk
    changes emit several events per transaction, and each task is a row (database
    backend) or a Redis job. If a savepoint rollback discarded the callback, the next
    emit registers it again; ids of rolled-back events cost a lookup that finds nothing.
    """

    __slots__ = ("done", "ids", "key")

    def __init__(self, key: tuple[int, str | None]) -> None:
        self.ids: list[str] = []
        self.done = False
        self.key = key

    def __call__(self) -> None:
        self.done = True
        ids, self.ids = self.ids, []
        if ids:
            _enqueue_delivery(ids)


def _outer_block(connection: Any) -> tuple[int, str | None] | None:
    """Which transaction the caller is in: the position and savepoint id of the outermost
    atomic block the code opened. Blocks a test case opened around the test do not count
    (its transaction never commits; each block the test opens inside is "the transaction").
    None when there is no such block, or it cannot be told apart from the next one."""
    blocks = connection.atomic_blocks
    start = 0
    for i, block in enumerate(blocks):
        if getattr(block, "_from_testcase", False):
            start = i + 1
    if start >= len(blocks):
        return None
    if start == 0:
        return (0, None)
    sid = connection.savepoint_ids[start - 1]
    return None if sid is None else (start, sid)


def _schedule_delivery(event_ids: list[str]) -> None:
    connection = transaction.get_connection()
    key = _outer_block(connection) if connection.in_atomic_block else None
    if key is None:
        transaction.on_commit(lambda: _enqueue_delivery(event_ids))
        return
    batch = getattr(connection, "_atiende_event_batch", None)
    if (
        batch is None
        or batch.done
        or batch.key != key
        or not any(func is batch for _sids, func, _robust in connection.run_on_commit)
    ):
        batch = _Batch(key)
        connection._atiende_event_batch = batch
        transaction.on_commit(batch)
    batch.ids.extend(event_ids)


def _jsonable(value: Any) -> Any:
    """Payloads hold ids, strings and numbers; dates become ISO strings."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _enqueue_delivery(event_ids: list[str]) -> None:
    from atiende.core.tasks import deliver_event, deliver_events

    try:
        if len(event_ids) == 1:
            deliver_event.enqueue(event_ids[0])
        else:
            deliver_events.enqueue(event_ids)
    except Exception:  # the task backend is down: the sweeper delivers them later
        logger.exception("could not enqueue delivery of events %s; the sweeper will retry", event_ids)


def deliver(event_id: str) -> bool:
    """Deliver one event to every subscriber that has not handled it yet.

    Returns True when the event is fully delivered.
    """
    try:
        event = OutboxEvent.objects.get(pk=event_id)
    except OutboxEvent.DoesNotExist:
        return True
    if event.delivered_at is not None:
        return True
    done = set(EventDelivery.objects.filter(event=event).values_list("subscriber", flat=True))
    errors: list[str] = []
    for sub in subscribers_for(event.type):
        if sub.name in done:
            continue
        try:
            if sub.when is not None and not sub.when(event):
                continue
            _deliver_to(event, sub)
        except Exception as exc:
            logger.exception("subscriber %s failed on event %s", sub.name, event.pk)
            errors.append(f"{sub.name}: {exc!r}")
    now = clock.now()
    if errors:
        attempts = event.attempts + 1
        backoff = timedelta(seconds=min(3600, 2**attempts * 5))
        OutboxEvent.objects.filter(pk=event.pk).update(
            attempts=attempts, next_attempt_at=now + backoff, last_error="\n".join(errors)[:10000]
        )
        return False
    OutboxEvent.objects.filter(pk=event.pk, delivered_at__isnull=True).update(
        delivered_at=now, attempts=event.attempts + 1, last_error=""
    )
    return True


def _deliver_to(event: OutboxEvent, sub: Subscriber) -> None:
    with transaction.atomic():
        try:
            with transaction.atomic():
                EventDelivery.objects.create(event=event, subscriber=sub.name, delivered_at=clock.now())
        except IntegrityError:
            return  # another worker handled it (and committed) first
        with _handling(event):
            sub.handler(event)


def pending_events(limit: int = 500) -> models.QuerySet[OutboxEvent]:
    now = clock.now()
    cutoff = now - timedelta(seconds=settings.ATIENDE_OUTBOX_SWEEP_AFTER)
    return (
        OutboxEvent.objects.filter(delivered_at__isnull=True, created_at__lte=cutoff)
        .filter(models.Q(next_attempt_at__isnull=True) | models.Q(next_attempt_at__lte=now))
        .filter(attempts__lt=settings.ATIENDE_OUTBOX_MAX_ATTEMPTS)
        .order_by("created_at")[:limit]
    )


def sweep(limit: int = 500) -> int:
    """Deliver events that were never acknowledged. Returns how many were delivered."""
    delivered = 0
    for event_id in list(pending_events(limit).values_list("pk", flat=True)):
        if deliver(str(event_id)):
            delivered += 1
    return delivered
