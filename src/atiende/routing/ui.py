"""What routing shows inside other apps' pages (registered from ``AppConfig.ready()``):
the presence switch and "Take next" in the top bar, the routing panel on the ticket page,
and the routing overview link for supervisors and administrators."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from atiende.core.ui import register_header_widget, register_nav_item
from atiende.routing.choices import PresenceStatus
from atiende.routing.forms import EscalationForm
from atiende.routing.models import AgentState, Escalation, EscalationReason
from atiende.routing.selectors import ROUTABLE_ROLES, latest_decision, names_of
from atiende.tickets.extensions import register_ticket_panel
from atiende.tickets.models import Ticket


def presence_widget(request: HttpRequest) -> str | None:
    user: Any = request.user
    if not (user.is_authenticated and user.is_active and user.is_agent):
        return None
    status = AgentState.objects.filter(agent=user).values_list("status", flat=True).first() or PresenceStatus.OFFLINE
    return render_to_string(
        "routing/_topbar.html",
        {
            "status": status,
            "choices": PresenceStatus.choices,
            "can_take": user.role in ROUTABLE_ROLES,
            "next": request.get_full_path(),
        },
        request=request,
    )


def ticket_panel(request: HttpRequest, ticket: Ticket) -> str | None:
    user: Any = request.user
    if not (user.is_authenticated and user.is_agent):
        return None
    decision = latest_decision(ticket.pk)
    candidates = []
    if decision is not None:
        rows = (decision.reason or {}).get("candidates") or []
        names = names_of(r.get("agent_id") for r in rows if r.get("agent_id"))
        candidates = [{**r, "name": names.get(r.get("agent_id"), "?")} for r in rows]
    escalations = list(Escalation.objects.filter(ticket=ticket).select_related("actor").order_by("-at", "-id")[:5])
    reasons = EscalationReason.objects.filter(is_active=True)
    form = EscalationForm(initial={"to_tier": min(ticket.tier + 1, 4)}, reasons=reasons)
    return render_to_string(
        "routing/_ticket_panel.html",
        {
            "ticket": ticket,
            "decision": decision,
            "candidates": candidates,
            "escalations": escalations,
            "form": form,
        },
        request=request,
    )


def register() -> None:
    register_header_widget("routing.presence", render=presence_widget, order=20)
    register_ticket_panel("routing", render=ticket_panel, order=30)
    register_nav_item(
        "routing",
        label=_("Routing"),
        url_name="routing:overview",
        visible=lambda user: bool(getattr(user, "is_manager", False)),
        order=40,
    )
