"""Reactions to events: triggers, customer notices, outbound webhooks.

All three are cheap when nothing is configured (one small query each), because the demo
and intake run every ticket event through them.
"""

from __future__ import annotations

from atiende.automation.choices import CustomerNotice
from atiende.automation.services import notifications, rules, webhooks
from atiende.core.events import subscribe
from atiende.core.models import OutboxEvent
from atiende.tickets.choices import Channel, Status


@subscribe(*rules.TRIGGER_EVENT_TYPES, name="automation.triggers")
def run_triggers(event: OutboxEvent) -> None:
    rules.run_triggers(event)


def _has_webhook_for(event: OutboxEvent) -> bool:
    """One cheap query (the cached subscription list's version) instead of a delivery."""
    return any("*" in s.event_types or event.type in s.event_types for s in webhooks.active_subscriptions())


@subscribe("*", name="automation.webhooks", when=_has_webhook_for)
def fan_out_webhooks(event: OutboxEvent) -> None:
    webhooks.fan_out(event)


def _notice_for(event: OutboxEvent) -> str | None:
    """Which customer notice an event calls for, if any.

    * ``received``: tickets opened in the portal, chat or by an agent. Email tickets are
      acknowledged by the inbox (``channels.email.autoack``), so not twice.
    * ``agent_replied``: never sent by email — the reply itself is emailed by the channels
      app; the template is kept for channels without that (chat, SMS, later).
    * ``waiting`` / ``solved``: the status moved to pending / solved.
    """
    payload = event.payload
    if event.type == "ticket.created":
        if payload.get("channel") == Channel.EMAIL:
            return None
        return CustomerNotice.RECEIVED
    if event.type == "ticket.updated" and "status" in (payload.get("fields") or []):
        new = (event.changes or {}).get("status", [None, None])[1]
        if new == Status.PENDING:
            return CustomerNotice.WAITING
        if new == Status.SOLVED:
            return CustomerNotice.SOLVED
    return None


@subscribe("ticket.created", "ticket.updated", name="automation.customer_notices")
def customer_notices(event: OutboxEvent) -> None:
    notice = _notice_for(event)
    if notice is None:
        return
    from atiende.channels.models import Inbox

    if not Inbox.objects.filter(is_active=True).exists():
        return
    ticket = rules._load_ticket(event.payload.get("ticket_id"))
    if ticket is None:
        return
    notifications.send_customer_notice(ticket=ticket, notice=notice, event_id=event.pk)
