"""Agent ticket page: timeline, composer, side panel fields, custom fields, links, merge,
split, collision check, scope, attachments and a fixed number of queries."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_team, make_user
from atiende.tickets import services
from atiende.tickets.choices import FieldType
from atiende.tickets.models import CategoryField, Message, Ticket, TicketLink
from atiende.tickets.tests.factories import make_ticket
from atiende.web.tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def html_of(response) -> str:
    return response.content.decode()


def test_timeline_shows_replies_notes_and_changes(agent, team, agent_client, customer) -> None:
    ticket = make_ticket(requester=customer[1], team=team, subject="Broken", body="It broke.")
    services.add_message(actor=agent, ticket=ticket, body="Looking into it.")
    services.add_message(actor=agent, ticket=ticket, body="Internal thought.", internal=True)
    services.update_ticket(actor=agent, ticket=ticket, priority="urgent", assignee=agent)
    html = html_of(agent_client.get(f"/agent/tickets/{ticket.number}/"))
    assert re.search(r'class="msg msg--customer".*It broke\.', html, re.S)
    assert re.search(r'class="msg msg--agent".*Looking into it\.', html, re.S)
    assert re.search(r'class="msg msg--note".*Internal thought\.', html, re.S)
    assert "Priority: Normal → Urgent" in html and "Assignee: — → Ana Agent" in html
    assert "Status: New → Open" in html
    assert "carla@customer.test" in html  # requester card


def test_reply_with_attachment_and_status(agent, team, agent_client) -> None:
    ticket = make_ticket(team=team)
    upload = SimpleUploadedFile("log.txt", b"error 42\n", content_type="text/plain")
    response = agent_client.post(
        f"/agent/tickets/{ticket.number}/reply/",
        {"kind": "reply", "body": "Fixed, see log.", "attachments": [upload], "status": "solved"},
    )
    message = Message.objects.filter(ticket=ticket).latest("id")
    assert response["Location"] == f"/agent/tickets/{ticket.number}/#message-{message.pk}"
    assert message.body_text == "Fixed, see log." and message.author_user == agent
    assert message.attachments.get().filename == "log.txt"
    ticket.refresh_from_db()
    assert ticket.status == "solved"


def test_empty_reply_comes_back_with_the_message_next_to_the_field(agent, team, agent_client) -> None:
    ticket = make_ticket(team=team)
    response = agent_client.post(f"/agent/tickets/{ticket.number}/reply/", {"kind": "reply", "body": "  "})
    assert response.status_code == 400
    assert 'id="reply_body_error"' in html_of(response)
    assert "Write a message or attach a file." in html_of(response)


def test_light_agents_write_notes_only(team) -> None:
    light = make_user(role=Role.LIGHT_AGENT, email="light@desk.test", teams=[team], language="en")
    ticket = make_ticket(team=team)
    client = signed_in(light)
    assert 'value="reply"' not in html_of(client.get(f"/agent/tickets/{ticket.number}/"))
    response = client.post(f"/agent/tickets/{ticket.number}/reply/", {"kind": "reply", "body": "Hi"})
    assert response.status_code == 400
    client.post(f"/agent/tickets/{ticket.number}/reply/", {"kind": "note", "body": "FYI"})
    assert ticket.messages.latest("id").kind == "note"


def test_side_panel_changes_fields_and_keeps_input_on_errors(agent, team, agent_client) -> None:
    stranger = make_user(role=Role.AGENT, email="stranger@desk.test", teams=[make_team(name="Far")], language="en")
    ticket = make_ticket(team=team)
    base = {
        "status": "open",
        "priority": "2",
        "team": str(team.pk),
        "assignee": "",
        "category": "",
        "tier": "1",
        "tags": "",
    }
    response = agent_client.post(
        f"/agent/tickets/{ticket.number}/fields/", {**base, "assignee": str(stranger.pk), "tags": "a b"}
    )
    assert response.status_code == 400
    html = html_of(response)
    assert "The assignee is not a member of the team." in html and 'id="id_assignee_error"' in html
    assert 'value="a b"' in html  # what was typed is still there
    response = agent_client.post(
        f"/agent/tickets/{ticket.number}/fields/",
        {**base, "status": "pending", "priority": "4", "tier": "2", "tags": "vip, urgent-call"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.tier) == ("pending", 4, 2)
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["urgent-call", "vip"]
    assert set(ticket.history.values_list("field", flat=True)) >= {"status", "priority", "tier", "tags"}


def test_category_form_fields_come_with_the_category(agent, team, agent_client) -> None:
    category = services.create_category(actor=None, name="Hardware")
    serial = services.create_custom_field(actor=None, key="serial", label="Serial number", type=FieldType.TEXT)
    internal = services.create_custom_field(
        actor=None, key="rma", label="RMA", type=FieldType.CHECKBOX, agent_only=True
    )
    CategoryField.objects.create(category=category, field=serial, required=True)
    CategoryField.objects.create(category=category, field=internal)
    ticket = make_ticket(team=team)
    fragment = html_of(agent_client.get(f"/agent/tickets/{ticket.number}/custom-fields/?category={category.pk}"))
    assert 'name="cf_serial"' in fragment and 'name="cf_rma"' in fragment  # agents see agent-only fields
    base = {"status": "new", "priority": "2", "team": str(team.pk), "tier": "1", "category": str(category.pk)}
    response = agent_client.post(f"/agent/tickets/{ticket.number}/fields/", base)
    assert response.status_code == 400 and 'id="id_cf_serial_error"' in html_of(response)
    agent_client.post(f"/agent/tickets/{ticket.number}/fields/", {**base, "cf_serial": "SN-1", "cf_rma": "on"})
    ticket.refresh_from_db()
    assert ticket.category == category and ticket.custom_fields == {"serial": "SN-1", "rma": True}
    page = html_of(agent_client.get(f"/agent/tickets/{ticket.number}/"))
    assert 'value="SN-1"' in page


def test_links_merge_and_split(agent, team, agent_client) -> None:
    ticket, other, target = make_ticket(team=team), make_ticket(team=team), make_ticket(team=team)
    agent_client.post(f"/agent/tickets/{ticket.number}/links/", {"kind": "related", "number": other.number})
    link = TicketLink.objects.get(source=ticket, target=other)
    assert f"#{other.number}" in html_of(agent_client.get(f"/agent/tickets/{ticket.number}/"))
    response = agent_client.post(f"/agent/tickets/{ticket.number}/links/", {"kind": "related", "number": 999999})
    assert response.status_code == 400 and "No ticket with that number." in html_of(response)
    agent_client.post(f"/agent/tickets/{ticket.number}/links/{link.pk}/delete/")
    assert not TicketLink.objects.filter(pk=link.pk).exists()

    services.add_message(actor=agent, ticket=ticket, body="Second topic")
    second = ticket.messages.latest("id")
    response = agent_client.post(
        f"/agent/tickets/{ticket.number}/split/", {"messages": [second.pk], "subject": "Split off"}
    )
    new = Ticket.objects.get(subject="Split off")
    assert response["Location"] == f"/agent/tickets/{new.number}/"
    assert new.messages.filter(pk=second.pk).exists()

    response = agent_client.post(f"/agent/tickets/{ticket.number}/merge/", {"number": target.number})
    assert response["Location"] == f"/agent/tickets/{target.number}/"
    ticket.refresh_from_db()
    assert ticket.merged_into == target and ticket.status == "closed"
    response = agent_client.post(f"/agent/tickets/{target.number}/merge/", {"number": target.number})
    assert response.status_code == 400 and "cannot be merged into itself" in html_of(response)


def test_collision_check_holds_a_reply_written_over_a_newer_message(agent, other_agent, team, agent_client) -> None:
    ticket = make_ticket(team=team)
    seen = ticket.messages.latest("id").pk
    services.add_message(actor=other_agent, ticket=ticket, body="I'm on it already.")
    url = f"/agent/tickets/{ticket.number}/reply/"
    response = agent_client.post(url, {"kind": "reply", "body": "Me too", "seen_message": seen})
    assert response.status_code == 409
    html = html_of(response)
    assert "Someone else wrote while you were typing." in html and "Luis Agent" in html
    assert "Me too</textarea>" in html
    assert ticket.messages.count() == 2
    newest = ticket.messages.latest("id").pk
    assert re.search(rf'name="seen_message" value="{newest}"', html)
    agent_client.post(url, {"kind": "reply", "body": "Me too", "seen_message": seen, "send_anyway": "on"})
    assert ticket.messages.count() == 3


def test_tickets_outside_the_scope_are_404(team, customer_client) -> None:
    far = make_user(role=Role.AGENT, email="far@desk.test", teams=[make_team(name="Far")], language="en")
    ticket = make_ticket(team=team)
    client = signed_in(far)
    for url in (f"/agent/tickets/{ticket.number}/", f"/agent/tickets/{ticket.number}/custom-fields/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/agent/tickets/{ticket.number}/reply/", {"kind": "reply", "body": "x"}).status_code == 404
    assert customer_client.get(f"/agent/tickets/{ticket.number}/").status_code == 404


def test_attachments_download_as_files_within_scope(agent, team, agent_client, customer, other_customer) -> None:
    from atiende.web.tests.conftest import signed_in as login

    ticket = services.create_ticket(
        actor=None,
        subject="Files",
        requester=customer[1],
        body="see",
        team=team,
        attachments=[(SimpleUploadedFile("page.html", b"<script>alert(1)</script>"), "page.html", "text/html")],
    )
    public = ticket.attachments.get()
    note = services.add_message(
        actor=agent,
        ticket=ticket,
        body="internal",
        internal=True,
        attachments=[(SimpleUploadedFile("secret.txt", b"s"), "secret.txt", "text/plain")],
    )
    response = agent_client.get(f"/attachments/{public.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;") and "page.html" in response["Content-Disposition"]
    assert response["Content-Type"] == "application/octet-stream" and response["X-Content-Type-Options"] == "nosniff"
    owner = login(customer[0])
    assert owner.get(f"/attachments/{public.pk}/").status_code == 200
    assert owner.get(f"/attachments/{note.attachments.get().pk}/").status_code == 404  # a note's file
    assert login(other_customer[0]).get(f"/attachments/{public.pk}/").status_code == 404


def _page_queries(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_ticket_page_queries_do_not_grow_with_messages(agent, other_agent, team, agent_client, customer) -> None:
    services.create_custom_field(actor=None, key="plan", label="Plan", type=FieldType.TEXT, applies_to_all=True)

    def build(n: int) -> Ticket:
        ticket = make_ticket(requester=customer[1], team=team, tags=["x"])
        for i in range(n):
            services.add_message(
                actor=agent if i % 2 else other_agent,
                ticket=ticket,
                body=f"m{i}",
                internal=i % 3 == 0,
                attachments=[(SimpleUploadedFile(f"f{i}.txt", b"x"), f"f{i}.txt", "text/plain")],
            )
            services.update_ticket(
                actor=agent,
                ticket=ticket,
                priority=["low", "high"][i % 2],
                assignee=[agent, other_agent][i % 2],
                custom_fields={"plan": f"p{i}"},
            )
        return ticket

    few = _page_queries(agent_client, f"/agent/tickets/{build(2).number}/")
    many = _page_queries(agent_client, f"/agent/tickets/{build(12).number}/")
    assert few == many, (few, many)


def test_a_reply_on_a_merged_ticket_lands_on_the_ticket_it_was_merged_into(agent, team, agent_client) -> None:
    source, target = make_ticket(team=team), make_ticket(team=team)
    services.merge_tickets(actor=agent, source=source, target=target)
    response = agent_client.get(f"/agent/tickets/{source.number}/")
    assert f'href="/agent/tickets/{target.number}/"' in html_of(response)
    assert "This ticket is closed." in html_of(response)
