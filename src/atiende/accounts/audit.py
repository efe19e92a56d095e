"""Write audit-log rows. Services call :func:`record` inside their transaction."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from atiende.accounts.models import AuditLog, User
from atiende.core import clock
from atiende.core.context import client_ip
from atiende.core.deferred import defer


def _plain(values: dict[str, Any] | None) -> dict[str, Any]:
    return json.loads(json.dumps(values or {}, cls=DjangoJSONEncoder, default=str))


def record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    label: str | None = None,
) -> AuditLog:
    """``label``: how to show ``obj`` when the caller knows it already (``str(obj)`` may query).

    Inside a :func:`~atiende.core.deferred.deferred_inserts` block (a batch of intake) the
    row is inserted with the block's others when it ends, and has no ``pk`` before.
    """
    row = AuditLog(
        at=clock.now(),
        actor=actor,
        actor_label=actor.email if actor is not None else "system",
        ip=client_ip(),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=(str(obj) if label is None else label)[:200],
        before=_plain(before),
        after=_plain(after),
    )
    if not defer(row):
        row.save(force_insert=True)
    return row


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keep only the keys whose value changed."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
