"""Request-scoped context (client IP) that services read for the audit log."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

_client_ip: ContextVar[str | None] = ContextVar("atiende_client_ip", default=None)


def client_ip() -> str | None:
    return _client_ip.get()


@contextlib.contextmanager
def request_context(*, ip: str | None) -> Iterator[None]:
    token = _client_ip.set(ip)
    try:
        yield
    finally:
        _client_ip.reset(token)
