"""The demo desk comes with routing configured and a presence history WFM can read."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from atiende.core import clock
from atiende.demo.loader import load_demo
from atiende.routing.models import AgentSkill, EscalationReason, PresenceLog, ShadowPolicy, TeamRoutingConfig

pytestmark = pytest.mark.django_db
TODAY = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # a Friday afternoon


def test_demo_sets_up_routing_and_presence_history() -> None:
    with clock.frozen_at(TODAY):
        summary = load_demo(seed=3, tickets=12, progress=False, days=5)
    assert summary.errors == []
    assert TeamRoutingConfig.objects.count() == 3
    assert AgentSkill.objects.exists() and EscalationReason.objects.count() == 4
    assert ShadowPolicy.objects.filter(is_active=True).count() == 1
    agents = set(PresenceLog.objects.values_list("agent_id", flat=True))
    assert len(agents) >= 10
    for agent_id in agents:  # one open period each, the rest closed and in order
        rows = list(PresenceLog.objects.filter(agent_id=agent_id).order_by("started_at", "id"))
        assert sum(r.ended_at is None for r in rows) == 1
        assert all(a.ended_at == b.started_at for a, b in itertools.pairwise(rows))
        assert all(r.started_at <= TODAY for r in rows)
