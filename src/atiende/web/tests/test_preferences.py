"""Language (es/en) and time zone per user: remembered on the account, used on every page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from atiende.core import clock
from atiende.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def test_language_switch_is_remembered_on_the_account(agent, agent_client) -> None:
    response = agent_client.post("/preferences/language/", {"language": "en", "next": "/agent/views/open/"})
    assert response["Location"] == "/agent/views/open/"
    agent.refresh_from_db()
    assert agent.language == "en"
    # A new session (another browser) gets the account's language, whatever it asks for.
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    client.force_login(agent)
    assert '<html lang="en">' in client.get("/agent/views/open/").content.decode()


def test_visitors_switch_language_with_a_cookie_and_no_open_redirect(db: None) -> None:
    client = Client()
    response = client.post("/preferences/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/login/"
    assert response.cookies["django_language"].value == "en"
    assert '<html lang="en">' in client.get("/login/").content.decode()
    assert '<html lang="es">' in Client(HTTP_ACCEPT_LANGUAGE="es").get("/login/").content.decode()


def test_preferences_form_validates_and_saves(agent, agent_client) -> None:
    response = agent_client.post("/preferences/", {"language": "en", "time_zone": "Mars/Olympus"})
    assert response.status_code == 400
    assert 'id="id_time_zone_error"' in response.content.decode()
    agent_client.post("/preferences/", {"language": "en", "time_zone": "America/Mexico_City"})
    agent.refresh_from_db()
    assert (agent.language, agent.time_zone) == ("en", "America/Mexico_City")


def test_dates_are_shown_in_the_users_time_zone(agent, agent_client, team) -> None:
    with clock.frozen_at(datetime(2026, 3, 10, 15, 30, tzinfo=UTC)):
        ticket = make_ticket(team=team, subject="Timed")
    agent.language, agent.time_zone = "en", "America/Mexico_City"  # UTC-6 in March
    agent.save()
    html = agent_client.get(f"/agent/tickets/{ticket.number}/").content.decode()
    assert "9:30 a.m." in html and "2026-03-10T09:30:00-06:00" in html
    agent.time_zone = "Europe/Madrid"  # UTC+1
    agent.save()
    html = agent_client.get(f"/agent/tickets/{ticket.number}/").content.decode()
    assert "4:30 p.m." in html
