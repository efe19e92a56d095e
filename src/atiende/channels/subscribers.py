"""Reactions of the channels app to events of the apps below it."""

from __future__ import annotations

from atiende.channels.email.compose import reply_for
from atiende.channels.models import Inbox
from atiende.core.events import subscribe
from atiende.core.models import OutboxEvent
from atiende.tickets.choices import MessageKind
from atiende.tickets.models import Message


@subscribe("ticket.message_added", name="channels.email.send_agent_reply")
def send_agent_reply(event: OutboxEvent) -> None:
    """A public agent reply goes out by email when the requester has an address."""
    payload = event.payload
    if payload.get("kind") != MessageKind.REPLY or payload.get("author_kind") != "agent":
        return
    if not Inbox.objects.filter(is_active=True).exists():
        return  # no mailbox configured: nothing can be sent (one query instead of a dozen)
    message = (
        Message.objects.select_related("ticket", "ticket__requester", "author_user")
        .filter(pk=payload.get("message_id"))
        .first()
    )
    if message is None:
        return
    reply_for(message)  # idempotent; the row is sent by a task after this delivery commits
