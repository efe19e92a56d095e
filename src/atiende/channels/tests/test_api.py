"""Channels API: inboxes (credentials write-only), quarantine list and replay, email records by ticket."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_team, make_user
from atiende.channels.choices import Outcome
from atiende.channels.models import InboundEmail, Inbox, Suppression
from atiende.channels.tests.factories import build_email, deliver, make_inbox, ticket_of
from atiende.contacts.tests.factories import make_customer

pytestmark = pytest.mark.django_db

API = "/api/v1"
IMAP_PASSWORD = "imap-Pa55word-never-shown"
SMTP_PASSWORD = "smtp-Pa55word-never-shown"


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def no_secret_in(response: Any, *secrets: str) -> None:
    body = response.content.decode()
    for secret in secrets:
        assert secret not in body
    assert "encrypted" not in body
    assert '"imap_password"' not in body and '"smtp_password"' not in body


def test_credentials_are_write_only_and_encrypted_at_rest() -> None:
    admin = client_for(make_user(role=Role.ADMIN))
    team = make_team()
    created = admin.post(
        f"{API}/inboxes/",
        {
            "name": "Soporte",
            "address": "soporte@desk.example",
            "team": team.pk,
            "language": "es",
            "imap_enabled": True,
            "imap_host": "127.0.0.1",
            "imap_username": "soporte",
            "imap_password": IMAP_PASSWORD,
            "smtp_host": "127.0.0.1",
            "smtp_password": SMTP_PASSWORD,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    no_secret_in(created, IMAP_PASSWORD, SMTP_PASSWORD)
    data = created.json()
    assert data["has_imap_password"] is True and data["has_smtp_password"] is True
    assert data["team"]["id"] == team.pk and data["imap_health"]["status"] == "never"

    inbox = Inbox.objects.get(pk=data["id"])
    assert IMAP_PASSWORD not in inbox.imap_password_encrypted  # encrypted at rest
    assert inbox.imap_password() == IMAP_PASSWORD

    no_secret_in(admin.get(f"{API}/inboxes/"), IMAP_PASSWORD, SMTP_PASSWORD)
    no_secret_in(admin.get(f"{API}/inboxes/{inbox.pk}/"), IMAP_PASSWORD, SMTP_PASSWORD)
    schema = admin.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert IMAP_PASSWORD not in schema.content.decode()

    # Leaving the password out keeps it; sending one replaces it.
    changed = admin.patch(f"{API}/inboxes/{inbox.pk}/", {"signature": "Soporte ACME"}, format="json")
    assert changed.status_code == 200
    assert Inbox.objects.get(pk=inbox.pk).imap_password() == IMAP_PASSWORD
    admin.patch(f"{API}/inboxes/{inbox.pk}/", {"imap_password": "new-one"}, format="json")
    assert Inbox.objects.get(pk=inbox.pk).imap_password() == "new-one"


def test_inbox_validation_names_the_field() -> None:
    admin = client_for(make_user(role=Role.ADMIN))
    make_inbox(address="taken@desk.example")
    for body, field in [
        ({"name": "X", "address": "taken@desk.example"}, "address"),
        ({"name": "X", "address": "a+b@desk.example"}, "address"),
        ({"name": "X", "address": "not-an-address"}, "address"),
        ({"name": "X", "address": "x@desk.example", "imap_enabled": True}, "imap_host"),
    ]:
        response = admin.post(f"{API}/inboxes/", body, format="json")
        assert response.status_code == 400, body
        assert field in [e["field"] for e in response.json()["errors"]], response.json()


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.AGENT, Role.LIGHT_AGENT, Role.CUSTOMER])
def test_only_administrators_manage_inboxes_and_the_quarantine(role: str) -> None:
    inbox = make_inbox()
    held = deliver(b"garbage without headers", inbox=inbox)
    assert held.outcome == Outcome.QUARANTINED
    client = client_for(make_user(role=role))
    assert client.get(f"{API}/inboxes/").status_code == 403
    assert client.get(f"{API}/inboxes/{inbox.pk}/").status_code == 403
    assert client.post(f"{API}/inboxes/", {"name": "x", "address": "x@y.example"}, format="json").status_code == 403
    assert client.get(f"{API}/email/quarantine/").status_code == 403
    assert client.post(f"{API}/email/quarantine/{held.pk}/replay/", {}, format="json").status_code == 403
    assert client.get(f"{API}/email/quarantine/{held.pk}/raw/").status_code == 403
    assert client.get(f"{API}/email/suppressions/").status_code == 403
    assert APIClient().get(f"{API}/inboxes/").status_code in (401, 403)


def test_quarantine_list_raw_and_replay() -> None:
    admin_user = make_user(role=Role.ADMIN)
    admin = client_for(admin_user)
    inbox = make_inbox(address="soporte@desk.example")
    raw = b"To: soporte@desk.example\r\nSubject: who?\r\nMessage-ID: <q@x.example>\r\n\r\nno sender\r\n"
    held = deliver(raw, inbox=inbox)
    listed = admin.get(f"{API}/email/quarantine/").json()
    assert [r["id"] for r in listed["results"]] == [held.pk]
    assert listed["results"][0]["reason_code"] == "no_sender"
    download = admin.get(f"{API}/email/quarantine/{held.pk}/raw/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == raw  # type: ignore[attr-defined]
    assert download["Content-Disposition"].startswith("attachment")

    # Fixed upstream (the sender turns up in a header we now read): replay it.
    from atiende.channels.email import rawstore

    fixed = b"From: ana@cliente.example\r\n" + raw
    InboundEmail.objects.filter(pk=held.pk).update(raw_path=rawstore.save(rawstore.spool(fixed)), raw_size=len(fixed))
    replayed = admin.post(f"{API}/email/quarantine/{held.pk}/replay/", {}, format="json")
    assert replayed.status_code == 200 and replayed.json()["outcome"] == "created"
    assert admin.get(f"{API}/email/quarantine/").json()["results"] == []
    assert admin.get(f"{API}/email/quarantine/{held.pk}/").status_code == 404  # no longer quarantined


def test_agents_see_the_email_of_the_tickets_they_see() -> None:
    team_a, team_b = make_team(), make_team()
    inbox_a = make_inbox(address="a@desk.example", team=team_a)
    inbox_b = make_inbox(address="b@desk.example", team=team_b)
    mine = deliver(build_email(to="a@desk.example", message_id="<a@x.example>"), inbox=inbox_a)
    theirs = deliver(build_email(to="b@desk.example", message_id="<b@x.example>"), inbox=inbox_b)
    agent = client_for(make_user(role=Role.AGENT, teams=[team_a]))
    listed = agent.get(f"{API}/email/inbound/").json()["results"]
    assert [r["id"] for r in listed] == [mine.pk]
    assert listed[0]["thread_reason"] == "new" and listed[0]["ticket_number"] == ticket_of(mine).number
    assert agent.get(f"{API}/email/inbound/{theirs.pk}/").status_code == 404
    assert agent.get(f"{API}/email/inbound/", {"ticket": str(theirs.ticket_id)}).json()["results"] == []
    assert agent.get(f"{API}/email/inbound/", {"ticket": "x"}).status_code == 400
    sent = agent.get(f"{API}/email/outbound/", {"ticket": str(mine.ticket_id)}).json()["results"]
    assert [r["kind"] for r in sent] == ["auto_ack"]
    customer_user, _contact = make_customer(email="cliente@otro.example")
    assert client_for(customer_user).get(f"{API}/email/inbound/").status_code == 403


def test_suppressions() -> None:
    admin = client_for(make_user(role=Role.ADMIN))
    created = admin.post(f"{API}/email/suppressions/", {"address": "Nope@X.example"}, format="json")
    assert created.status_code == 201 and created.json()["address"] == "nope@x.example"
    assert admin.post(f"{API}/email/suppressions/", {"address": "bad"}, format="json").status_code == 400
    row = Suppression.objects.get()
    assert admin.delete(f"{API}/email/suppressions/{row.pk}/").status_code == 204
    assert not Suppression.objects.exists()


def test_fetch_now_reports_the_result() -> None:
    admin = client_for(make_user(role=Role.ADMIN))
    inbox = make_inbox(imap_enabled=True, imap_host="127.0.0.1", imap_port=9, imap_username="u", imap_password="p")
    response = admin.post(f"{API}/inboxes/{inbox.pk}/fetch/")
    assert response.status_code == 200
    body = response.json()
    assert body["fetched"] == 0 and body["error"] and "p" != body["error"]
    assert "imap_password" not in json.dumps(body)
