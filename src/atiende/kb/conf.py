"""Settings of the knowledge base, with their defaults (read from Django settings, then the environment)."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # The bot answers a new email/chat ticket only above this confidence (0..1).
    "ATIENDE_KB_BOT_CONFIDENCE": 0.7,
    # A ticket older than this (minutes) is never answered: a late answer (a backlog
    # drained after an outage, imported history) only confuses.
    "ATIENDE_KB_BOT_MAX_AGE_MINUTES": 30,
    # "1" to let the bot answer at all.
    "ATIENDE_KB_BOT_ENABLED": True,
    # Channels the bot answers on.
    "ATIENDE_KB_BOT_CHANNELS": ("email", "chat", "whatsapp"),
    # Address of the (inactive, never signed-in) user that authors bot replies.
    "ATIENDE_KB_BOT_EMAIL": "bot@atiende.invalid",
    # Base URL for links in messages sent outside the web UI (bot answers).
    "ATIENDE_PUBLIC_URL": "http://127.0.0.1:8000",
    # Hours after a search or suggestion within which a request means "not deflected".
    "ATIENDE_KB_DEFLECTION_HOURS": 24,
}


def get(name: str) -> Any:
    if hasattr(settings, name):
        return getattr(settings, name)
    default = DEFAULTS[name]
    raw = os.environ.get(name)
    if raw is None:
        return default
    if isinstance(default, bool):
        return raw.lower() in {"1", "true", "yes", "on"}
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, tuple):
        return tuple(x.strip() for x in raw.split(",") if x.strip())
    return raw
