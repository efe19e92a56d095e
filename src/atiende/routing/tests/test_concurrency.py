"""Concurrent routers: processes with their own database connections race to assign the
same waiting tickets. No ticket is assigned twice and no agent goes past capacity
(PostgreSQL: SKIP LOCKED on tickets + a lock on the agent's row; SQLite: IMMEDIATE
transactions serialize the writers). Runs on PostgreSQL when DATABASE_URL points there."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest
from django.db import connection

from atiende.routing.choices import Strategy
from atiende.routing.models import RoutingDecision, TeamRoutingConfig
from atiende.routing.selectors import loads_of
from atiende.routing.tests.factories import make_agent, make_routed_team, waiting_ticket
from atiende.tickets.models import Ticket, TicketHistory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

CHILD = textwrap.dedent(
    """
    import os, random, sys, time, django
    os.environ["DJANGO_SETTINGS_MODULE"] = "atiende.config.settings"
    django.setup()
    from atiende.routing.services import assign_ticket, assign_waiting
    team_id, start_at, seed = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
    ids = [int(x) for x in sys.argv[4].split(",")]
    random.Random(seed).shuffle(ids)
    while time.time() < start_at:
        time.sleep(0.005)
    done = 0
    if seed == 0:
        done = assign_waiting(team_id=team_id, trigger="periodic")
    else:
        for ticket_id in ids:
            done += assign_ticket(ticket_id=ticket_id, trigger="periodic") is not None
    print("assigned", done)
    """
)


def database_url() -> str:
    cfg = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{cfg['NAME']}"
    password = f":{cfg['PASSWORD']}" if cfg.get("PASSWORD") else ""
    return f"postgres://{cfg['USER']}{password}@{cfg['HOST'] or '127.0.0.1'}:{cfg['PORT'] or 5432}/{cfg['NAME']}"


def test_concurrent_routers_never_double_assign_or_exceed_capacity() -> None:
    team, _config = make_routed_team(strategy=Strategy.LEAST_LOADED, auto_assign=False)
    agents = [make_agent(teams=[team], capacity={"call": 1, "chat": 2, "email": 15}) for _ in range(3)]
    tickets = [waiting_ticket(team, channel="chat") for _ in range(24)]
    TeamRoutingConfig.objects.filter(team=team).update(auto_assign=True)
    ids = ",".join(str(t.pk) for t in tickets)
    env = {**os.environ, "DATABASE_URL": database_url(), "ATIENDE_TESTING": "1"}
    start_at = time.time() + 4  # every process has loaded Django by then
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(team.pk), str(start_at), str(n), ids],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    outputs = [p.communicate(timeout=180) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err[-3000:]
        assert "database is locked" not in err
    claimed = sum(int(out.split()[-1]) for out, _err in outputs)

    assert Ticket.objects.filter(pk__in=[t.pk for t in tickets], assignee__isnull=False).count() == 6
    assert claimed == 6
    decisions = list(RoutingDecision.objects.values_list("ticket_id", flat=True))
    assert len(decisions) == 6 and len(set(decisions)) == 6
    assert TicketHistory.objects.filter(field="assignee", ticket__in=tickets).count() == 6
    loads = loads_of([a.pk for a in agents])
    assert all(load == {"chat": 2.0} for load in loads.values()), loads
