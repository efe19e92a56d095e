"""Inserts deferred to the end of a batch: one statement per model instead of one per row.

A block opened with :func:`deferred_inserts` is a transaction (or a savepoint, inside
one) in which :func:`defer` queues a row instead of inserting it. When the block ends
normally, the queued rows are inserted with one statement per model (``executemany``), in the order
they were queued, inside it; when it raises, they go with its rollback.

A row queued inside a savepoint that is rolled back later in the block is dropped, as
if it had been inserted and rolled back: each queued row leaves a no-op ``on_commit``
marker, and Django discards the callbacks registered inside a savepoint it rolls back
(the marker is what tells, at the end, which rows are still part of the transaction).

For rows nothing reads back before the block ends — the outbox events and audit rows a
batch of intake writes (``core.events.emit``, ``accounts.audit.record``). Their ids are
UUIDs the caller sets, or not needed; foreign keys pointing at them are checked at
commit (Django creates them ``DEFERRABLE INITIALLY DEFERRED``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from django.db import models, transaction

from atiende.core.rows import insert_rows


class _Marker:
    """The ``on_commit`` callback a queued row leaves; it does nothing when called."""

    __slots__ = ()

    def __call__(self) -> None:
        return None


class _Queue:
    __slots__ = ("alias", "rows")

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self.rows: list[tuple[models.Model, _Marker]] = []


_queue: ContextVar[_Queue | None] = ContextVar("atiende_deferred_inserts", default=None)


@contextlib.contextmanager
def deferred_inserts(using: str | None = None) -> Iterator[None]:
    """An atomic block whose :func:`defer` rows are inserted once, when it ends."""
    if _queue.get() is not None:  # nested: the outer block inserts them
        with transaction.atomic(using=using):
            yield
        return
    connection = transaction.get_connection(using)
    queue = _Queue(connection.alias)
    token = _queue.set(queue)
    try:
        with transaction.atomic(using=using):
            yield
            _flush(queue)
    finally:
        _queue.reset(token)


def defer(row: models.Model) -> bool:
    """Queue ``row`` for the end of the current :func:`deferred_inserts` block.

    False (nothing queued) outside such a block: the caller inserts the row itself.
    """
    queue = _queue.get()
    if queue is None:
        return False
    marker = _Marker()
    transaction.on_commit(marker, using=queue.alias)
    queue.rows.append((row, marker))
    return True


def _flush(queue: _Queue) -> None:
    connection = transaction.get_connection(queue.alias)
    alive = {id(func) for _sids, func, _robust in connection.run_on_commit if isinstance(func, _Marker)}
    connection.run_on_commit = [entry for entry in connection.run_on_commit if not isinstance(entry[1], _Marker)]
    by_model: dict[type[models.Model], list[models.Model]] = {}
    for row, marker in queue.rows:
        if id(marker) in alive:
            by_model.setdefault(type(row), []).append(row)
    for model, rows in by_model.items():
        insert_rows(model, rows)
