"""Global search: tickets by number, subject and message text; contacts; organizations."""

from __future__ import annotations

import pytest

from atiende.accounts.tests.factories import make_organization, make_team
from atiende.contacts.tests.factories import make_contact
from atiende.tickets import services
from atiende.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def test_search_finds_tickets_contacts_and_organizations(agent, team, agent_client) -> None:
    org = make_organization(name="Globex Corporation", domains=["globex.test"])
    person = make_contact(email="homer@globex.test", name="Homer Simpson", organization=org)
    ticket = make_ticket(requester=person, team=team, subject="Reactor alarm", body="The core is warm.")
    services.add_message(actor=agent, ticket=ticket, body="Checked the turbines.")
    hidden = make_ticket(team=make_team(name="Secret"), subject="Reactor secret")

    html = agent_client.get("/search/?q=reactor").content.decode()
    assert "Reactor alarm" in html and "Reactor secret" not in html  # scoped by the viewer
    assert "Reactor alarm" in agent_client.get("/search/?q=turbines").content.decode()  # message text
    assert "Reactor alarm" in agent_client.get(f"/search/?q=%23{ticket.number}").content.decode()
    html = agent_client.get("/search/?q=globex").content.decode()
    assert "Homer Simpson" in html and "Globex Corporation" in html
    assert f"?requester={person.pk}" in html and f"?organization={org.pk}" in html
    response = agent_client.get(f"/search/?q=%23{ticket.number}&go=1")
    assert response["Location"] == f"/agent/tickets/{ticket.number}/"
    assert agent_client.get(f"/search/?q=%23{hidden.number}&go=1").status_code == 200
