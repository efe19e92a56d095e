"""Websocket consumer of a ticket page (agent workspace and portal).

* **Access is checked on connect** with the ticket selectors (the same scope as the
  page); a socket for a ticket outside the user's scope is closed, and every event is
  re-checked, so a ticket moved away from the agent's teams stops updating at once.
* Events arrive as id-only notices (``tickets.live``); the consumer renders what its
  user may see (a customer never gets a note) in the user's language and time zone,
  as htmx out-of-band fragments for the htmx websocket extension.
* **Presence** (agents only): each consumer announces itself to the group and answers
  newcomers, so every agent page knows who else is viewing or replying. No shared
  store: a peer that stops sending heartbeats is dropped after ``PEER_TIMEOUT``.
"""

from __future__ import annotations

import asyncio
import time
import zoneinfo
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atiende.accounts.models import User
from atiende.tickets import selectors
from atiende.tickets.live import group_name, relay, uses_relay

PEER_TIMEOUT = 100.0  # seconds without a heartbeat (the page sends one every 40 s)
REPLYING_FOR = 20.0  # "is replying" shows this long after the last keystroke
FIELD_NAMES = {
    "status": gettext_lazy("Status"),
    "priority": gettext_lazy("Priority"),
    "assignee": gettext_lazy("Assignee"),
    "team": gettext_lazy("Team"),
    "category": gettext_lazy("Category"),
    "tier": gettext_lazy("Support tier"),
    "tags": gettext_lazy("Tags"),
    "subject": gettext_lazy("Subject"),
}


def _zone(name: str) -> Any:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


class TicketConsumer(AsyncJsonWebsocketConsumer):
    ticket_id: int
    group: str
    user: User

    async def connect(self) -> None:
        user = self.scope.get("user")
        try:
            self.ticket_id = int(self.scope["url_route"]["kwargs"]["ticket_id"])
        except (KeyError, TypeError, ValueError):
            await self.close(code=4404)
            return
        if user is None or not user.is_authenticated or not await self.can_see():
            await self.close(code=4404)
            return
        self.user = user
        self.group = group_name(self.ticket_id)
        query = parse_qs(self.scope.get("query_string", b"").decode())
        after = query.get("after", ["0"])[0]
        self.last_message_id = int(after) if after.isdigit() else 0
        self.seen_events: set[str] = set()
        self.peers: dict[str, dict[str, Any]] = {}
        self.typing_at = 0.0
        self.expiry: asyncio.TimerHandle | None = None
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        if uses_relay(self.channel_layer):
            relay.watch(self.ticket_id)
        if self.user.is_agent:
            await self.announce("presence.join")
        # Anything written between the page render and this connection.
        await self.catch_up()

    async def disconnect(self, code: int) -> None:
        if not hasattr(self, "group"):
            return
        if self.expiry is not None:
            self.expiry.cancel()
        if uses_relay(self.channel_layer):
            relay.unwatch(self.ticket_id)
        if self.user.is_agent:
            await self.announce("presence.leave")
        await self.channel_layer.group_discard(self.group, self.channel_name)

    # --- from the browser ----------------------------------------------------------------------

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or not self.user.is_agent:
            return
        action = content.get("action")
        if action == "replying":
            self.typing_at = time.monotonic()
            await self.announce("presence.state")
        elif action == "heartbeat":
            await self.announce("presence.state")
            self.prune()
            await self.send_presence()

    # --- presence --------------------------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        return {
            "channel": self.channel_name,
            "user_id": self.user.pk,
            "name": self.user.name or self.user.email,
            "replying": time.monotonic() - self.typing_at < REPLYING_FOR,
        }

    async def announce(self, kind: str) -> None:
        await self.channel_layer.group_send(self.group, {"type": kind, **self.me()})

    def remember(self, event: dict[str, Any]) -> None:
        self.peers[event["channel"]] = {
            "user_id": event["user_id"],
            "name": event["name"],
            "replying_until": time.monotonic() + REPLYING_FOR if event.get("replying") else 0.0,
            "seen": time.monotonic(),
        }

    def prune(self) -> None:
        limit = time.monotonic() - PEER_TIMEOUT
        for channel in [c for c, p in self.peers.items() if p["seen"] < limit]:
            del self.peers[channel]

    async def send_presence(self) -> None:
        now = time.monotonic()
        by_user: dict[int, dict[str, Any]] = {}
        for peer in self.peers.values():
            if peer["user_id"] == self.user.pk:
                continue  # the same agent in another tab
            entry = by_user.setdefault(peer["user_id"], {"name": peer["name"], "replying": False})
            entry["replying"] = entry["replying"] or peer["replying_until"] > now
        html = await self.render("tickets/agent/_presence.html", {"peers": list(by_user.values())})
        await self.send(text_data=html)
        # Re-render when a "replying" state runs out.
        pending = [p["replying_until"] - now for p in self.peers.values() if p["replying_until"] > now]
        if pending:
            if self.expiry is not None:
                self.expiry.cancel()
            loop = asyncio.get_running_loop()
            self.expiry = loop.call_later(min(pending) + 0.1, lambda: loop.create_task(self.send_presence()))

    async def presence_join(self, event: dict[str, Any]) -> None:
        if not self.user.is_agent or event["channel"] == self.channel_name:
            return
        self.remember(event)
        await self.channel_layer.send(event["channel"], {"type": "presence.here", **self.me()})
        await self.send_presence()

    async def presence_here(self, event: dict[str, Any]) -> None:
        if self.user.is_agent and event["channel"] != self.channel_name:
            self.remember(event)
            await self.send_presence()

    async def presence_state(self, event: dict[str, Any]) -> None:
        if self.user.is_agent and event["channel"] != self.channel_name:
            self.remember(event)
            await self.send_presence()

    async def presence_leave(self, event: dict[str, Any]) -> None:
        if self.user.is_agent and self.peers.pop(event["channel"], None) is not None:
            await self.send_presence()

    # --- ticket events ----------------------------------------------------------------------------

    async def ticket_event(self, event: dict[str, Any]) -> None:
        event_id = str(event.get("event_id", ""))
        if event_id in self.seen_events:
            return
        self.seen_events.add(event_id)
        if not await self.can_see():
            await self.close(code=4404)
            return
        html = await self.render_event(event)
        if html:
            await self.send(text_data=html)

    async def catch_up(self) -> None:
        html = await self.render_new_messages(notice_author=False)
        if html:
            await self.send(text_data=html)

    # --- database and templates (sync) -------------------------------------------------------------

    @database_sync_to_async
    def can_see(self) -> bool:
        user = self.scope.get("user")
        return bool(user is not None and selectors.tickets_visible_to(user).filter(pk=self.ticket_id).exists())

    def _activate(self) -> tuple[Any, Any]:
        return translation.override(self.user.language or None), timezone.override(_zone(self.user.time_zone))

    @database_sync_to_async
    def render(self, template: str, context: dict[str, Any]) -> str:
        lang, zone = self._activate()
        with lang, zone:
            return render_to_string(template, context)

    @database_sync_to_async
    def render_new_messages(self, *, notice_author: bool, actor_id: int | None = None) -> str:
        ticket = selectors.tickets_visible_to(self.user).filter(pk=self.ticket_id).first()
        if ticket is None:
            return ""
        new = list(selectors.messages_visible_to(self.user, ticket).filter(pk__gt=self.last_message_id))
        if not new:
            return ""
        self.last_message_id = max(m.pk for m in new)
        template = "tickets/agent/_message.html" if self.user.is_agent else "tickets/portal/_message.html"
        lang, zone = self._activate()
        with lang, zone:
            items = "".join(render_to_string(template, {"m": m, "live": True}) for m in new)
            parts = [f'<ol id="timeline" hx-swap-oob="beforeend">{items}</ol>']
            if notice_author and actor_id != self.user.pk:
                parts.append(
                    render_to_string("tickets/live/notice.html", {"text": _("New message below."), "reload": False})
                )
        return "".join(parts)

    @database_sync_to_async
    def _render_change(self, event: dict[str, Any]) -> str:
        if event.get("actor_id") == self.user.pk:
            return ""
        fields = [f for f in event.get("fields", []) if not f.startswith(("ccs", "followers"))]
        lang, zone = self._activate()
        with lang, zone:
            if not self.user.is_agent:
                if "status" not in fields:
                    return ""
                text = _("The status of this request changed.")
            elif event["event_type"] == "ticket.updated":
                names = [str(FIELD_NAMES.get(f, f)) for f in fields]
                text = _("Someone else changed this ticket: %(fields)s.") % {"fields": ", ".join(names)}
            else:
                text = _("This ticket was merged, split or linked by someone else.")
            return render_to_string("tickets/live/notice.html", {"text": text, "reload": True})

    async def render_event(self, event: dict[str, Any]) -> str:
        if event.get("event_type") == "ticket.message_added":
            return await self.render_new_messages(notice_author=True, actor_id=event.get("actor_id"))
        return await self._render_change(event)
