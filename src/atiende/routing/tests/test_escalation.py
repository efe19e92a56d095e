"""Tiered escalation: by hand (reason + note), by rule (SLA events, category), bounce-backs, stats."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from atiende.accounts.choices import Role
from atiende.core import clock
from atiende.core.models import OutboxEvent
from atiende.routing import services
from atiende.routing.choices import Direction, EscalationTrigger, RuleTrigger
from atiende.routing.models import Escalation, EscalationRule
from atiende.routing.selectors import tier_stats
from atiende.routing.tests.factories import deliver_pending, make_agent, make_reason, make_routed_team, waiting_ticket
from atiende.tickets.choices import MessageKind, Status, Tier
from atiende.tickets.services import create_category, update_ticket

pytestmark = pytest.mark.django_db
DEADLINE = "2026-11-23T10:00:00+00:00"


def test_escalating_by_hand_needs_a_listed_reason_and_a_note() -> None:
    team, _ = make_routed_team()
    tier2, _ = make_routed_team()
    agent = make_agent(teams=[team, tier2])
    reason = make_reason()
    ticket = waiting_ticket(team, assignee=agent)
    with pytest.raises(ValidationError) as err:
        services.escalate(actor=agent, ticket=ticket, to_tier=2, reason=reason.code, note="  ")
    assert "note" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.escalate(actor=agent, ticket=ticket, to_tier=2, reason="made-up", note="tried a restart")
    assert "reason" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.escalate(actor=agent, ticket=ticket, to_tier=1, reason=reason.code, note="x")
    assert "to_tier" in err.value.message_dict

    row = services.escalate(
        actor=agent, ticket=ticket, to_tier=2, reason=reason.code, note="tried a restart", team=tier2
    )
    ticket.refresh_from_db()
    assert (ticket.tier, ticket.team_id, ticket.assignee_id) == (2, tier2.pk, None)  # handed off, unassigned
    assert (row.direction, row.from_tier, row.to_tier, row.reason, row.trigger) == ("up", 1, 2, reason, "manual")
    note = ticket.messages.filter(kind=MessageKind.NOTE).get()
    assert "tried a restart" in note.body_text


def test_light_agents_and_customers_cannot_escalate() -> None:
    team, _ = make_routed_team()
    light = make_agent(teams=[team], role=Role.LIGHT_AGENT)
    reason = make_reason()
    ticket = waiting_ticket(team)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.escalate(actor=light, ticket=ticket, to_tier=2, reason=reason.code, note="x")


def test_deescalation_back_down_is_a_bounce_back_and_stats_count_it() -> None:
    team, _ = make_routed_team()
    agent = make_agent(teams=[team])
    reason = make_reason()
    bounced = waiting_ticket(team)
    services.escalate(actor=agent, ticket=bounced, to_tier=2, reason=reason.code, note="over to you")
    back = services.deescalate(actor=agent, ticket=bounced, to_tier=1, reason=reason.code, note="tier 1 can do this")
    assert back.direction == Direction.DOWN and back.is_bounce_back

    stays = waiting_ticket(team)
    services.escalate(actor=agent, ticket=stays, to_tier=2, reason=reason.code, note="over to you")
    update_ticket(actor=agent, ticket=stays, status=Status.SOLVED)

    direct = waiting_ticket(team, tier=Tier.THIRD)
    down = services.deescalate(actor=agent, ticket=direct, to_tier=2, reason=reason.code, note="not for us")
    assert not down.is_bounce_back  # it never came from tier 2

    first_contact = waiting_ticket(team)
    update_ticket(actor=agent, ticket=first_contact, status=Status.SOLVED)
    reopened = waiting_ticket(team)
    update_ticket(actor=agent, ticket=reopened, status=Status.SOLVED)
    update_ticket(actor=agent, ticket=reopened, status=Status.OPEN)
    update_ticket(actor=agent, ticket=reopened, status=Status.SOLVED)

    stats = {row["tier"]: row for row in tier_stats()}
    assert stats[2]["escalated_in"] == 2 and stats[2]["bounced_back"] == 1
    assert stats[2]["bounce_back_rate"] == 0.5
    assert stats[1]["escalated_out"] == 2
    assert stats[1]["solved"] == 2 and stats[1]["first_contact"] == 1  # the reopened one is not
    assert stats[1]["first_contact_resolution_rate"] == 0.5
    assert stats[2]["solved"] == 1 and stats[2]["first_contact"] == 0  # escalated: not first contact
    assert stats[4]["first_contact_resolution_rate"] is None


def test_sla_events_and_categories_escalate_by_rule() -> None:
    team, _ = make_routed_team()
    reason = make_reason("sla", "SLA at risk")
    EscalationRule.objects.create(
        name="Breach to tier 3", trigger=RuleTrigger.SLA_BREACHED, to_tier=3, reason=reason, created_at=team.created_at
    )
    EscalationRule.objects.create(
        name="Warn first response",
        trigger=RuleTrigger.SLA_WARNING,
        sla_target="first_response",
        to_tier=2,
        created_at=team.created_at,
    )
    ticket = waiting_ticket(team)
    deliver_pending()
    sla_event("sla.warning", ticket_id=ticket.pk, target="resolution", policy_id=1, deadline=DEADLINE)
    deliver_pending()
    ticket.refresh_from_db()
    assert ticket.tier == 1  # the warning rule is only for first response
    sla_event("sla.warning", ticket_id=ticket.pk, target="first_response", policy_id=1, deadline=DEADLINE)
    deliver_pending()
    ticket.refresh_from_db()
    assert ticket.tier == 2
    sla_event("sla.breached", ticket_id=ticket.pk, target="first_response", policy_id=1, deadline=DEADLINE)
    sla_event("sla.breached", ticket_id=ticket.pk, target="resolution", policy_id=1, deadline=DEADLINE)
    deliver_pending()
    ticket.refresh_from_db()
    assert ticket.tier == 3
    rows = list(Escalation.objects.filter(ticket=ticket).values_list("trigger", "to_tier", "reason_text"))
    assert rows == [
        (EscalationTrigger.SLA_WARNING, 2, "Warn first response"),
        (EscalationTrigger.SLA_BREACHED, 3, "SLA at risk"),
    ]

    category = create_category(actor=None, name="Outage")
    EscalationRule.objects.create(
        name="Outages", trigger=RuleTrigger.CATEGORY, category=category, to_tier=3, created_at=team.created_at
    )
    outage = waiting_ticket(team, category=category)
    deliver_pending()
    outage.refresh_from_db()
    assert outage.tier == 3
    assert Escalation.objects.get(ticket=outage).trigger == EscalationTrigger.CATEGORY


def sla_event(type_name: str, **payload: object) -> None:
    """The sla app emits these (routing never imports it): an outbox row of that type and payload."""
    OutboxEvent.objects.create(type=type_name, payload=payload, created_at=clock.now())
