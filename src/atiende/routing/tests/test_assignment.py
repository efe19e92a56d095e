"""Assignment through the services and the event subscribers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from atiende.accounts.choices import Role
from atiende.core import clock
from atiende.routing import services
from atiende.routing.choices import PresenceStatus, SkillKind, Strategy, Trigger
from atiende.routing.models import AgentState, PresenceLog, RoutingDecision
from atiende.routing.selectors import loads_of
from atiende.routing.tests.factories import deliver_pending, make_agent, make_routed_team, make_skill, waiting_ticket
from atiende.tickets.choices import Priority, Status
from atiende.tickets.services import create_category, update_ticket

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_presence_changes_close_and_open_log_rows_and_emit_events() -> None:
    team, _config = make_routed_team()
    with clock.frozen_at(T0):
        agent = make_agent(teams=[team], online=False)
        services.set_presence(actor=agent, agent=agent, status=PresenceStatus.ONLINE)
    with clock.frozen_at(T0 + timedelta(minutes=30)):
        services.set_presence(actor=agent, agent=agent, status=PresenceStatus.AWAY)
        services.set_presence(actor=agent, agent=agent, status=PresenceStatus.AWAY)  # no change, no row
    rows = list(
        PresenceLog.objects.filter(agent=agent)
        .order_by("started_at", "id")
        .values_list("status", "started_at", "ended_at")
    )
    assert rows == [("online", T0, T0 + timedelta(minutes=30)), ("away", T0 + timedelta(minutes=30), None)]
    from atiende.core.models import OutboxEvent

    events = list(
        OutboxEvent.objects.filter(type="routing.presence_changed")
        .order_by("created_at")
        .values_list("payload", flat=True)
    )
    assert [(e["status"], e["previous_status"]) for e in events] == [("online", "offline"), ("away", "online")]
    assert events[1]["agent_id"] == agent.pk and events[1]["at"].startswith("2026-11-23T09:30")


def test_only_managers_change_someone_elses_presence() -> None:
    team, _config = make_routed_team()
    agent = make_agent(teams=[team], online=False)
    other = make_agent(teams=[team], online=False)
    light = make_agent(teams=[team], online=False, role=Role.LIGHT_AGENT)
    supervisor = make_agent(teams=[], online=False, role=Role.SUPERVISOR)
    with pytest.raises(PermissionDenied):
        services.set_presence(actor=other, agent=agent, status="online")
    with pytest.raises(PermissionDenied):
        services.set_presence(actor=light, agent=agent, status="online")
    services.set_presence(actor=light, agent=light, status="online")
    services.set_presence(actor=supervisor, agent=agent, status="online")
    assert AgentState.objects.get(agent=agent).status == "online"
    with pytest.raises(ValidationError) as err:
        services.set_presence(actor=agent, agent=agent, status="sleeping")
    assert "status" in err.value.message_dict


def test_least_loaded_assignment_records_why_and_goes_through_update_ticket() -> None:
    team, _config = make_routed_team(strategy=Strategy.LEAST_LOADED)
    busy = make_agent(teams=[team])
    free = make_agent(teams=[team])
    first = waiting_ticket(team)
    update_ticket(actor=None, ticket=first, assignee=busy)
    ticket = waiting_ticket(team)
    decision = services.assign_ticket(ticket_id=ticket.pk, trigger=Trigger.CREATED)
    assert decision is not None and decision.agent_id == free.pk
    ticket.refresh_from_db()
    assert ticket.assignee_id == free.pk and ticket.status == Status.OPEN
    assert ticket.history.filter(field="assignee", new_value=free.pk).exists()
    assert decision.reason["strategy"] == "least_loaded"
    assert [c["agent_id"] for c in decision.reason["candidates"]] == [free.pk, busy.pk]
    assert services.assign_ticket(ticket_id=ticket.pk, trigger=Trigger.CREATED) is None  # not twice


def test_offline_agents_and_other_teams_get_nothing() -> None:
    team, _config = make_routed_team()
    other_team, _ = make_routed_team()
    make_agent(teams=[team], online=False)
    make_agent(teams=[other_team])
    ticket = waiting_ticket(team)
    assert services.assign_ticket(ticket_id=ticket.pk, trigger=Trigger.CREATED) is None
    ticket.refresh_from_db()
    assert ticket.assignee_id is None


def test_capacity_is_never_exceeded_by_a_batch() -> None:
    team, _config = make_routed_team(strategy=Strategy.ROUND_ROBIN)
    a = make_agent(teams=[team], capacity={"chat": 2, "email": 15, "call": 1})
    b = make_agent(teams=[team], capacity={"chat": 3, "email": 15, "call": 1})
    for _ in range(10):
        waiting_ticket(team, channel="chat")
    assert services.assign_waiting(team_id=team.pk) == 5
    loads = loads_of([a.pk, b.pk])
    assert loads[a.pk] == {"chat": 2.0} and loads[b.pk] == {"chat": 3.0}
    assert services.assign_waiting(team_id=team.pk) == 0


def test_skills_based_routing_follows_requirements() -> None:
    team, _config = make_routed_team(strategy=Strategy.SKILLS_BASED)
    spanish = make_skill("es", SkillKind.LANGUAGE)
    billing = make_skill("Billing", SkillKind.CATEGORY)
    category = create_category(actor=None, name="Invoices")
    services.add_requirement(actor=None, skill=billing, min_level=3, category=category)
    services.add_requirement(actor=None, skill=spanish, min_level=2, language="es")
    make_agent(teams=[team], skills={billing: 5})  # no Spanish
    good = make_agent(teams=[team], skills={billing: 3, spanish: 3})
    best = make_agent(teams=[team], skills={billing: 5, spanish: 4})
    from atiende.contacts.tests.factories import make_contact

    requester = make_contact(language="es")
    ticket = waiting_ticket(team, category=category, requester=requester)
    decision = services.assign_ticket(ticket_id=ticket.pk, trigger=Trigger.CREATED)
    assert decision is not None and decision.agent_id == best.pk
    assert decision.reason["excluded"]["skills"] == 1
    assert [c["agent_id"] for c in decision.reason["candidates"]] == [best.pk, good.pk]


def test_priority_aging_serves_an_old_low_ticket_first() -> None:
    team, _config = make_routed_team(aging_minutes=30)
    with clock.frozen_at(T0):
        old_low = waiting_ticket(team, priority=Priority.LOW)
    with clock.frozen_at(T0 + timedelta(hours=3)):
        new_high = waiting_ticket(team, priority=Priority.HIGH)
        make_agent(teams=[team], capacity={"email": 1, "chat": 1, "call": 1})
        assert services.assign_waiting(team_id=team.pk) == 1
    old_low.refresh_from_db()
    new_high.refresh_from_db()
    assert old_low.assignee_id is not None and new_high.assignee_id is None


def test_take_next_pulls_the_most_urgent_ticket_within_capacity() -> None:
    team, _config = make_routed_team(auto_assign=False)
    agent = make_agent(teams=[team], online=False, capacity={"email": 3, "chat": 1, "call": 1})
    with clock.frozen_at(T0):
        normal = waiting_ticket(team)
        urgent = waiting_ticket(team, priority=Priority.URGENT)
    with clock.frozen_at(T0 + timedelta(minutes=1)):
        assert services.take_next(actor=agent) == urgent
        second = services.take_next(actor=agent)
        assert second == normal
        waiting_ticket(team)
        assert services.take_next(actor=agent) is None  # full: the urgent one weighs 2, the normal one 1
    decision = RoutingDecision.objects.filter(ticket=urgent).get()
    assert decision.trigger == Trigger.TAKE_NEXT and decision.actor_id == agent.pk


def test_light_agents_cannot_take_next() -> None:
    team, _config = make_routed_team()
    light = make_agent(teams=[team], role=Role.LIGHT_AGENT)
    waiting_ticket(team)
    with pytest.raises(ValidationError):
        services.take_next(actor=light)


def test_events_assign_on_creation_when_online_and_when_capacity_frees() -> None:
    team, _config = make_routed_team()
    agent = make_agent(teams=[team], online=False, capacity={"email": 1, "chat": 1, "call": 1})
    first = waiting_ticket(team)
    second = waiting_ticket(team)
    deliver_pending()
    first.refresh_from_db()
    assert first.assignee_id is None  # nobody online
    services.set_presence(actor=agent, agent=agent, status="online")
    deliver_pending()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.assignee_id == agent.pk and second.assignee_id is None
    assert RoutingDecision.objects.get(ticket=first).trigger == Trigger.PRESENCE
    update_ticket(actor=agent, ticket=first, status=Status.SOLVED)
    deliver_pending()
    second.refresh_from_db()
    assert second.assignee_id == agent.pk
    assert RoutingDecision.objects.get(ticket=second).trigger == Trigger.CAPACITY


def test_a_new_ticket_is_assigned_when_its_event_is_delivered() -> None:
    team, _config = make_routed_team()
    agent = make_agent(teams=[team])
    deliver_pending()
    ticket = waiting_ticket(team)
    deliver_pending()
    ticket.refresh_from_db()
    assert ticket.assignee_id == agent.pk
    assert RoutingDecision.objects.get(ticket=ticket).trigger == Trigger.CREATED


def test_manual_assignment_is_recorded() -> None:
    team, _config = make_routed_team(auto_assign=False)
    agent = make_agent(teams=[team])
    supervisor = make_agent(teams=[team], role=Role.SUPERVISOR)
    ticket = waiting_ticket(team)
    update_ticket(actor=supervisor, ticket=ticket, assignee=agent)
    deliver_pending()
    decision = RoutingDecision.objects.get(ticket=ticket)
    assert decision.strategy == "manual" and decision.actor_id == supervisor.pk and decision.agent_id == agent.pk
    other = waiting_ticket(team)
    services.assign_manually(actor=supervisor, ticket=other, agent=agent)
    deliver_pending()
    assert RoutingDecision.objects.filter(ticket=other).count() == 1  # not recorded twice
