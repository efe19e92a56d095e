"""Answers a batch repeats, looked up once per batch.

Inside :func:`batch_memo` (email intake wraps each batch in it), :func:`memoized`
computes a value once per ``(namespace, key)`` and returns it again for the rest of the
block; outside one it simply computes. Only for reads the batch itself does not change
— which organization claims a domain, say: intake creates contacts, never organizations.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_memo: ContextVar[dict[tuple[str, Hashable], Any] | None] = ContextVar("atiende_batch_memo", default=None)


@contextlib.contextmanager
def batch_memo() -> Iterator[None]:
    if _memo.get() is not None:  # nested: the outer block's memo serves
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def in_batch() -> bool:
    """Whether a :func:`batch_memo` block is open (a lookup may then prefetch for the batch)."""
    return _memo.get() is not None


def memoized(namespace: str, key: Hashable, compute: Callable[[], T]) -> T:
    memo = _memo.get()
    if memo is None:
        return compute()
    slot = (namespace, key)
    if slot not in memo:
        memo[slot] = compute()
    return memo[slot]  # type: ignore[no-any-return]
