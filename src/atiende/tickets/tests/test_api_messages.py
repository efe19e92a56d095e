"""Messages, attachments, follow-ups, merge, split and links through the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_user
from atiende.api.tests.support import API, client_for, no_throttle  # noqa: F401 - fixture
from atiende.contacts.tests.factories import make_customer
from atiende.tickets import services
from atiende.tickets.models import Attachment, Ticket
from atiende.tickets.tests.factories import make_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_throttle")]


@pytest.fixture
def admin() -> Any:
    return make_user(role=Role.ADMIN)


def download(client: Any, attachment_id: int, **headers: Any) -> Any:
    return client.get(f"{API}/attachments/{attachment_id}/download/", **headers)


def test_reply_and_note_with_status(admin: Any) -> None:
    customer, contact = make_customer()
    ticket = make_ticket(requester=contact)
    client = client_for(admin)
    reply = client.post(
        f"{API}/tickets/{ticket.pk}/messages/", {"body": "Try again?", "status": "pending"}, format="json"
    )
    assert reply.status_code == 201, reply.content
    body = reply.json()
    assert body["ticket"]["id"] == ticket.pk and body["kind"] == "reply" and body["internal"] is False
    assert body["author"] == {"type": "agent", "id": admin.pk, "name": admin.name}
    note = client.post(
        f"{API}/tickets/{ticket.pk}/messages/", {"body": "Customer is VIP", "internal": True}, format="json"
    )
    assert note.status_code == 201 and note.json()["kind"] == "note"
    detail = client.get(f"{API}/tickets/{ticket.pk}/").json()
    assert detail["status"] == "pending" and detail["agent_reply_count"] == 1 and detail["first_response_at"]

    mine = client_for(customer).get(f"{API}/tickets/{ticket.pk}/messages/").json()["results"]
    first = ticket.messages.order_by("id").first()
    assert first is not None
    assert [m["body"] for m in mine] == [first.body_text, "Try again?"]
    assert mine[0]["author"]["type"] == "contact"
    answer = client_for(customer).post(f"{API}/tickets/{ticket.pk}/messages/", {"body": "Still broken"}, format="json")
    assert answer.status_code == 201
    assert client.get(f"{API}/tickets/{ticket.pk}/").json()["status"] == "open"  # a customer reply reopens


def test_message_validation_and_role_errors(admin: Any) -> None:
    customer, contact = make_customer()
    ticket = make_ticket(requester=contact)
    light = make_user(role=Role.LIGHT_AGENT)
    path = f"{API}/tickets/{ticket.pk}/messages/"
    empty = client_for(admin).post(path, {"body": "  "}, format="json")
    assert empty.status_code == 400 and empty.json()["errors"][0]["field"] == "body"
    bad_status = client_for(admin).post(path, {"body": "x", "status": "asleep"}, format="json")
    assert bad_status.json()["errors"][0]["field"] == "status"
    forbidden = client_for(light).post(path, {"body": "Hello customer"}, format="json")
    assert forbidden.status_code == 403
    assert forbidden["Content-Type"].startswith("application/problem+json")
    assert client_for(light).post(path, {"body": "note", "internal": True}, format="json").status_code == 201
    assert client_for(customer).post(path, {"body": "x", "internal": True}, format="json").status_code == 403
    assert client_for(customer).post(path, {"body": "x", "status": "solved"}, format="json").status_code == 403


def test_customer_reply_to_closed_ticket_opens_a_follow_up(admin: Any) -> None:
    customer, contact = make_customer()
    ticket = make_ticket(requester=contact)
    services.update_ticket(actor=admin, ticket=ticket, status="closed")
    response = client_for(customer).post(
        f"{API}/tickets/{ticket.pk}/messages/", {"body": "It broke again"}, format="json"
    )
    assert response.status_code == 201, response.content
    where = response.json()["ticket"]
    assert where["id"] != ticket.pk and where["number"] != ticket.number
    follow_up = client_for(customer).get(f"{API}/tickets/{where['id']}/").json()
    assert follow_up["follow_up_of"] == ticket.number and follow_up["status"] == "new"
    closed = client_for(admin).post(f"{API}/tickets/{ticket.pk}/messages/", {"body": "Reply"}, format="json")
    assert closed.status_code == 400 and closed.json()["errors"][0]["field"] == "ticket"


def test_attachment_upload_and_download_headers(admin: Any) -> None:
    customer, contact = make_customer()
    ticket = make_ticket(requester=contact)
    response = client_for(customer).post(
        f"{API}/tickets/{ticket.pk}/messages/",
        {
            "body": "Screenshots attached",
            "attachments": [
                SimpleUploadedFile("screen shot.png", b"\x89PNG fake image", content_type="image/png"),
                SimpleUploadedFile("page.html", b"<script>alert(1)</script>", content_type="text/html"),
                SimpleUploadedFile("logo.svg", b"<svg onload='alert(1)'/>", content_type="image/svg+xml"),
                SimpleUploadedFile("informe año.txt", b"hola", content_type="text/plain"),
            ],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    files = {a["filename"]: a for a in response.json()["attachments"]}
    assert set(files) == {"screen shot.png", "page.html", "logo.svg", "informe año.txt"}
    assert files["screen shot.png"]["download_url"].endswith(
        f"/api/v1/attachments/{files['screen shot.png']['id']}/download/"
    )

    png = download(client_for(admin), files["screen shot.png"]["id"])
    assert png.status_code == 200
    assert b"".join(png.streaming_content) == b"\x89PNG fake image"
    assert png["Content-Type"] == "image/png"
    assert png["Content-Disposition"] == 'attachment; filename="screen shot.png"'
    assert png["X-Content-Type-Options"] == "nosniff"
    assert png["Content-Security-Policy"] == "sandbox"
    for name in ("page.html", "logo.svg"):
        active = download(client_for(customer), files[name]["id"])
        assert active.status_code == 200
        assert active["Content-Type"] == "application/octet-stream"
        assert active["Content-Disposition"].startswith("attachment;")
    spanish = download(client_for(customer), files["informe año.txt"]["id"])
    assert "filename*=utf-8''informe%20a%C3%B1o.txt" in spanish["Content-Disposition"]
    octet = download(client_for(admin), files["screen shot.png"]["id"], HTTP_ACCEPT="application/octet-stream")
    assert octet.status_code == 200


def test_attachment_download_errors(admin: Any) -> None:
    customer, contact = make_customer()
    ticket = make_ticket(requester=contact)
    note = services.add_message(
        actor=admin,
        ticket=ticket,
        body="internal",
        internal=True,
        attachments=[(SimpleUploadedFile("secret.txt", b"s"), "secret.txt", "text/plain")],
    )
    secret = note.attachments.get()
    assert download(client_for(admin), secret.pk).status_code == 200
    missing = download(client_for(customer), secret.pk, HTTP_ACCEPT="application/octet-stream")
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("application/problem+json")
    assert missing.json()["status"] == 404
    assert download(client_for(customer), 987654).status_code == 404


@override_settings(ATTACHMENT_MAX_BYTES=16)
def test_oversize_attachment_is_refused_naming_attachments(admin: Any) -> None:
    ticket = make_ticket()
    big = SimpleUploadedFile("big.bin", b"x" * 17, content_type="application/octet-stream")
    response = client_for(admin).post(
        f"{API}/tickets/{ticket.pk}/messages/", {"body": "Here", "attachments": [big]}, format="multipart"
    )
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == "attachments"
    assert ticket.messages.count() == 1 and not Attachment.objects.filter(ticket=ticket).exists()

    before = Ticket.objects.count()
    create = client_for(admin).post(
        f"{API}/tickets/",
        {
            "subject": "Big",
            "requester": '{"email": "big@example.test"}',
            "message": '{"body": "big file"}',
            "attachments": [SimpleUploadedFile("big.bin", b"y" * 17)],
        },
        format="multipart",
    )
    assert create.status_code == 400 and create.json()["errors"][0]["field"] == "attachments"
    assert Ticket.objects.count() == before


def test_merge_via_api(admin: Any) -> None:
    source, target = make_ticket(body="first problem"), make_ticket(body="second problem")
    client = client_for(admin)
    response = client.post(f"{API}/tickets/{source.pk}/merge/", {"target": target.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == target.pk
    merged = client.get(f"{API}/tickets/{source.pk}/").json()
    assert merged["status"] == "closed" and merged["merged_into"] == target.number
    bodies = [m["body"] for m in client.get(f"{API}/tickets/{target.pk}/messages/").json()["results"]]
    assert "first problem" in bodies and "second problem" in bodies
    again = client.post(f"{API}/tickets/{source.pk}/merge/", {"target": target.pk}, format="json")
    assert again.status_code == 400 and again.json()["errors"][0]["field"] == "source"
    itself = client.post(f"{API}/tickets/{target.pk}/merge/", {"target": target.pk}, format="json")
    assert itself.json()["errors"][0]["field"] == "target"
    assert (
        client.post(f"{API}/tickets/{target.pk}/merge/", {"target": 987654}, format="json").json()["errors"][0]["field"]
        == "target"
    )


def test_split_via_api(admin: Any) -> None:
    ticket = make_ticket(body="printer broken")
    second = services.add_message(actor=admin, ticket=ticket, body="also, the scanner")
    client = client_for(admin)
    response = client.post(
        f"{API}/tickets/{ticket.pk}/split/", {"message_ids": [second.pk], "subject": "Scanner"}, format="json"
    )
    assert response.status_code == 201, response.content
    new = response.json()
    assert new["subject"] == "Scanner" and new["id"] != ticket.pk
    moved = client.get(f"{API}/tickets/{new['id']}/messages/").json()["results"]
    assert "also, the scanner" in [m["body"] for m in moved]
    bad = client.post(f"{API}/tickets/{ticket.pk}/split/", {"message_ids": []}, format="json")
    assert bad.json()["errors"][0]["field"] == "message_ids"
    foreign = client.post(f"{API}/tickets/{ticket.pk}/split/", {"message_ids": [second.pk]}, format="json")
    assert foreign.json()["errors"][0]["field"] == "message_ids"


def test_links_via_api(admin: Any) -> None:
    parent, child, other = make_ticket(), make_ticket(), make_ticket()
    client = client_for(admin)
    created = client.post(f"{API}/tickets/{parent.pk}/links/", {"target": child.pk, "kind": "parent"}, format="json")
    assert created.status_code == 201, created.content
    link = created.json()
    assert link["kind"] == "parent" and link["source"]["number"] == parent.number
    assert link["target"]["reference"] == f"#{child.number}"
    seen_from_child = client.get(f"{API}/tickets/{child.pk}/links/").json()["results"]
    assert [row["id"] for row in seen_from_child] == [link["id"]]
    cycle = client.post(f"{API}/tickets/{child.pk}/links/", {"target": parent.pk, "kind": "parent"}, format="json")
    assert cycle.status_code == 400 and cycle.json()["errors"][0]["field"] == "target"
    wrong_kind = client.post(f"{API}/tickets/{child.pk}/links/", {"target": other.pk, "kind": "cousin"}, format="json")
    assert wrong_kind.json()["errors"][0]["field"] == "kind"
    assert client.delete(f"{API}/tickets/{other.pk}/links/{link['id']}/").status_code == 404
    assert client.delete(f"{API}/tickets/{parent.pk}/links/{link['id']}/").status_code == 204
    assert client.get(f"{API}/tickets/{parent.pk}/links/").json()["results"] == []
    history = client.get(f"{API}/tickets/{parent.pk}/history/").json()["results"]
    assert [h["field"] for h in history][-2:] == ["link.parent", "link.parent"]
