"""What the automation app adds to other pages: nav item, the bell, the ticket panel."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from atiende.core.ui import register_header_widget, register_nav_item
from atiende.tickets.extensions import register_ticket_panel
from atiende.tickets.models import Ticket


def bell(request: HttpRequest) -> str | None:
    user = request.user
    if not user.is_authenticated or not getattr(user, "is_agent", False):
        return None
    from atiende.automation.models import Notification

    unread = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    return render_to_string("automation/bell.html", {"unread": unread}, request=request)


def ticket_panel(request: HttpRequest, ticket: Ticket) -> str | None:
    user = request.user
    if not user.is_authenticated or not getattr(user, "is_agent", False):
        return None
    from atiende.automation import selectors

    macros = list(selectors.macros_for(user)[:20])  # type: ignore[arg-type]
    return render_to_string(
        "automation/ticket_panel.html",
        {"ticket": ticket, "macros": macros, "can_reply": getattr(user, "can_reply_publicly", False)},
        request=request,
    )


def register() -> None:
    register_nav_item(
        "automation",
        label=_("Automation"),
        url_name="automation:home",
        visible=lambda user: bool(getattr(user, "is_manager", False)),
        order=60,
    )
    register_header_widget("automation.bell", render=bell, order=80)
    register_ticket_panel("automation.macros", render=ticket_panel, order=60)
