"""Tiered escalation: every move between tiers is an ``Escalation`` row (up or down).

A de-escalation back to a tier the ticket was escalated from is a bounce-back: the
higher tier sent the work back. ``selectors.tier_stats`` turns these rows into
first-contact resolution and bounce-back rates per tier.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from atiende.accounts import audit
from atiende.accounts.models import Team, User
from atiende.core import clock
from atiende.core.events import emit
from atiende.routing.choices import Direction, EscalationTrigger, RuleTrigger
from atiende.routing.events import TicketEscalated
from atiende.routing.models import Escalation, EscalationReason, EscalationRule
from atiende.routing.services.common import require_agent, require_manager
from atiende.tickets.choices import Tier
from atiende.tickets.models import Category, Ticket
from atiende.tickets.services import add_message, update_ticket

NOTE_LIMIT = 5000


def _resolve_reason(reason: str, *, actor: User | None) -> tuple[EscalationReason | None, str]:
    code = (reason or "").strip()
    found = (
        EscalationReason.objects.filter(Q(code=code) | Q(label__iexact=code), is_active=True).order_by("pk").first()
        if code
        else None
    )
    if found is not None:
        return found, found.label
    if actor is not None:
        raise ValidationError({"reason": _("Choose a reason from the list.")})
    return None, code[:150]  # rules and automations may give a free-text reason


def _move(
    *,
    actor: User | None,
    ticket: Ticket,
    to_tier: int,
    reason: str,
    note: str,
    team: Team | None,
    direction: str,
    trigger: str,
) -> Escalation:
    require_agent(actor)
    if isinstance(to_tier, bool) or to_tier not in Tier.values:
        raise ValidationError({"to_tier": _("Choose a tier from 0 to 4.")})
    note = (note or "").strip()[:NOTE_LIMIT]
    if actor is not None and not note:
        raise ValidationError({"note": _("Write a hand-off note for the next tier.")})
    reason_row, reason_text = _resolve_reason(reason, actor=actor)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    from_tier = ticket.tier
    if direction == Direction.UP and to_tier <= from_tier:
        raise ValidationError({"to_tier": _("Escalate to a higher tier than the current one.")})
    if direction == Direction.DOWN and to_tier >= from_tier:
        raise ValidationError({"to_tier": _("De-escalate to a lower tier than the current one.")})
    bounce = (
        direction == Direction.DOWN
        and Escalation.objects.filter(
            ticket=ticket, direction=Direction.UP, from_tier=to_tier, to_tier__lte=from_tier
        ).exists()
    )
    from_team_id = ticket.team_id
    changes: dict[str, object] = {"tier": to_tier, "assignee": None}
    if team is not None:
        changes["team"] = team
    ticket = update_ticket(actor=actor, ticket=ticket, **changes)
    now = clock.now()
    row = Escalation.objects.create(
        ticket=ticket,
        direction=direction,
        from_tier=from_tier,
        to_tier=to_tier,
        from_team_id=from_team_id,
        to_team_id=ticket.team_id,
        reason=reason_row,
        reason_text=reason_text,
        note=note,
        trigger=trigger,
        is_bounce_back=bounce,
        actor=actor,
        at=now,
    )
    if actor is not None:
        verb = _("Escalated") if direction == Direction.UP else _("De-escalated")
        add_message(
            actor=actor,
            ticket=ticket,
            internal=True,
            body=_("%(verb)s from tier %(old)s to tier %(new)s. Reason: %(reason)s.\n\n%(note)s")
            % {"verb": verb, "old": from_tier, "new": to_tier, "reason": reason_text, "note": note},
        )
    emit(
        TicketEscalated(
            ticket_id=ticket.pk,
            escalation_id=row.pk,
            direction=direction,
            from_tier=from_tier,
            to_tier=to_tier,
            trigger=trigger,
            is_bounce_back=bounce,
        ),
        subject=ticket,
        actor=actor,
    )
    return row


@transaction.atomic
def escalate(
    *,
    actor: User | None,
    ticket: Ticket,
    to_tier: int,
    reason: str,
    note: str,
    team: Team | None = None,
    trigger: str | None = None,
) -> Escalation:
    """Move ``ticket`` up to ``to_tier`` (optionally to ``team``), unassigned for the next tier to pick up.

    People pick ``reason`` (an ``EscalationReason`` code) and must write a hand-off
    ``note``; rules and automations (``actor=None``) may pass free text.
    """
    return _move(
        actor=actor,
        ticket=ticket,
        to_tier=to_tier,
        reason=reason,
        note=note,
        team=team,
        direction=Direction.UP,
        trigger=trigger or (EscalationTrigger.MANUAL if actor is not None else EscalationTrigger.AUTOMATION),
    )


@transaction.atomic
def deescalate(
    *,
    actor: User | None,
    ticket: Ticket,
    to_tier: int,
    reason: str,
    note: str,
    team: Team | None = None,
    trigger: str | None = None,
) -> Escalation:
    """Move ``ticket`` down to ``to_tier``; back to a tier it came from, it is a bounce-back."""
    return _move(
        actor=actor,
        ticket=ticket,
        to_tier=to_tier,
        reason=reason,
        note=note,
        team=team,
        direction=Direction.DOWN,
        trigger=trigger or (EscalationTrigger.MANUAL if actor is not None else EscalationTrigger.AUTOMATION),
    )


@transaction.atomic
def save_reason(
    *, actor: User | None, code: str, label: str, is_active: bool = True, position: int = 0
) -> EscalationReason:
    require_manager(actor)
    if not (label or "").strip():
        raise ValidationError({"label": _("This field is required.")})
    row, _created = EscalationReason.objects.update_or_create(
        code=code, defaults={"label": label.strip()[:150], "is_active": is_active, "position": position}
    )
    return row


@transaction.atomic
def save_escalation_rule(
    *,
    actor: User | None,
    name: str,
    trigger: str,
    to_tier: int,
    category: Category | None = None,
    sla_target: str = "",
    to_team: Team | None = None,
    reason: EscalationReason | None = None,
    is_active: bool = True,
) -> EscalationRule:
    """An automatic escalation on an SLA warning or breach (optionally of one target) or a category."""
    require_manager(actor)
    if not (name or "").strip():
        raise ValidationError({"name": _("This field is required.")})
    if trigger not in RuleTrigger.values:
        raise ValidationError({"trigger": _("Choose SLA warning, SLA breached or category.")})
    if trigger == RuleTrigger.CATEGORY and category is None:
        raise ValidationError({"category": _("Choose the category that escalates.")})
    if isinstance(to_tier, bool) or to_tier not in Tier.values:
        raise ValidationError({"to_tier": _("Choose a tier from 0 to 4.")})
    rule = EscalationRule.objects.create(
        name=name.strip()[:100],
        trigger=trigger,
        category=category if trigger == RuleTrigger.CATEGORY else None,
        sla_target=sla_target if trigger != RuleTrigger.CATEGORY else "",
        to_tier=to_tier,
        to_team=to_team,
        reason=reason,
        is_active=is_active,
        created_at=clock.now(),
    )
    audit.record(
        actor=actor, action="routing.escalation_rule_created", obj=rule, after={"trigger": trigger, "to_tier": to_tier}
    )
    return rule
