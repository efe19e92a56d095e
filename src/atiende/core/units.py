"""One savepoint for a unit of work, instead of one per service call inside it.

A service that writes several rows makes itself all-or-nothing with an atomic block;
nested in a caller's transaction every such block is a savepoint: two more statements
(``SAVEPOINT``, ``RELEASE``) per call, a round trip each on PostgreSQL. Email intake
processes each message in a savepoint of its own and rolls *all* of it back on any
error (then retries it, or quarantines it), so the services it calls need no
savepoints of their own.

:func:`unit` opens that savepoint and marks the block. Inside it:

- :func:`atomic` (and the decorator :func:`atomic_service`) joins the unit
  (``transaction.atomic(savepoint=False)``) instead of opening a savepoint; outside one
  it is ``transaction.atomic()``;
- :func:`in_unit` tells a service that a unique-constraint conflict with another worker
  (``IntegrityError``) is the unit's to handle: the service lets it propagate instead
  of catching it in a savepoint, and the unit's caller runs the unit again
  (:func:`retrying` — the next attempt finds the other worker's row).

Code inside a unit that catches a service's error and carries on must open a savepoint
of its own (``transaction.atomic()``), as anywhere else in Django: without one, an error
under ``savepoint=False`` leaves the transaction unusable until the unit rolls back.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

from django.db import IntegrityError, transaction

T = TypeVar("T")
P = ParamSpec("P")

_in_unit: ContextVar[bool] = ContextVar("atiende_in_unit", default=False)


@contextlib.contextmanager
def unit(using: str | None = None) -> Iterator[None]:
    """A savepoint (or transaction) that the services called inside it join."""
    token = _in_unit.set(True)
    try:
        with transaction.atomic(using=using):
            yield
    finally:
        _in_unit.reset(token)


def in_unit() -> bool:
    """Whether a :func:`unit` is open: its caller rolls it back on error and retries a conflict."""
    return _in_unit.get()


def atomic(using: str | None = None) -> transaction.Atomic:
    """A service's atomic block: a savepoint of its own, or none inside a :func:`unit`."""
    return transaction.atomic(using=using, savepoint=not _in_unit.get())


def atomic_service(func: Callable[P, T]) -> Callable[P, T]:
    """Decorate a service with :func:`atomic` (decided per call, not when the module loads)."""

    @functools.wraps(func)
    def inner(*args: P.args, **kwargs: P.kwargs) -> T:
        with atomic():
            return func(*args, **kwargs)

    return inner


def retrying(work: Callable[[], T], *, attempts: int = 2, before_retry: Callable[[], None] | None = None) -> T:
    """Run ``work`` (which opens its own :func:`unit`) again when it lost a race (``IntegrityError``).

    ``before_retry`` restores what the failed attempt changed outside the database. The
    last attempt's error propagates.
    """
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except IntegrityError:
            if attempt == attempts:
                raise
            if before_retry is not None:
                before_retry()
    raise AssertionError("unreachable")  # pragma: no cover
