"""Periodic routing jobs: assign what waits, evaluate overflow rules."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from atiende.core.periodic import periodic
from atiende.routing.choices import Trigger
from atiende.routing.models import TeamRoutingConfig
from atiende.routing.services import assign_waiting, evaluate_all


@task()
def assign_team_queue(team_id: int) -> int:
    return assign_waiting(team_id=team_id, trigger=Trigger.PERIODIC)


@periodic(every=timedelta(minutes=1), name="routing.assign_waiting")
@task()
def assign_all_queues() -> int:
    """Catch-up: tickets that arrived while nobody had capacity, aged priority first."""
    team_ids = list(TeamRoutingConfig.objects.filter(auto_assign=True).values_list("team_id", flat=True))
    return sum(assign_waiting(team_id=team_id, trigger=Trigger.PERIODIC) for team_id in team_ids)


@periodic(every=timedelta(minutes=1), name="routing.evaluate_overflow")
@task()
def evaluate_overflow() -> int:
    return evaluate_all()
