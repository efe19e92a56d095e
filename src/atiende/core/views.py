"""Health endpoint: database, task backend and cache, as JSON."""

from __future__ import annotations

import time
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends


def _check(fn: Any) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        info = fn() or {}
        return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1), **info}
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__, "detail": str(exc)[:200]}


def _database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def _tasks() -> dict[str, Any]:
    # The backend itself: ``default_task_backend`` is a proxy whose type is ConnectionProxy.
    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    name = type(backend).__name__
    if name == "RQBackend":
        from redis import Redis

        Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
    elif name == "DatabaseBackend":
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.exists()
    return {"backend": name}


def _cache() -> dict[str, Any]:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return the value just written")
    cache.delete(key)
    return {"backend": str(settings.CACHES["default"]["BACKEND"]).rsplit(".", 1)[-1]}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check(_database), "tasks": _check(_tasks), "cache": _check(_cache)}
    ok = all(c["ok"] for c in checks.values())
    return JsonResponse({"status": "ok" if ok else "error", **checks}, status=200 if ok else 503)
