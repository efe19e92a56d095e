"""Routing API: permissions by role, presence, escalation, decisions, stats, query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from atiende.accounts.choices import Role
from atiende.accounts.models import User
from atiende.contacts.tests.factories import make_customer
from atiende.routing import services
from atiende.routing.choices import Strategy, Trigger
from atiende.routing.models import (
    AgentState,
    EscalationReason,
    OverflowRule,
    PresenceLog,
    RoutingDecision,
    Skill,
)
from atiende.routing.tests.factories import make_agent, make_reason, make_routed_team, waiting_ticket

pytestmark = pytest.mark.django_db
API = "/api/v1/routing"


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def desk() -> dict[str, object]:
    team, _ = make_routed_team(strategy=Strategy.LEAST_LOADED)
    other_team, _ = make_routed_team()
    return {
        "team": team,
        "other_team": other_team,
        "agent": make_agent(teams=[team]),
        "other": make_agent(teams=[other_team]),
        "light": make_agent(teams=[team], role=Role.LIGHT_AGENT),
        "supervisor": make_agent(teams=[], role=Role.SUPERVISOR),
        "customer": make_customer(email="carla@customer.test")[0],
    }


ENDPOINTS = [
    "skills", "agent-skills", "skill-requirements", "presence", "presence-log", "teams", "decisions",
    "overflow-rules", "diversions", "callbacks", "shadow-policies", "escalation-reasons", "escalation-rules",
    "escalations", "escalations/tier-stats", "presence/me",
]  # fmt: skip


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_customers_and_anonymous_get_nothing(desk: dict[str, object], endpoint: str) -> None:
    assert client_for(desk["customer"]).get(f"{API}/{endpoint}/").status_code == 403  # type: ignore[arg-type]
    assert APIClient().get(f"{API}/{endpoint}/").status_code in (401, 403)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_agents_can_read(desk: dict[str, object], endpoint: str) -> None:
    assert client_for(desk["agent"]).get(f"{API}/{endpoint}/").status_code == 200  # type: ignore[arg-type]


def test_my_presence_and_others_presence(desk: dict[str, object]) -> None:
    light: User = desk["light"]  # type: ignore[assignment]
    agent: User = desk["agent"]  # type: ignore[assignment]
    client = client_for(light)
    res = client.put(f"{API}/presence/me/", {"status": "away"}, format="json")
    assert res.status_code == 200 and res.json()["status"] == "away"
    assert PresenceLog.objects.get(agent=light, ended_at__isnull=True).status == "away"
    bad = client.put(f"{API}/presence/me/", {"status": "asleep"}, format="json")
    assert bad.status_code == 400 and "status" in str(bad.json())
    state = AgentState.objects.get(agent=agent)
    assert client.patch(f"{API}/presence/{state.pk}/", {"status": "offline"}, format="json").status_code == 403
    capacity = client_for(agent).patch(f"{API}/presence/{state.pk}/", {"capacity": {"chat": 9}}, format="json")
    assert capacity.status_code == 403  # agents do not set capacity
    res = client_for(desk["supervisor"]).patch(  # type: ignore[arg-type]
        f"{API}/presence/{state.pk}/", {"status": "offline", "capacity": {"chat": 5}}, format="json"
    )
    assert res.status_code == 200 and res.json()["status"] == "offline" and res.json()["capacity"]["chat"] == 5


def test_configuration_is_for_managers(desk: dict[str, object]) -> None:
    payload = {"name": "Portuguese", "kind": "language"}
    assert client_for(desk["agent"]).post(f"{API}/skills/", payload, format="json").status_code == 403  # type: ignore[arg-type]
    res = client_for(desk["supervisor"]).post(f"{API}/skills/", payload, format="json")  # type: ignore[arg-type]
    assert res.status_code == 201
    again = client_for(desk["supervisor"]).post(f"{API}/skills/", payload, format="json")  # type: ignore[arg-type]
    assert again.status_code == 400 and "name" in str(again.json())
    rule = {
        "team": desk["team"].pk,  # type: ignore[attr-defined]
        "name": "Divert",
        "condition": "queue_size",
        "threshold": 5,
        "action": "divert_team",
    }  # type: ignore[attr-defined]
    res = client_for(desk["supervisor"]).post(f"{API}/overflow-rules/", rule, format="json")  # type: ignore[arg-type]
    assert res.status_code == 400 and "target_team" in str(res.json())


def test_escalate_through_the_api_and_read_tier_stats(desk: dict[str, object]) -> None:
    reason = make_reason()
    ticket = waiting_ticket(desk["team"])  # type: ignore[arg-type]
    body = {"ticket": ticket.pk, "to_tier": 2, "reason": reason.code, "note": ""}
    res = client_for(desk["agent"]).post(f"{API}/escalations/", body, format="json")  # type: ignore[arg-type]
    assert res.status_code == 400 and "note" in str(res.json())
    body["note"] = "Needs a database fix"
    assert client_for(desk["light"]).post(f"{API}/escalations/", body, format="json").status_code == 403  # type: ignore[arg-type]
    foreign = client_for(desk["other"]).post(f"{API}/escalations/", body, format="json")  # type: ignore[arg-type]
    assert foreign.status_code == 400 and "ticket" in str(foreign.json())  # not in their scope: "does not exist"
    res = client_for(desk["agent"]).post(f"{API}/escalations/", body, format="json")  # type: ignore[arg-type]
    assert res.status_code == 201 and res.json()["to_tier"] == 2 and res.json()["direction"] == "up"
    back = {**body, "direction": "down", "to_tier": 1}
    res = client_for(desk["agent"]).post(f"{API}/escalations/", back, format="json")  # type: ignore[arg-type]
    assert res.status_code == 201 and res.json()["is_bounce_back"] is True
    stats = client_for(desk["agent"]).get(f"{API}/escalations/tier-stats/").json()  # type: ignore[arg-type]
    tier2 = next(row for row in stats if row["tier"] == 2)
    assert tier2["escalated_in"] == 1 and tier2["bounce_back_rate"] == 1.0
    bad = client_for(desk["agent"]).get(f"{API}/escalations/tier-stats/?since=yesterday")  # type: ignore[arg-type]
    assert bad.status_code == 400 and "since" in str(bad.json())


def test_decisions_are_scoped_and_listed_in_constant_queries(desk: dict[str, object]) -> None:
    team = desk["team"]
    for _ in range(3):
        services.assign_ticket(ticket_id=waiting_ticket(team).pk, trigger=Trigger.CREATED)  # type: ignore[arg-type]
    client = client_for(desk["agent"])  # type: ignore[arg-type]
    client.get(f"{API}/decisions/")  # warm up
    with CaptureQueriesContext(connection) as few:
        res = client.get(f"{API}/decisions/")
    assert len(res.json()["results"]) == 3
    for _ in range(6):
        services.assign_ticket(ticket_id=waiting_ticket(team).pk, trigger=Trigger.CREATED)  # type: ignore[arg-type]
    with CaptureQueriesContext(connection) as many:
        res = client.get(f"{API}/decisions/")
    assert len(res.json()["results"]) == 9
    assert len(many) == len(few)
    ticket_id = res.json()["results"][0]["ticket"]["id"]
    assert res.json()["results"][0]["reason"]["strategy"] == "least_loaded"
    assert client_for(desk["other"]).get(f"{API}/decisions/?ticket={ticket_id}").json()["results"] == []  # type: ignore[arg-type]
    assert client.get(f"{API}/decisions/?ticket=x").status_code == 400
    assert RoutingDecision.objects.count() == 9


def test_take_next_through_the_api(desk: dict[str, object]) -> None:
    services.configure_team(actor=None, team=desk["team"], auto_assign=False)  # type: ignore[arg-type]
    ticket = waiting_ticket(desk["team"])  # type: ignore[arg-type]
    res = client_for(desk["agent"]).post(f"{API}/decisions/take-next/")  # type: ignore[arg-type]
    assert res.status_code == 200 and res.json()["ticket"]["id"] == ticket.pk
    assert client_for(desk["agent"]).post(f"{API}/decisions/take-next/").json()["ticket"] is None  # type: ignore[arg-type]
    assert client_for(desk["customer"]).post(f"{API}/decisions/take-next/").status_code == 403  # type: ignore[arg-type]


def test_escalation_rules_are_created_by_managers_through_the_service(desk: dict[str, object]) -> None:
    body = {"name": "Outages", "trigger": "category", "to_tier": 3}
    assert client_for(desk["agent"]).post(f"{API}/escalation-rules/", body, format="json").status_code == 403  # type: ignore[arg-type]
    res = client_for(desk["supervisor"]).post(f"{API}/escalation-rules/", body, format="json")  # type: ignore[arg-type]
    assert res.status_code == 400 and "category" in str(res.json())
    body = {"name": "Breach", "trigger": "sla_breached", "sla_target": "resolution", "to_tier": 2}
    res = client_for(desk["supervisor"]).post(f"{API}/escalation-rules/", body, format="json")  # type: ignore[arg-type]
    assert res.status_code == 201 and res.json()["sla_target"] == "resolution"
    assert client_for(desk["agent"]).get(f"{API}/escalation-rules/").json()["results"] == []  # type: ignore[arg-type]


def _grow(desk: dict[str, object], n: int) -> None:
    team = desk["team"]
    reason = EscalationReason.objects.first() or make_reason()
    skill = Skill.objects.first() or services.save_skill(actor=None, name="French", kind="language")
    rule = OverflowRule.objects.first() or services.save_overflow_rule(
        actor=None, team=team, name="Offer", condition="queue_size", threshold=0, action="offer_callback"
    )
    for _ in range(n):
        ticket = waiting_ticket(team)  # type: ignore[arg-type]
        services.escalate(actor=desk["agent"], ticket=ticket, to_tier=2, reason=reason.code, note="over")  # type: ignore[arg-type]
        extra = make_agent(teams=[team])  # type: ignore[list-item]
        services.set_agent_skill(actor=None, agent=extra, skill=skill, level=3)
    services.evaluate_rule(rule)


@pytest.mark.parametrize(
    "endpoint", ["escalations", "agent-skills", "presence", "presence-log", "diversions", "callbacks", "decisions"]
)
def test_list_endpoints_take_a_fixed_number_of_queries(desk: dict[str, object], endpoint: str) -> None:
    client = client_for(desk["supervisor"])  # type: ignore[arg-type]
    _grow(desk, 2)
    client.get(f"{API}/{endpoint}/")
    with CaptureQueriesContext(connection) as few:
        first = client.get(f"{API}/{endpoint}/")
    _grow(desk, 5)
    with CaptureQueriesContext(connection) as many:
        second = client.get(f"{API}/{endpoint}/")
    assert first.status_code == second.status_code == 200
    assert len(second.json()["results"]) >= len(first.json()["results"])
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]
