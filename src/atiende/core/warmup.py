"""What a worker loads once, before it takes jobs.

An RQ worker forks a work horse for every job: whatever the parent has not loaded,
every job loads again — the URLconf alone (every view module, DRF, the schema views) is
half a second, which a batch of intake paid for its first inline-image link or portal
URL. ``atiende worker`` calls :func:`warm` before it starts taking jobs, so the horses
inherit these modules from the parent (copy-on-write) and a long-running database
worker pays for them at start instead of in its first job.
"""

from __future__ import annotations

import importlib
import time

from django.apps import apps
from django.conf import settings
from django.urls import get_resolver
from django.utils import translation


def warm() -> float:
    """Load the URLconf, every app's task module and the translation catalogs; returns seconds."""
    started = time.perf_counter()
    get_resolver().url_patterns  # noqa: B018 - imports every view module
    get_resolver().reverse_dict  # noqa: B018 - builds the reverse() lookup table once
    for config in apps.get_app_configs():
        if config.name.startswith("atiende."):
            try:
                importlib.import_module(f"{config.name}.tasks")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.tasks":
                    raise
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Ticket")  # loads the catalog of each language
    return time.perf_counter() - started
