from __future__ import annotations

import pytest

from atiende.tickets import services

pytestmark = pytest.mark.django_db


def test_pages_render(agent_client, customer_client, customer, ticket_for, agent):
    ticket = ticket_for(requester=customer[1])
    services.add_message(actor=agent, ticket=ticket, body="A note", internal=True)
    for url in [
        "/agent/",
        "/agent/views/mine/",
        "/agent/views/open/",
        f"/agent/tickets/{ticket.number}/",
        "/search/?q=Problem",
        "/agent/views/new/",
        "/preferences/",
    ]:
        response = agent_client.get(url, follow=True)
        assert response.status_code == 200, (url, response.content[:3000])
    for url in ["/portal/", "/portal/requests/new/", f"/portal/requests/{ticket.number}/"]:
        response = customer_client.get(url)
        assert response.status_code == 200, (url, response.content[:3000])
