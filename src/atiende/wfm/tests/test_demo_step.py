"""The demo step: templates, work rules and a known event, through the services."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_user
from atiende.demo import extras
from atiende.demo import wfm as demo_wfm
from atiende.wfm.models import AgentWorkRule, ForecastEvent, ShiftTemplate

pytestmark = pytest.mark.django_db


def test_demo_step_sets_up_templates_rules_and_an_event() -> None:
    assert demo_wfm.setup in extras.STEPS
    loader = SimpleNamespace(
        users={"sofia.romero": make_user(role=Role.AGENT), "carmen.vidal": make_user(role=Role.AGENT)}
    )
    demo_wfm.setup(loader)
    assert ShiftTemplate.objects.count() == len(demo_wfm.TEMPLATES)
    rules = {r.agent_id: r for r in AgentWorkRule.objects.all()}
    assert len(rules) == 2
    carmen = rules[loader.users["carmen.vidal"].pk]
    assert carmen.channels == ["email", "phone"] and len(carmen.availability) == 5
    assert ForecastEvent.objects.get().factor == 1.8
