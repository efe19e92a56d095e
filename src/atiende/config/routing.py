"""Websocket routes. Live agent views and chat add theirs here."""

from __future__ import annotations

from typing import Any

from django.urls import path

from atiende.tickets.consumers import TicketConsumer

websocket_urlpatterns: list[Any] = [
    path("ws/tickets/<int:ticket_id>/", TicketConsumer.as_asgi()),
]
