"""Periodic SLA sweep: warnings and breaches of what has come due."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from atiende.core.periodic import periodic
from atiende.sla.services import sweep


@periodic(every=timedelta(minutes=1), name="sla.sweep")
@task()
def sweep_due_targets() -> dict[str, int]:
    result = sweep()
    return {"warned": result.warned, "breached": result.breached}
