"""Reactions of routing to events: assign on arrival, on team change, when an agent comes
online or frees capacity; shadow policies; overflow; escalation rules (SLA and category).

Every handler is idempotent: assignment re-checks ``assignee IS NULL`` under a lock,
shadow decisions and diversions are unique per ticket, escalation rules only move a
ticket up to a tier it is not yet at. Handlers return after one cheap query when the
desk has nothing configured (the demo loads 2,000 tickets through these).
"""

from __future__ import annotations

from typing import Any

from atiende.core.events import subscribe
from atiende.core.models import OutboxEvent
from atiende.routing.choices import EscalationTrigger, PresenceStatus, RuleTrigger, Trigger
from atiende.routing.models import EscalationRule, OverflowRule, RoutingDecision, ShadowPolicy, TeamRoutingConfig
from atiende.routing.selectors import ACTIVE_STATUSES
from atiende.routing.services import assignment, overflow, shadow
from atiende.routing.services.escalation import escalate
from atiende.tickets.models import Ticket


def _route(ticket_id: int, team_id: int, trigger: str) -> None:
    if ShadowPolicy.objects.filter(is_active=True).exists():
        shadow.evaluate_shadow(ticket_id=ticket_id)
    if TeamRoutingConfig.objects.filter(team_id=team_id, auto_assign=True).exists():
        assignment.assign_ticket(ticket_id=ticket_id, trigger=trigger)
    if OverflowRule.objects.filter(team_id=team_id, is_active=True).exists():
        overflow.evaluate_team(team_id)


@subscribe("ticket.created", name="routing.ticket_created")
def on_ticket_created(event: OutboxEvent) -> None:
    payload = event.payload
    ticket_id, team_id = payload.get("ticket_id"), payload.get("team_id")
    if payload.get("category_id"):
        _category_rules(ticket_id, payload["category_id"])
    if team_id and not payload.get("assignee_id"):
        _route(ticket_id, team_id, Trigger.CREATED)


def _new(changes: dict[str, Any], field: str) -> Any:
    pair = changes.get(field)
    return pair[1] if isinstance(pair, list) and len(pair) == 2 else None


def _old(changes: dict[str, Any], field: str) -> Any:
    pair = changes.get(field)
    return pair[0] if isinstance(pair, list) and len(pair) == 2 else None


@subscribe("ticket.updated", name="routing.ticket_updated")
def on_ticket_updated(event: OutboxEvent) -> None:
    changes = event.changes or {}
    ticket_id = event.payload.get("ticket_id")
    if not ({"team", "assignee", "status", "category"} & set(changes)):
        return
    row = Ticket.objects.filter(pk=ticket_id).values("team_id", "assignee_id", "status").first()
    if row is None:
        return
    if "category" in changes and _new(changes, "category"):
        _category_rules(ticket_id, _new(changes, "category"))
    if "assignee" in changes and row["assignee_id"] is not None and event.actor_id is not None:
        _record_manual(ticket_id, row["assignee_id"], event.actor_id)
    # The previous assignee freed capacity: give them the next waiting ticket.
    freed = _old(changes, "assignee") if "assignee" in changes else row["assignee_id"]
    status_freed = "status" in changes and _new(changes, "status") not in ACTIVE_STATUSES
    if freed and (status_freed or "assignee" in changes) and row["team_id"]:
        assignment.assign_waiting(team_id=row["team_id"], trigger=Trigger.CAPACITY, agent_ids=[freed], limit=50)
    waiting = row["assignee_id"] is None and row["status"] in ACTIVE_STATUSES and row["team_id"]
    if waiting and ({"team", "assignee"} & set(changes) or "status" in changes):
        _route(ticket_id, row["team_id"], Trigger.UPDATED)


def _record_manual(ticket_id: int, agent_id: int, actor_id: int) -> None:
    """A person assigned the ticket outside routing (ticket page, API, bulk edit)."""
    latest = (
        RoutingDecision.objects.filter(ticket_id=ticket_id).order_by("-id").values_list("agent_id", flat=True).first()
    )
    if latest == agent_id:
        return  # routing, take next or assign_manually already said why
    from atiende.accounts.models import User

    ticket = Ticket.objects.get(pk=ticket_id)
    assignment.record_manual(ticket=ticket, agent_id=agent_id, actor=User.objects.filter(pk=actor_id).first())


@subscribe("routing.presence_changed", name="routing.presence_changed")
def on_presence_changed(event: OutboxEvent) -> None:
    from atiende.accounts.models import Team

    agent_id = event.payload.get("agent_id")
    team_ids = list(Team.objects.filter(members=agent_id).values_list("pk", flat=True))
    if event.payload.get("status") == PresenceStatus.ONLINE:
        for team_id in team_ids:
            assignment.assign_waiting(team_id=team_id, trigger=Trigger.PRESENCE, agent_ids=[agent_id], limit=50)
    else:
        for team_id in (
            OverflowRule.objects.filter(team_id__in=team_ids, is_active=True)
            .values_list("team_id", flat=True)
            .distinct()
        ):
            overflow.evaluate_team(team_id)


def _category_rules(ticket_id: int, category_id: int) -> None:
    rules = EscalationRule.objects.filter(trigger=RuleTrigger.CATEGORY, category_id=category_id, is_active=True)
    for rule in rules.select_related("reason", "to_team").order_by("-to_tier", "pk")[:1]:
        _apply_rule(rule, ticket_id, EscalationTrigger.CATEGORY)


def _apply_rule(rule: EscalationRule, ticket_id: int, trigger: str) -> None:
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None or ticket.tier >= rule.to_tier or ticket.status not in (*ACTIVE_STATUSES, "pending", "on_hold"):
        return
    escalate(
        actor=None,
        ticket=ticket,
        to_tier=rule.to_tier,
        reason=rule.reason.code if rule.reason is not None else rule.name,
        note="",
        team=rule.to_team,
        trigger=trigger,
    )


@subscribe("sla.warning", "sla.breached", name="routing.sla_escalation")
def on_sla_event(event: OutboxEvent) -> None:
    """Escalation rules on SLA warnings and breaches (the sla app emits them; we never import it)."""
    kind = RuleTrigger.SLA_WARNING if event.type == "sla.warning" else RuleTrigger.SLA_BREACHED
    target = str(event.payload.get("target") or "")
    rules = EscalationRule.objects.filter(trigger=kind, is_active=True).filter(sla_target__in=["", target])
    rule = rules.select_related("reason", "to_team").order_by("-to_tier", "pk").first()
    if rule is not None and event.payload.get("ticket_id"):
        trigger = EscalationTrigger.SLA_WARNING if kind == RuleTrigger.SLA_WARNING else EscalationTrigger.SLA_BREACHED
        _apply_rule(rule, int(event.payload["ticket_id"]), trigger)
