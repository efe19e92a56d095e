"""Fixtures of the routing tests."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core.cache import cache

from atiende.routing import selectors


@pytest.fixture(autouse=True)
def _own_cache(settings: Any) -> None:
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"routing-{uuid.uuid4()}"}
    }
    cache.clear()
    # Database ids are reused after each test's rollback: no snapshot may outlive its test.
    selectors._snapshots.clear()
    selectors._requirements.clear()
