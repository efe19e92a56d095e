"""Fixed-window rate limits kept in the cache (Redis at scale, local memory embedded).

Used for sign-in, password reset, sign-in links and sign-up: each attempt counts
against the client IP and, where there is one, the email address, so neither many
addresses from one IP nor many IPs against one address get through.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest

from atiende.core.middleware import client_ip_of
from atiende.tickets.cache_keys import site_prefix


@dataclass(frozen=True)
class Limit:
    name: str
    per_ip: int
    per_key: int
    window: int  # seconds


SIGN_IN = Limit("sign-in", per_ip=30, per_key=10, window=300)
PASSWORD_RESET = Limit("password-reset", per_ip=10, per_key=3, window=900)
SIGN_IN_LINK = Limit("sign-in-link", per_ip=10, per_key=3, window=900)
SIGN_UP = Limit("sign-up", per_ip=10, per_key=3, window=3600)


def _bucket(limit: Limit, kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    window = int(time.time()) // limit.window
    return f"atiende:rate:{site_prefix()}:{limit.name}:{kind}:{digest}:{window}"


def _hit(key: str, timeout: int) -> int:
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1


def hit(request: HttpRequest, limit: Limit, key: str = "") -> bool:
    """Count one attempt; False when the client is over the limit."""
    ip = client_ip_of(request) or "unknown"
    allowed = _hit(_bucket(limit, "ip", ip), limit.window) <= limit.per_ip
    if key:
        allowed = (_hit(_bucket(limit, "key", key), limit.window) <= limit.per_key) and allowed
    return allowed


def retry_after(limit: Limit) -> int:
    return limit.window - int(time.time()) % limit.window
