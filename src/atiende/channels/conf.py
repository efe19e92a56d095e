"""Settings of the email channel, with their defaults (documented in the README).

Read through these functions rather than ``settings.X`` so the app works with any
settings module and tests can override one value with ``override_settings``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Larger messages are stored raw and become a ticket that says so.
    "ATIENDE_EMAIL_MAX_BYTES": 50 * 1024 * 1024,
    # The inbound SMTP server refuses larger messages (552), so the sender learns it.
    "ATIENDE_EMAIL_SMTPD_MAX_BYTES": 100 * 1024 * 1024,
    "ATIENDE_EMAIL_MAX_PARTS": 500,
    "ATIENDE_EMAIL_MAX_HEADER_BYTES": 1024 * 1024,
    "ATIENDE_EMAIL_MAX_TEXT_BYTES": 2 * 1024 * 1024,
    "ATIENDE_EMAIL_MAX_CCS": 20,
    # "new_ticket" or "hold": default for inboxes that do not choose.
    "ATIENDE_EMAIL_NON_PARTICIPANT": "new_ticket",
    # Auto-acknowledgements: at most LIMIT per sender per WINDOW seconds.
    "ATIENDE_EMAIL_AUTOACK_LIMIT": 3,
    "ATIENDE_EMAIL_AUTOACK_WINDOW": 3600,
    # Automatic mail (auto-replies, bulk) from one sender beyond LIMIT per WINDOW is suppressed.
    "ATIENDE_EMAIL_AUTOMATED_LIMIT": 20,
    "ATIENDE_EMAIL_AUTOMATED_WINDOW": 3600,
    # Outbound retries: attempts before giving up, and the first backoff in seconds.
    "ATIENDE_EMAIL_SEND_ATTEMPTS": 8,
    "ATIENDE_EMAIL_SEND_BACKOFF": 30,
    # IMAP polling, and the watchdog's idea of "stalled".
    "ATIENDE_IMAP_POLL_SECONDS": 60,
    "ATIENDE_IMAP_STALL_SECONDS": 900,
    "ATIENDE_IMAP_TIMEOUT": 60,
    "ATIENDE_IMAP_BATCH": 200,
    # Mail servers on loopback/private addresses (SSRF guard); on by default outside production.
    "ATIENDE_MAIL_ALLOW_PRIVATE_HOSTS": None,
    # Extra CA bundle for mail-server certificates (a private CA); TLS is always verified.
    "ATIENDE_EMAIL_TLS_CA_FILE": "",
    # Pending inbound rows older than this are picked up again by the sweeper (a killed worker).
    "ATIENDE_EMAIL_RETRY_PENDING_AFTER": 120,
    # Amazon SNS topics allowed to post to the SES webhook (empty: any topic).
    "ATIENDE_SES_TOPIC_ARNS": [],
}


def get(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])


def allow_private_hosts() -> bool:
    value = get("ATIENDE_MAIL_ALLOW_PRIVATE_HOSTS")
    if value is None:
        return not getattr(settings, "PRODUCTION", False)
    return bool(value)
