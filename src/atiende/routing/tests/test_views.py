"""Routing pages: top-bar presence and take next, the ticket panel and escalation form,
the overview and shadow report for managers."""

from __future__ import annotations

import pytest
from django.test import Client

from atiende.accounts.choices import Role
from atiende.accounts.models import User
from atiende.accounts.tests.factories import PASSWORD
from atiende.contacts.tests.factories import make_customer
from atiende.routing import services
from atiende.routing.choices import Strategy, Trigger
from atiende.routing.models import AgentState, Escalation
from atiende.routing.tests.factories import make_agent, make_reason, make_routed_team, waiting_ticket

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


def english(user: User) -> User:
    User.objects.filter(pk=user.pk).update(language="en")
    return user


def test_top_bar_switches_presence_and_takes_next() -> None:
    team, _ = make_routed_team(auto_assign=False)
    agent = english(make_agent(teams=[team], online=False))
    client = signed_in(agent)
    page = client.get("/agent/views/all/").content.decode()
    assert 'data-routing="presence"' in page and 'data-routing="take-next"' in page
    res = client.post("/routing/presence/", {"status": "online", "next": "/agent/views/all/"})
    assert res.status_code == 302 and res["Location"] == "/agent/views/all/"
    assert AgentState.objects.get(agent=agent).status == "online"
    evil = client.post("/routing/presence/", {"status": "away", "next": "https://evil.example/"})
    assert evil["Location"] == "/agent/"  # no open redirect
    ticket = waiting_ticket(team)
    res = client.post("/routing/take-next/")
    assert res.status_code == 302 and res["Location"] == f"/agent/tickets/{ticket.number}/"
    res = client.post("/routing/take-next/", {"next": "/agent/views/all/"}, follow=True)
    assert "Nothing waiting that you can take right now." in res.content.decode()


def test_customers_do_not_see_routing_pages() -> None:
    user, _contact = make_customer(email="carla@customer.test")
    client = signed_in(user)
    assert client.post("/routing/presence/", {"status": "online"}).status_code == 404
    assert client.get("/routing/").status_code == 404
    assert 'data-routing="presence"' not in client.get("/portal/").content.decode()


def test_ticket_panel_shows_why_and_escalation_form_errors_sit_next_to_fields() -> None:
    team, _ = make_routed_team(strategy=Strategy.LEAST_LOADED)
    agent = english(make_agent(teams=[team], name="Ana Agent"))
    reason = make_reason()
    ticket = waiting_ticket(team)
    services.assign_ticket(ticket_id=ticket.pk, trigger=Trigger.CREATED)
    client = signed_in(agent)
    page = client.get(f"/agent/tickets/{ticket.number}/").content.decode()
    assert 'data-panel="routing"' in page and "least_loaded" in page and "Ana Agent" in page
    res = client.post(
        f"/routing/tickets/{ticket.number}/escalate/",
        {"direction": "up", "to_tier": "2", "reason": reason.code, "note": ""},
    )
    assert res.status_code == 400
    html = res.content.decode()
    assert "field--invalid" in html and "This field is required." in html
    res = client.post(
        f"/routing/tickets/{ticket.number}/escalate/",
        {"direction": "up", "to_tier": "1", "reason": reason.code, "note": "Tried everything"},
    )
    assert res.status_code == 400 and "Escalate to a higher tier than the current one." in res.content.decode()
    res = client.post(
        f"/routing/tickets/{ticket.number}/escalate/",
        {"direction": "up", "to_tier": "3", "reason": reason.code, "note": "Tried everything"},
    )
    assert res.status_code == 302
    assert Escalation.objects.get(ticket=ticket).to_tier == 3
    other_team, _ = make_routed_team()
    outsider = make_agent(teams=[other_team])
    hidden = waiting_ticket(team)
    assert signed_in(outsider).get(f"/routing/tickets/{hidden.number}/escalate/").status_code == 404


def test_overview_and_shadow_report_are_for_managers() -> None:
    team, _ = make_routed_team()
    agent = english(make_agent(teams=[team]))
    supervisor = english(make_agent(teams=[], role=Role.SUPERVISOR))
    policy = services.save_shadow_policy(actor=None, name="Try skills", strategy=Strategy.SKILLS_BASED)
    assert signed_in(agent).get("/routing/").status_code == 404
    assert signed_in(agent).get(f"/routing/shadow/{policy.pk}/").status_code == 404
    client = signed_in(supervisor)
    overview = client.get("/routing/").content.decode()
    assert team.name in overview and "Try skills" in overview
    assert 'data-nav="routing"' in overview
    report = client.get(f"/routing/shadow/{policy.pk}/")
    assert report.status_code == 200 and "Shadow report: Try skills" in report.content.decode()
    assert 'data-nav="routing"' not in signed_in(agent).get("/agent/views/all/").content.decode()


def test_managers_change_team_routing_on_the_overview_with_errors_next_to_the_field() -> None:
    team, _ = make_routed_team(strategy=Strategy.LEAST_LOADED, auto_assign=True)
    supervisor = english(make_agent(teams=[], role=Role.SUPERVISOR))
    agent = english(make_agent(teams=[team]))
    client = signed_in(supervisor)
    prefix = f"team{team.pk}"
    bad = client.post(
        "/routing/", {"team": team.pk, f"{prefix}-strategy": "skills_based", f"{prefix}-aging_minutes": "-5"}
    )
    assert bad.status_code == 400
    assert "field--invalid" in bad.content.decode()
    ok = client.post(
        "/routing/",
        {"team": team.pk, f"{prefix}-strategy": "round_robin", f"{prefix}-aging_minutes": "45"},
    )
    assert ok.status_code == 302
    from atiende.routing.models import TeamRoutingConfig

    config = TeamRoutingConfig.objects.get(team=team)
    assert (config.strategy, config.auto_assign, config.aging_minutes) == ("round_robin", False, 45)
    assert signed_in(agent).post("/routing/", {"team": team.pk}).status_code == 404
