"""Presence and capacity: every change closes one ``PresenceLog`` row, opens the next and emits an event."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from atiende.accounts import audit
from atiende.accounts.models import User
from atiende.core import clock
from atiende.core.events import emit
from atiende.routing.choices import CapacityGroup, PresenceStatus
from atiende.routing.events import PresenceChanged
from atiende.routing.models import AgentState, PresenceLog, default_capacity
from atiende.routing.selectors import bump_routing_version
from atiende.routing.services.common import require_manager

MAX_CAPACITY = 100


def state_of(agent: User, *, lock: bool = False) -> AgentState:
    """The agent's state row (created offline on first use)."""
    qs = AgentState.objects.select_for_update() if lock else AgentState.objects
    state = qs.filter(agent=agent).first()
    if state is None:
        state, _created = AgentState.objects.get_or_create(
            agent=agent, defaults={"status": PresenceStatus.OFFLINE, "status_since": clock.now()}
        )
        if lock:
            state = AgentState.objects.select_for_update().get(pk=state.pk)
    return state


@transaction.atomic
def set_presence(*, actor: User | None, agent: User, status: str) -> AgentState:
    """Switch ``agent`` to ``status``. Agents switch themselves; managers switch anyone."""
    if status not in PresenceStatus.values:
        raise ValidationError({"status": _("Choose online, away, offline or in a call.")})
    if not agent.is_agent:
        raise ValidationError({"agent": _("Only agents have a presence.")})
    if actor is not None and actor.pk != agent.pk:
        require_manager(actor)
    elif actor is not None and not (actor.is_active and actor.is_agent):
        raise PermissionDenied(_("Your role does not allow this."))
    state = state_of(agent, lock=True)
    previous = state.status
    open_row = PresenceLog.objects.filter(agent=agent, ended_at__isnull=True).first()
    if previous == status and open_row is not None:
        return state
    now = clock.now()
    if open_row is not None:
        open_row.ended_at = now
        open_row.save(update_fields=["ended_at"])
    PresenceLog.objects.create(agent=agent, status=status, started_at=now)
    state.status = status
    state.status_since = now
    state.save(update_fields=["status", "status_since"])
    bump_routing_version()
    emit(
        PresenceChanged(agent_id=agent.pk, status=status, previous_status=previous, at=now.isoformat()),
        subject=state,
        actor=actor,
    )
    return state


def clean_capacity(value: object) -> dict[str, int]:
    if not isinstance(value, Mapping):
        raise ValidationError({"capacity": _('Expected an object such as {"call": 1, "chat": 3, "email": 15}.')})
    out = default_capacity()
    for key, raw in value.items():
        if key not in CapacityGroup.values:
            raise ValidationError(
                {"capacity": _("Unknown channel group %(name)s; use call, chat or email.") % {"name": key}}
            )
        if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= MAX_CAPACITY:
            raise ValidationError({"capacity": _("Capacities are whole numbers from 0 to 100.")})
        out[str(key)] = raw
    return out


@transaction.atomic
def set_capacity(*, actor: User | None, agent: User, capacity: Mapping[str, int]) -> AgentState:
    """Set how much work per channel group ``agent`` holds at once (managers only)."""
    require_manager(actor)
    clean = clean_capacity(capacity)
    state = state_of(agent, lock=True)
    before = dict(state.capacity or {})
    state.capacity = clean
    state.save(update_fields=["capacity"])
    bump_routing_version()
    audit.record(actor=actor, action="routing.capacity_changed", obj=state, before=before, after=clean)
    return state
