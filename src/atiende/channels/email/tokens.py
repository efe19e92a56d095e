"""Signed reply tokens: which ticket a reply belongs to, proven by an HMAC.

A token is ``r<ticket id in base 36>-<13 base-32 characters of HMAC-SHA256>``, all lower
case so mail servers that fold the case of local parts keep it valid. It rides in the
plus-address of Reply-To (``soporte+r2n9-abcdefghijklm@example.com``) and in the
Message-ID of every mail we send (``<atd.r2n9-abcdefghijklm.9f2c41d0@example.com>``),
so a reply threads even when the client drops In-Reply-To or rewrites the subject.

The key is derived from SECRET_KEY (SECRET_KEY_FALLBACKS keep old tokens valid after a
rotation). A ``From:`` header grants nothing: a token only says *which ticket*, and the
pipeline still checks that the sender takes part in it.
"""

from __future__ import annotations

import base64
import hmac
import re

from django.conf import settings
from django.utils.crypto import salted_hmac

SALT = "atiende.channels.email.reply-token"
SIGNATURE_CHARS = 13
_TOKEN = re.compile(r"\br([0-9a-z]{1,13})-([a-z2-7]{13})\b")
_MESSAGE_ID = re.compile(r"^<?atd\.(r[0-9a-z]{1,13}-[a-z2-7]{13})\.[0-9a-z]+@", re.IGNORECASE)


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out


def _signature(ticket_id: int, secret: str) -> str:
    mac = salted_hmac(SALT, f"ticket:{ticket_id}", secret=secret, algorithm="sha256").digest()
    return base64.b32encode(mac).decode("ascii").lower()[:SIGNATURE_CHARS]


def make_token(ticket_id: int) -> str:
    return f"r{_base36(ticket_id)}-{_signature(ticket_id, settings.SECRET_KEY)}"


def verify_token(token: str) -> int | None:
    """The ticket id the token was issued for, or None if it is not genuine."""
    match = _TOKEN.fullmatch((token or "").strip().lower())
    if match is None:
        return None
    try:
        ticket_id = int(match.group(1), 36)
    except ValueError:
        return None
    given = match.group(2)
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        if hmac.compare_digest(given, _signature(ticket_id, secret)):
            return ticket_id
    return None


def reply_address(address: str, ticket_id: int) -> str:
    local, _, domain = address.partition("@")
    return f"{local}+{make_token(ticket_id)}@{domain}"


def token_from_address(address: str) -> str:
    """The token of a plus-address (``local+token@domain``), or ""."""
    local = (address or "").split("@", 1)[0]
    if "+" not in local:
        return ""
    return local.rsplit("+", 1)[1].lower()


def token_from_message_id(message_id: str) -> str:
    match = _MESSAGE_ID.match((message_id or "").strip())
    return match.group(1).lower() if match else ""


def make_message_id(ticket_id: int | None, domain: str, unique: str) -> str:
    """A Message-ID that carries the reply token of ``ticket_id`` (when there is one)."""
    token = make_token(ticket_id) if ticket_id is not None else "n"
    return f"<atd.{token}.{unique}@{domain}>"
