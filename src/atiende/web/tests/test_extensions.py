"""The extension points higher apps use: ticket panels, list badges (one call per page),
navigation links and top-bar widgets."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from django.http import HttpRequest
from django.utils.html import format_html

from atiende.core import ui
from atiende.tickets import extensions
from atiende.tickets.models import Ticket
from atiende.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def test_panel_renders_on_ticket_page_and_none_hides_it(monkeypatch, agent, team, agent_client, customer) -> None:
    ticket = make_ticket(requester=customer[1], team=team, subject="Panel")
    hidden = make_ticket(requester=customer[1], team=team, subject="No panel")

    def render(request: HttpRequest, t: Ticket) -> str | None:
        return None if t.pk == hidden.pk else format_html('<section id="x-panel">#{} &lt;ok&gt;</section>', t.number)

    monkeypatch.setitem(extensions._panels, "test", extensions.TicketPanel("test", render))
    html = agent_client.get(f"/agent/tickets/{ticket.number}/").content.decode()
    assert f'<section id="x-panel">#{ticket.number} &lt;ok&gt;</section>' in html
    assert 'id="x-panel"' not in agent_client.get(f"/agent/tickets/{hidden.number}/").content.decode()


def test_list_badges_are_computed_once_per_page(monkeypatch, agent, team, agent_client, customer) -> None:
    tickets = [make_ticket(requester=customer[1], team=team, subject=f"T{i}") for i in range(3)]
    calls: list[int] = []

    def render_many(request: HttpRequest, page: Sequence[Ticket]) -> dict[int, str]:
        calls.append(len(page))
        return {t.pk: format_html('<span class="badge" data-flag="{}">flag</span>', t.number) for t in page}

    monkeypatch.setitem(extensions._badges, "test", extensions.ListBadges("test", render_many))
    html = agent_client.get("/agent/views/all/").content.decode()
    assert calls == [3]
    for t in tickets:
        assert f'data-flag="{t.number}"' in html
    assert "Status flags" in html


def test_nav_items_and_widgets_follow_visibility(monkeypatch, agent, agent_client) -> None:
    monkeypatch.setitem(
        ui._nav, "x", ui.NavItem("x", label="Extra page", url_name="web:search", visible=lambda u: u.is_agent)
    )
    monkeypatch.setitem(
        ui._nav, "y", ui.NavItem("y", label="Hidden page", url_name="web:search", visible=lambda u: False)
    )
    monkeypatch.setitem(ui._widgets, "w", ui.HeaderWidget("w", render=lambda r: '<div id="x-widget"></div>'))
    html = agent_client.get("/agent/views/all/").content.decode()
    assert 'data-nav="x"' in html and "Extra page" in html
    assert "Hidden page" not in html
    assert '<div id="x-widget"></div>' in html
