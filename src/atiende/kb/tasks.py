"""Periodic jobs of the knowledge base."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from atiende.core.periodic import periodic
from atiende.kb import services


@periodic(every=timedelta(minutes=15), name="kb.settle_deflection")
@task()
def settle_deflection() -> int:
    """Searches and suggestions older than 24 h with no request after them: deflected."""
    return services.settle_deflection()


@periodic(every=timedelta(hours=6), name="kb.remind_stale")
@task()
def remind_stale() -> int:
    """Remind owners of published articles that are due for review (in-app notice)."""
    return services.remind_stale()
