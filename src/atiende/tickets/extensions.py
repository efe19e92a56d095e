"""Extension points of the agent ticket pages, for apps above ``tickets``.

``tickets`` may not import sla, routing, kb or automation (import-linter), yet the ticket
page shows their SLA clock, assignment reasons, suggested articles and macros. Those apps
register renderers here from their ``AppConfig.ready()``:

* :func:`register_ticket_panel` — a side panel on the agent ticket page:
  ``render(request, ticket) -> html | None`` (None hides the panel).
* :func:`register_list_badges` — badges on the agent ticket lists, computed for a whole
  page at once (no per-row queries): ``render_many(request, tickets) -> {ticket.pk: html}``.

Renderers return HTML from ``render_to_string`` (already escaped and marked safe).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from atiende.tickets.models import Ticket


@dataclass(frozen=True)
class TicketPanel:
    key: str
    render: Callable[[HttpRequest, Ticket], str | None]
    order: int = 50


@dataclass(frozen=True)
class ListBadges:
    key: str
    render_many: Callable[[HttpRequest, Sequence[Ticket]], dict[int, str]]
    order: int = 50


_panels: dict[str, TicketPanel] = {}
_badges: dict[str, ListBadges] = {}


def register_ticket_panel(key: str, *, render: Callable[[HttpRequest, Ticket], str | None], order: int = 50) -> None:
    _panels[key] = TicketPanel(key=key, render=render, order=order)


def register_list_badges(
    key: str, *, render_many: Callable[[HttpRequest, Sequence[Ticket]], dict[int, str]], order: int = 50
) -> None:
    _badges[key] = ListBadges(key=key, render_many=render_many, order=order)


def ticket_panels(request: HttpRequest, ticket: Ticket) -> list[SafeString]:
    out = []
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.key)):
        html = panel.render(request, ticket)
        if html:
            out.append(mark_safe(html))  # noqa: S308 - renderers return render_to_string output
    return out


def has_list_badges() -> bool:
    return bool(_badges)


def list_badges(request: HttpRequest, tickets: Sequence[Ticket]) -> dict[int, SafeString]:
    """Every registered badge for each ticket on the page, joined into one cell's HTML."""
    per_ticket: dict[int, list[str]] = {}
    for provider in sorted(_badges.values(), key=lambda b: (b.order, b.key)):
        for pk, html in provider.render_many(request, tickets).items():
            if html:
                per_ticket.setdefault(pk, []).append(html)
    return {pk: format_html_join("", "{}", ((mark_safe(h),) for h in parts)) for pk, parts in per_ticket.items()}  # noqa: S308
