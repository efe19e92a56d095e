"""Overflow and diversion rules; shadow policies and their report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from atiende.core import clock
from atiende.core.models import OutboxEvent
from atiende.routing import services
from atiende.routing.choices import OverflowAction, OverflowCondition, Strategy
from atiende.routing.models import CallbackRequest, Diversion, Escalation, RoutingDecision, ShadowDecision
from atiende.routing.selectors import shadow_report
from atiende.routing.tests.factories import deliver_pending, make_agent, make_routed_team, waiting_ticket
from atiende.tickets.choices import MessageKind
from atiende.tickets.services import add_message

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_oldest_wait_diverts_to_another_team_once_with_its_reason() -> None:
    team, _ = make_routed_team(auto_assign=False)
    backup, _ = make_routed_team(auto_assign=False)
    rule = services.save_overflow_rule(
        actor=None,
        team=team,
        name="Slow queue",
        condition=OverflowCondition.OLDEST_WAIT,
        threshold=20,
        action=OverflowAction.DIVERT_TEAM,
        target_team=backup,
    )
    with clock.frozen_at(T0):
        old = waiting_ticket(team)
    with clock.frozen_at(T0 + timedelta(minutes=15)):
        fresh = waiting_ticket(team)
    with clock.frozen_at(T0 + timedelta(minutes=25)):
        assert services.evaluate_all() == 1
        assert services.evaluate_all() == 0  # once per ticket and rule
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.team_id == backup.pk and fresh.team_id == team.pk
    diversion = Diversion.objects.get()
    assert diversion.reason["condition"] == "oldest_wait" and diversion.reason["waited_seconds"] == 25 * 60
    event = OutboxEvent.objects.get(type="routing.diverted")
    assert event.payload == {
        "ticket_id": old.pk,
        "team_id": team.pk,
        "rule_id": rule.pk,
        "action": "divert_team",
        "reason": diversion.reason,
    }


def test_queue_size_offers_callbacks_to_the_excess() -> None:
    team, _ = make_routed_team(auto_assign=False)
    services.save_overflow_rule(
        actor=None,
        team=team,
        name="Too many",
        condition=OverflowCondition.QUEUE_SIZE,
        threshold=2,
        action=OverflowAction.OFFER_CALLBACK,
    )
    tickets = [waiting_ticket(team) for _ in range(5)]
    assert services.evaluate_team(team.pk) == 3
    assert set(CallbackRequest.objects.values_list("ticket_id", flat=True)) == {t.pk for t in tickets[2:]}


def test_nobody_online_sends_the_configured_message_as_a_public_reply() -> None:
    team, _ = make_routed_team(auto_assign=False)
    sender = make_agent(teams=[team], online=False)
    with pytest.raises(ValidationError) as err:
        services.save_overflow_rule(
            actor=None,
            team=team,
            name="Closed",
            condition=OverflowCondition.NOBODY_ONLINE,
            action=OverflowAction.SEND_MESSAGE,
        )
    assert "message" in err.value.message_dict
    services.save_overflow_rule(
        actor=None,
        team=team,
        name="Closed",
        condition=OverflowCondition.NOBODY_ONLINE,
        action=OverflowAction.SEND_MESSAGE,
        message="We are away; we answer first thing tomorrow.",
        sender=sender,
    )
    ticket = waiting_ticket(team)
    deliver_pending()  # evaluated on the ticket.created event
    reply = ticket.messages.filter(kind=MessageKind.REPLY, author_user=sender).get()
    assert reply.body_text == "We are away; we answer first thing tomorrow."
    services.set_presence(actor=None, agent=sender, status="online")
    other = waiting_ticket(team)
    assert services.evaluate_team(team.pk) == 0
    assert not other.messages.filter(author_user=sender).exists()


def test_divert_to_a_tier_records_an_escalation() -> None:
    team, _ = make_routed_team(auto_assign=False)
    services.save_overflow_rule(
        actor=None,
        team=team,
        name="Nobody",
        condition=OverflowCondition.NOBODY_ONLINE,
        action=OverflowAction.DIVERT_TIER,
        target_tier=2,
    )
    ticket = waiting_ticket(team)
    services.evaluate_team(team.pk)
    ticket.refresh_from_db()
    assert ticket.tier == 2
    assert Escalation.objects.get(ticket=ticket).trigger == "overflow"


def test_shadow_policy_records_without_acting_and_reports() -> None:
    team, _ = make_routed_team(strategy=Strategy.LEAST_LOADED)
    a = make_agent(teams=[team])
    b = make_agent(teams=[team])
    policy = services.save_shadow_policy(
        actor=None, name="Try round-robin", strategy=Strategy.ROUND_ROBIN, first_response_minutes=10
    )
    deliver_pending()
    with clock.frozen_at(T0):
        tickets = [waiting_ticket(team) for _ in range(4)]
        deliver_pending()
    assert ShadowDecision.objects.filter(policy=policy).count() == 4
    assert all(RoutingDecision.objects.filter(ticket=t).count() == 1 for t in tickets)  # only the live policy acted
    with clock.frozen_at(T0 + timedelta(minutes=5)):
        for t in tickets[:2]:
            t.refresh_from_db()
            assignee = a if t.assignee_id == a.pk else b
            add_message(actor=assignee, ticket=t, body="On it")
    with clock.frozen_at(T0 + timedelta(minutes=20)):
        for t in tickets[2:]:
            t.refresh_from_db()
            add_message(actor=a if t.assignee_id == a.pk else b, ticket=t, body="Sorry for the wait")
        report = shadow_report(policy, since=T0 - timedelta(days=1))
    assert report["tickets"] == 4 and report["compared"] == 4
    assert report["live"]["sla_met_rate"] == 0.5
    assert report["live"]["load"]["agents"] == 2 and report["live"]["load"]["max"] == 2
    assert report["shadow"]["load"]["agents"] >= 1
    assert 0 <= report["agreement_rate"] <= 1
