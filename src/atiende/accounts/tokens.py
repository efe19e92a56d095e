"""API token format and hashing: ``atd_<prefix><secret>``; only SHA-256 is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_PREFIX = "atd_"  # noqa: S105 - a public marker, not a secret
PREFIX_LENGTH = 8


def generate() -> tuple[str, str, str]:
    """Return ``(full_token, prefix, sha256_hex)``."""
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    secret = secrets.token_urlsafe(32)
    full = f"{TOKEN_PREFIX}{prefix}{secret}"
    return full, prefix, hash_token(full)


def hash_token(full: str) -> str:
    return hashlib.sha256(full.encode()).hexdigest()


def split(full: str) -> str | None:
    """The lookup prefix of a presented token, or None if it is malformed."""
    if not full.startswith(TOKEN_PREFIX) or len(full) < len(TOKEN_PREFIX) + PREFIX_LENGTH + 20:
        return None
    return full[len(TOKEN_PREFIX) : len(TOKEN_PREFIX) + PREFIX_LENGTH]


def matches(full: str, key_hash: str) -> bool:
    return hmac.compare_digest(hash_token(full), key_hash)
