"""Channel credentials encrypted at rest with Fernet.

``settings.ATIENDE_ENCRYPTION_KEYS`` lists Fernet keys: the first encrypts, every
one decrypts, so a new key is rolled out by putting it first and running
``atiende rotate-credentials`` (re-encrypts everything with it) before the old key is
removed. Outside production, with no keys configured, a key derived from SECRET_KEY is
used so a development setup works out of the box.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class CredentialError(Exception):
    """A stored credential cannot be decrypted with any configured key."""


def _keys() -> list[bytes]:
    keys = [k for k in getattr(settings, "ATIENDE_ENCRYPTION_KEYS", []) if k]
    if keys:
        return [k.encode("ascii") for k in keys]
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured("ATIENDE_ENCRYPTION_KEYS must be set to store channel credentials in production")
    digest = hashlib.sha256(b"atiende.channels.credentials:" + settings.SECRET_KEY.encode()).digest()
    return [base64.urlsafe_b64encode(digest)]


def _fernet() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in _keys()])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"ATIENDE_ENCRYPTION_KEYS holds an invalid Fernet key: {exc}") from None


def encrypt(plain: str) -> str:
    if not plain:
        return ""
    return _fernet().encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise CredentialError("no configured encryption key decrypts this credential") from None


def rotate(token: str) -> str:
    """``token`` re-encrypted with the first key (unchanged when empty)."""
    if not token:
        return ""
    try:
        return _fernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise CredentialError("no configured encryption key decrypts this credential") from None


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")
