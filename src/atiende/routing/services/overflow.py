"""Overflow and diversion: when a queue's oldest wait or size passes a threshold, or the
team has nobody online, divert tickets to another team or tier, offer a callback or send
a configured message. Each application is a ``Diversion`` row and a ``routing.diverted``
event with its reason; a rule acts on a ticket at most once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from atiende.accounts.models import Team, User
from atiende.core import clock
from atiende.core.events import emit
from atiende.routing.choices import EscalationTrigger, OverflowAction, OverflowCondition, PresenceStatus
from atiende.routing.events import TicketDiverted
from atiende.routing.models import AgentState, CallbackRequest, Diversion, OverflowRule
from atiende.routing.selectors import ACTIVE_STATUSES, ROUTABLE_ROLES
from atiende.routing.services.common import require_manager
from atiende.routing.services.escalation import deescalate, escalate
from atiende.tickets.choices import Tier
from atiende.tickets.models import Ticket
from atiende.tickets.services import add_message, update_ticket

BATCH = 100


def _waiting(team_id: int) -> Any:
    return Ticket.objects.filter(team_id=team_id, assignee__isnull=True, status__in=ACTIVE_STATUSES)


def nobody_online(team_id: int) -> bool:
    return not AgentState.objects.filter(
        status=PresenceStatus.ONLINE, agent__teams=team_id, agent__is_active=True, agent__role__in=ROUTABLE_ROLES
    ).exists()


def affected_tickets(rule: OverflowRule) -> tuple[list[int], dict[str, Any]]:
    """The tickets a rule acts on now (oldest first) and why; empty when its condition does not hold."""
    now = clock.now()
    waiting = _waiting(rule.team_id).exclude(pk__in=Diversion.objects.filter(rule=rule).values("ticket_id"))
    if rule.condition == OverflowCondition.OLDEST_WAIT:
        cutoff = now - timedelta(minutes=rule.threshold)
        ids = list(
            waiting.filter(created_at__lte=cutoff).order_by("created_at", "pk").values_list("pk", flat=True)[:BATCH]
        )
        return ids, {"condition": rule.condition, "threshold_minutes": rule.threshold}
    if rule.condition == OverflowCondition.QUEUE_SIZE:
        size = _waiting(rule.team_id).count()
        if size <= rule.threshold:
            return [], {}
        excess = size - rule.threshold
        ids = list(waiting.order_by("-created_at", "-pk").values_list("pk", flat=True)[: min(excess, BATCH)])
        return ids, {"condition": rule.condition, "threshold": rule.threshold, "queue_size": size}
    if rule.condition == OverflowCondition.NOBODY_ONLINE:
        if not nobody_online(rule.team_id):
            return [], {}
        ids = list(waiting.order_by("created_at", "pk").values_list("pk", flat=True)[:BATCH])
        return ids, {"condition": rule.condition, "online": 0}
    return [], {}


def _apply(rule: OverflowRule, ticket: Ticket, reason: dict[str, Any]) -> None:
    if rule.action == OverflowAction.DIVERT_TEAM and rule.target_team is not None:
        update_ticket(actor=None, ticket=ticket, team=rule.target_team)
    elif rule.action == OverflowAction.DIVERT_TIER and rule.target_tier is not None:
        text = _("Overflow rule: %(name)s") % {"name": rule.name}
        if rule.target_tier > ticket.tier:
            escalate(
                actor=None,
                ticket=ticket,
                to_tier=rule.target_tier,
                reason=text,
                note="",
                team=rule.target_team,
                trigger=EscalationTrigger.OVERFLOW,
            )
        elif rule.target_tier < ticket.tier:
            deescalate(
                actor=None,
                ticket=ticket,
                to_tier=rule.target_tier,
                reason=text,
                note="",
                team=rule.target_team,
                trigger=EscalationTrigger.OVERFLOW,
            )
    elif rule.action == OverflowAction.OFFER_CALLBACK:
        CallbackRequest.objects.create(ticket=ticket, rule=rule, requested_at=clock.now())
    elif rule.action == OverflowAction.SEND_MESSAGE and rule.sender is not None and rule.message.strip():
        add_message(actor=rule.sender, ticket=ticket, body=rule.message)


def evaluate_rule(rule: OverflowRule) -> int:
    """Apply one rule to the tickets its condition selects now. Returns how many it acted on."""
    ids, reason = affected_tickets(rule)
    done = 0
    for ticket_id in ids:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().filter(pk=ticket_id, assignee__isnull=True).first()
            if ticket is None or ticket.team_id != rule.team_id:
                continue
            now = clock.now()
            full_reason = {
                **reason,
                "rule": rule.name,
                "waited_seconds": round((now - ticket.created_at).total_seconds()),
            }
            try:
                with transaction.atomic():
                    Diversion.objects.create(
                        rule=rule,
                        team_id=rule.team_id,
                        ticket=ticket,
                        action=rule.action,
                        reason=full_reason,
                        created_at=now,
                    )
            except IntegrityError:
                continue  # another worker diverted it first
            _apply(rule, ticket, full_reason)
            emit(
                TicketDiverted(
                    ticket_id=ticket.pk, team_id=rule.team_id, rule_id=rule.pk, action=rule.action, reason=full_reason
                ),
                subject=ticket,
            )
            done += 1
    return done


def evaluate_team(team_id: int) -> int:
    done = 0
    rules = OverflowRule.objects.filter(team_id=team_id, is_active=True).select_related("target_team", "sender")
    for rule in rules.order_by("position", "pk"):
        done += evaluate_rule(rule)
    return done


def evaluate_all() -> int:
    team_ids = OverflowRule.objects.filter(is_active=True).values_list("team_id", flat=True).distinct()
    return sum(evaluate_team(team_id) for team_id in list(team_ids))


def clean_rule(values: dict[str, Any]) -> None:
    """Errors named after the field: each action needs its own target."""
    condition, action = values.get("condition"), values.get("action")
    if condition not in OverflowCondition.values:
        raise ValidationError({"condition": _("Unknown condition.")})
    if action not in OverflowAction.values:
        raise ValidationError({"action": _("Unknown action.")})
    team: Team | None = values.get("team")
    if action == OverflowAction.DIVERT_TEAM and (
        values.get("target_team") is None or values.get("target_team") == team
    ):
        raise ValidationError({"target_team": _("Choose another team to divert to.")})
    if action == OverflowAction.DIVERT_TIER and values.get("target_tier") not in Tier.values:
        raise ValidationError({"target_tier": _("Choose a tier from 0 to 4.")})
    if action == OverflowAction.SEND_MESSAGE:
        if not (values.get("message") or "").strip():
            raise ValidationError({"message": _("Write the message to send.")})
        sender: User | None = values.get("sender")
        if sender is None or not sender.can_reply_publicly or not sender.is_active:
            raise ValidationError({"sender": _("Choose an agent who can reply publicly.")})


FIELDS = (
    "team",
    "name",
    "condition",
    "threshold",
    "action",
    "target_team",
    "target_tier",
    "message",
    "sender",
    "is_active",
    "position",
)


@transaction.atomic
def save_overflow_rule(*, actor: User | None, rule: OverflowRule | None = None, **values: Any) -> OverflowRule:
    require_manager(actor)
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed.")})
    current = {f: getattr(rule, f) for f in FIELDS} if rule is not None else {}
    merged = {**current, **values}
    if not (merged.get("name") or "").strip():
        raise ValidationError({"name": _("This field is required.")})
    if merged.get("team") is None:
        raise ValidationError({"team": _("This field is required.")})
    clean_rule(merged)
    if rule is None:
        rule = OverflowRule(created_at=clock.now())
    for key, value in merged.items():
        setattr(rule, key, value)
    rule.save()
    return rule
