"""Settings of the automation app, with their defaults.

Each is read from Django settings when present, else from the environment, else the
default below, so the app needs no edit of the settings module and tests can use
``override_settings``.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Absolute base URL of the desk, for links in customer notifications.
    "ATIENDE_PUBLIC_URL": "http://127.0.0.1:8000",
    # Log trigger rules that were evaluated but did not match (one bulk insert per event).
    "ATIENDE_AUTOMATION_LOG_UNMATCHED": True,
    # Run-log rows older than this many days are deleted by a periodic job.
    "ATIENDE_AUTOMATION_LOG_DAYS": 30,
    # Time-based rules: at most this many tickets acted on per rule per scheduler run.
    "ATIENDE_TIME_RULE_BATCH": 500,
    # Outbound webhooks: attempts per delivery, first backoff (seconds, doubled each time),
    # consecutive failed attempts before a subscription is disabled, request timeout.
    "ATIENDE_WEBHOOK_ATTEMPTS": 8,
    "ATIENDE_WEBHOOK_BACKOFF": 30,
    "ATIENDE_WEBHOOK_DISABLE_AFTER": 15,
    "ATIENDE_WEBHOOK_TIMEOUT": 10,
    # SSRF guard: private/loopback targets are refused unless allowed (self-hosters with
    # internal receivers): a boolean, or a comma-separated list of CIDR networks.
    "ATIENDE_WEBHOOK_ALLOW_PRIVATE": False,
    "ATIENDE_WEBHOOK_ALLOWED_NETWORKS": "",
}


def get(name: str) -> Any:
    if hasattr(settings, name):
        return getattr(settings, name)
    default = DEFAULTS[name]
    raw = os.environ.get(name)
    if raw is None:
        return default
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    return raw


def allowed_networks() -> list[str]:
    value = get("ATIENDE_WEBHOOK_ALLOWED_NETWORKS")
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value or "").split(",") if part.strip()]
