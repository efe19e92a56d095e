"""Tickets API behaviour: create, validation errors, update, filters, search, cursor pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_organization, make_team, make_user
from atiende.api.tests.support import API, client_for, no_throttle  # noqa: F401 - fixture
from atiende.contacts.models import Contact
from atiende.contacts.tests.factories import make_contact, make_customer
from atiende.core import clock
from atiende.tickets import services
from atiende.tickets.choices import FieldType, Priority, Status
from atiende.tickets.tests.factories import make_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_throttle")]


@pytest.fixture
def admin() -> Any:
    return make_user(role=Role.ADMIN)


def problem_field(response: Any) -> str | None:
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 400 and body["type"].endswith("validation-error")
    return body["errors"][0]["field"]


# --- create ------------------------------------------------------------------------------------------


def test_create_with_unknown_email_makes_a_contact_in_the_matching_organization(admin: Any) -> None:
    initech = make_organization(name="Initech", domains=["initech.test"])
    response = client_for(admin).post(
        f"{API}/tickets/",
        {
            "subject": "VPN down",
            "requester": {"email": "Peter@Initech.test", "name": "Peter Gibbons"},
            "message": {"body": "I cannot connect since this morning."},
            "priority": "high",
            "tags": ["vpn", "Remote Work"],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    contact = Contact.objects.get(identities__value="peter@initech.test")
    assert contact.organization == initech and contact.name == "Peter Gibbons"
    assert body["requester"] == {"id": contact.pk, "name": "Peter Gibbons", "email": "peter@initech.test"}
    assert body["organization"] == {"id": initech.pk, "name": "Initech"}
    assert body["priority"] == "high" and body["status"] == "new" and body["channel"] == "api"
    assert body["tags"] == ["remote-work", "vpn"]
    assert body["reference"] == f"#{body['number']}"

    again = client_for(admin).post(
        f"{API}/tickets/",
        {"subject": "Still down", "requester": {"email": "peter@initech.test"}, "message": {"body": "Hello?"}},
        format="json",
    )
    assert again.json()["requester"]["id"] == contact.pk
    assert Contact.objects.filter(identities__value="peter@initech.test").count() == 1


def test_create_with_every_optional_field(admin: Any) -> None:
    team = make_team(name="Network")
    agent = make_user(role=Role.AGENT, teams=[team])
    size = services.create_custom_field(actor=None, key="size", label="Size", type=FieldType.NUMBER)
    category = services.create_category(actor=None, name="Network", form=[(size, True)])
    requester = make_contact()
    response = client_for(admin).post(
        f"{API}/tickets/",
        {
            "subject": "Switch replacement",
            "requester": requester.pk,
            "message": {"body": "", "html": "<p>Swap <b>switch 4</b><script>alert(1)</script></p>"},
            "priority": "urgent",
            "status": "pending",
            "category": category.pk,
            "team": team.pk,
            "assignee": agent.pk,
            "tier": 2,
            "custom_fields": {"size": "48"},
            "ccs": ["cc.person@example.test", requester.pk],
            "channel": "phone",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["category"] == {"id": category.pk, "name": "Network", "path": "Network"}
    assert body["team"] == {"id": team.pk, "name": "Network"}
    assert body["assignee"]["id"] == agent.pk and body["assignee"]["email"] == agent.email
    assert (body["status"], body["priority"], body["tier"], body["channel"]) == ("pending", "urgent", 2, "phone")
    assert body["custom_fields"] == {"size": 48}
    assert [c["email"] for c in body["ccs"]] == ["cc.person@example.test"]  # the requester is never a CC
    messages = client_for(admin).get(f"{API}/tickets/{body['id']}/messages/").json()["results"]
    assert "<script>" not in messages[0]["html"] and messages[0]["body"].startswith("Swap switch 4")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"requester": {"email": "not-an-email"}}, "requester.email"),
        ({"requester": {"name": "No email"}}, "requester.email"),
        ({"requester": 987654}, "requester"),
        ({"requester": None}, "requester"),
        ({"priority": "whenever"}, "priority"),
        ({"custom_fields": {"size": "big"}}, "custom_fields.size"),
        ({"custom_fields": {"nope": 1}}, "custom_fields.nope"),
        ({"message": {"body": " "}}, "message.body"),
        ({"subject": ""}, "subject"),
        ({"tier": 9}, "tier"),
        ({"category": 987654}, "category"),
        ({"status": "closed"}, "status"),
        ({"ccs": ["not an email"]}, "ccs.0"),
        ({"tags": ["!!!"]}, "tags"),
    ],
)
def test_create_validation_errors_name_the_field(admin: Any, change: dict[str, Any], field: str) -> None:
    services.create_custom_field(actor=None, key="size", label="Size", type=FieldType.NUMBER, applies_to_all=True)
    body = {"subject": "Broken", "requester": make_contact().pk, "message": {"body": "It broke."}, **change}
    response = client_for(admin).post(f"{API}/tickets/", body, format="json")
    assert problem_field(response) == field


def test_failed_create_leaves_no_new_contact(admin: Any) -> None:
    response = client_for(admin).post(
        f"{API}/tickets/",
        {"subject": "", "requester": {"email": "ghost@example.test"}, "message": {"body": "Boo"}},
        format="json",
    )
    assert problem_field(response) == "subject"
    assert not Contact.objects.filter(identities__value="ghost@example.test").exists()


def test_customer_creates_for_themselves_only() -> None:
    org = make_organization(domains=["acme.test"])
    customer, contact = make_customer(organization=org, email="ann@acme.test")
    someone = make_contact()
    client = client_for(customer)
    response = client.post(
        f"{API}/tickets/",
        {"subject": "Help", "requester": someone.pk, "message": {"body": "Please"}, "priority": "low"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["requester"]["id"] == contact.pk and body["organization"]["id"] == org.pk
    assert "tier" not in body and "customer_wait_seconds" not in body
    assert (
        client.post(f"{API}/tickets/", {"subject": "x", "message": {"body": "y"}, "tier": 3}, format="json").status_code
        == 403
    )


def test_customer_without_contact_gets_one() -> None:
    customer = make_user(role=Role.CUSTOMER, email="new.customer@example.test")
    response = client_for(customer).post(
        f"{API}/tickets/", {"subject": "First", "message": {"body": "Hi"}}, format="json"
    )
    assert response.status_code == 201, response.content
    assert Contact.objects.get(user=customer).pk == response.json()["requester"]["id"]


def test_customer_cannot_set_agent_only_custom_fields() -> None:
    services.create_custom_field(
        actor=None, key="risk", label="Risk", type=FieldType.TEXT, applies_to_all=True, agent_only=True
    )
    customer, _contact = make_customer()
    response = client_for(customer).post(
        f"{API}/tickets/", {"subject": "x", "message": {"body": "y"}, "custom_fields": {"risk": "low"}}, format="json"
    )
    assert problem_field(response) == "custom_fields.risk"


def test_multipart_create_with_json_text_fields_and_files(admin: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(admin).post(
        f"{API}/tickets/",
        {
            "subject": "Invoice wrong",
            "requester": '{"email": "billing@client.test", "name": "Bill"}',
            "message.body": "See the attached invoice.",
            "tags": ["billing", "invoice"],
            "attachments": [
                SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 fake", content_type="application/pdf"),
                SimpleUploadedFile("notes.txt", b"line one", content_type="text/plain"),
            ],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["requester"]["email"] == "billing@client.test" and body["tags"] == ["billing", "invoice"]
    first = client_for(admin).get(f"{API}/tickets/{body['id']}/messages/").json()["results"][0]
    assert sorted(a["filename"] for a in first["attachments"]) == ["invoice.pdf", "notes.txt"]


# --- update -------------------------------------------------------------------------------------------


def test_patch_changes_fields_tags_followers_and_custom_fields(admin: Any) -> None:
    services.create_custom_field(actor=None, key="size", label="Size", type=FieldType.NUMBER, applies_to_all=True)
    team = make_team()
    agent = make_user(role=Role.AGENT, teams=[team])
    ticket = make_ticket(tags=["a", "b"], custom_fields={"size": 1})
    client = client_for(admin)
    response = client.patch(
        f"{API}/tickets/{ticket.pk}/",
        {
            "subject": "Renamed",
            "team": team.pk,
            "assignee": agent.pk,
            "add_tags": ["c"],
            "remove_tags": ["a"],
            "followers": [agent.pk, admin.pk],
            "custom_fields": {"size": 7},
            "priority": "low",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["subject"], body["priority"], body["status"]) == ("Renamed", "low", "open")
    assert body["tags"] == ["b", "c"] and body["custom_fields"] == {"size": 7}
    assert sorted(f["id"] for f in body["followers"]) == sorted([agent.pk, admin.pk])
    history = client.get(f"{API}/tickets/{ticket.pk}/history/", {"page_size": 100}).json()["results"]
    assert {"subject", "team", "assignee", "tags", "priority", "custom_fields.size"} <= {h["field"] for h in history}
    events = client.get(f"{API}/tickets/{ticket.pk}/events/").json()["results"]
    assert [e["type"] for e in events][-1] == "ticket.updated"


def test_patch_status_transitions(admin: Any) -> None:
    ticket = make_ticket()
    client = client_for(admin)
    assert client.patch(f"{API}/tickets/{ticket.pk}/", {"status": "closed"}, format="json").status_code == 200
    assert problem_field(client.patch(f"{API}/tickets/{ticket.pk}/", {"status": "open"}, format="json")) == "status"
    assert problem_field(client.patch(f"{API}/tickets/{ticket.pk}/", {"status": "bogus"}, format="json")) == "status"
    assert problem_field(client.patch(f"{API}/tickets/{ticket.pk}/", {"assignee": "x"}, format="json")) == "assignee"


def test_customer_may_solve_and_reopen_but_nothing_else() -> None:
    customer, contact = make_customer()
    ticket = make_ticket(requester=contact)
    client = client_for(customer)
    assert client.patch(f"{API}/tickets/{ticket.pk}/", {"status": "solved"}, format="json").json()["status"] == "solved"
    assert client.patch(f"{API}/tickets/{ticket.pk}/", {"status": "open"}, format="json").json()["status"] == "open"
    assert client.patch(f"{API}/tickets/{ticket.pk}/", {"subject": "Mine"}, format="json").status_code == 403


def test_no_put_and_no_delete(admin: Any) -> None:
    ticket = make_ticket()
    client = client_for(admin)
    assert client.put(f"{API}/tickets/{ticket.pk}/", {"subject": "x"}, format="json").status_code == 405
    assert client.delete(f"{API}/tickets/{ticket.pk}/").status_code == 405


# --- list: filters, search, ordering, cursor ------------------------------------------------------------


def list_numbers(client: Any, **params: Any) -> list[int]:
    response = client.get(f"{API}/tickets/", {"page_size": 100, **params})
    assert response.status_code == 200, response.content
    return [row["number"] for row in response.json()["results"]]


def test_filters(admin: Any) -> None:
    services.create_custom_field(actor=None, key="size", label="Size", type=FieldType.NUMBER, applies_to_all=True)
    services.create_custom_field(actor=None, key="flag", label="Flag", type=FieldType.CHECKBOX, applies_to_all=True)
    services.create_custom_field(
        actor=None, key="os", label="OS", type=FieldType.MULTISELECT, options=["linux", "mac"], applies_to_all=True
    )
    team = make_team()
    agent = make_user(role=Role.AGENT, teams=[team])
    org = make_organization(domains=["filters.test"])
    person = make_contact(email="p@filters.test")
    category = services.create_category(actor=None, name="Filters")
    with clock.frozen_at(timezone.now() - timedelta(days=10)):
        old = make_ticket(priority="urgent", tags=["vip"], custom_fields={"size": 3, "flag": True, "os": ["linux"]})
    assigned = make_ticket(actor=admin, team=team, assignee=agent, requester=person, category=category, tier=3)
    plain = make_ticket(channel="email", custom_fields={"size": 4, "os": ["mac", "linux"]})
    client = client_for(admin)
    client.force_authenticate(user=agent)
    assert list_numbers(client, assignee="me") == [assigned.number]
    client.force_authenticate(user=admin)
    assert set(list_numbers(client, status=["new"])) == {old.number, plain.number}
    assert set(list_numbers(client, status="new,open")) == {old.number, plain.number, assigned.number}
    assert list_numbers(client, priority="urgent") == [old.number]
    assert list_numbers(client, tag="vip") == [old.number]
    assert list_numbers(client, tag="vip,other") == []
    assert list_numbers(client, team=team.pk) == [assigned.number]
    assert set(list_numbers(client, team="none")) == {old.number, plain.number}
    assert set(list_numbers(client, assignee="none")) == {old.number, plain.number}
    assert list_numbers(client, requester=person.pk) == [assigned.number]
    assert list_numbers(client, organization=org.pk) == [assigned.number]
    assert list_numbers(client, category=category.pk) == [assigned.number]
    assert list_numbers(client, channel="email") == [plain.number]
    assert list_numbers(client, tier=3) == [assigned.number]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert old.number not in list_numbers(client, created_after=since)
    assert list_numbers(client, created_before=since) == [old.number]
    assert list_numbers(client, updated_before=since) == [old.number]
    assert old.number not in list_numbers(client, updated_after=since)
    assert list_numbers(client, cf_size="3") == [old.number]
    assert list_numbers(client, cf_size="3.0") == [old.number]
    assert list_numbers(client, cf_flag="true") == [old.number]
    assert set(list_numbers(client, cf_os="linux")) == {old.number, plain.number}
    assert list_numbers(client, cf_os="mac") == [plain.number]
    for params, field in [
        ({"team": "blue"}, "team"),
        ({"assignee": "someone"}, "assignee"),
        ({"cf_nope": "1"}, "cf_nope"),
        ({"cf_size": "big"}, "cf_size"),
        ({"cf_flag": "maybe"}, "cf_flag"),
        ({"cf_os": "windows"}, "cf_os"),
        ({"status": "sleeping"}, "status"),
        ({"priority": "asap"}, "priority"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"requester": "x"}, "requester"),
        ({"ordering": "subject"}, "ordering"),
        ({"cursor": "garbage"}, "cursor"),
        ({"page_size": "0"}, "page_size"),
    ]:
        assert problem_field(client.get(f"{API}/tickets/", params)) == field, params


def test_customers_cannot_filter_on_agent_only_fields() -> None:
    services.create_custom_field(
        actor=None, key="risk", label="Risk", type=FieldType.TEXT, applies_to_all=True, agent_only=True
    )
    customer, contact = make_customer()
    make_ticket(requester=contact, actor=make_user(role=Role.ADMIN), custom_fields={"risk": "high"})
    response = client_for(customer).get(f"{API}/tickets/", {"cf_risk": "high"})
    assert problem_field(response) == "cf_risk"


def test_full_text_search_and_number(admin: Any) -> None:
    printer = make_ticket(subject="Printer jam", body="Paper stuck in tray two.")
    other = make_ticket(subject="Email", body="Cannot send mail.")
    services.add_message(actor=admin, ticket=other, body="Have you tried the quarantined folder?")
    client = client_for(admin)
    assert list_numbers(client, q="quarantined") == [other.number]
    assert list_numbers(client, q="quarant") == [other.number]  # prefix of the last word
    assert list_numbers(client, q="paper tray") == [printer.number]
    assert list_numbers(client, q=f"#{printer.number}") == [printer.number]
    assert list_numbers(client, q=str(other.number)) == [other.number]
    assert list_numbers(client, q="nothing-like-this") == []


def test_search_stays_in_the_customers_scope() -> None:
    customer, contact = make_customer()
    mine = make_ticket(requester=contact, body="The zeppelin is late.")
    theirs = make_ticket(body="The zeppelin is early.")
    client = client_for(customer)
    assert list_numbers(client, q="zeppelin") == [mine.number]
    assert list_numbers(client, q=f"#{theirs.number}") == []


def test_cursor_pagination_walks_every_ticket_once_sorted_by_priority(admin: Any) -> None:
    priorities = [
        "low",
        "urgent",
        "normal",
        "high",
        "normal",
        "urgent",
        "low",
        "normal",
        "high",
        "normal",
        "low",
        "urgent",
    ]
    created = {make_ticket(priority=p).pk for p in priorities}
    client = client_for(admin)
    seen: list[dict[str, Any]] = []
    url: str | None = f"{API}/tickets/?ordering=-priority&page_size=5"
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"next", "results"}  # no count: nothing runs COUNT(*)
        seen.extend(body["results"])
        url = body["next"]
        pages += 1
    ids = [row["id"] for row in seen]
    assert len(ids) == len(set(ids)) == len(created) and set(ids) == created
    assert pages == 3
    order = [Priority[row["priority"].upper()].value for row in seen]
    assert order == sorted(order, reverse=True)
    # Within one priority the newest comes first (id is the tie-breaker).
    urgent = [row["id"] for row in seen if row["priority"] == "urgent"]
    assert urgent == sorted(urgent, reverse=True)


def test_every_ordering_walks_without_duplicates(admin: Any) -> None:
    for p in ["low", "high", "normal", "high", "low", "urgent", "normal"]:
        make_ticket(priority=p)
    client = client_for(admin)
    for ordering in ["created_at", "-updated_at", "number", "-status_changed_at", "priority", "id"]:
        ids: list[int] = []
        url: str | None = f"{API}/tickets/?ordering={ordering}&page_size=2"
        while url:
            body = client.get(url).json()
            ids.extend(row["id"] for row in body["results"])
            url = body["next"]
        assert len(ids) == len(set(ids)) == 7, ordering


def test_customer_ticket_json_is_reduced() -> None:
    services.create_custom_field(actor=None, key="order", label="Order", type=FieldType.TEXT, applies_to_all=True)
    services.create_custom_field(
        actor=None, key="risk", label="Risk", type=FieldType.TEXT, applies_to_all=True, agent_only=True
    )
    admin = make_user(role=Role.ADMIN)
    customer, contact = make_customer()
    ticket = make_ticket(
        requester=contact, actor=admin, assignee=admin, tags=["vip"], custom_fields={"order": "A1", "risk": "high"}
    )
    services.update_ticket(actor=admin, ticket=ticket, followers=[admin])
    agent_view = client_for(admin).get(f"{API}/tickets/{ticket.pk}/").json()
    customer_view = client_for(customer).get(f"{API}/tickets/{ticket.pk}/").json()
    assert agent_view["custom_fields"] == {"order": "A1", "risk": "high"}
    assert customer_view["custom_fields"] == {"order": "A1"}
    assert agent_view["assignee"]["email"] == admin.email
    assert customer_view["assignee"] == {"id": admin.pk, "name": admin.name}
    hidden = {"tags", "followers", "tier", "team", "reopen_count", "agent_reply_count", "customer_wait_seconds"}
    assert hidden <= set(agent_view) and not hidden & set(customer_view)
    assert customer_view["status"] == Status.OPEN


def test_unknown_fields_are_an_error_not_ignored(admin: Any) -> None:
    ticket = make_ticket()
    client = client_for(admin)
    typo = client.patch(f"{API}/tickets/{ticket.pk}/", {"prority": "high"}, format="json")
    assert problem_field(typo) == "prority"
    created = client.post(
        f"{API}/tickets/",
        {"subject": "x", "requester": make_contact().pk, "message": {"body": "y"}, "number": 1},
        format="json",
    )
    assert problem_field(created) == "number"
    note = client.post(f"{API}/tickets/{ticket.pk}/messages/", {"body": "x", "private": True}, format="json")
    assert problem_field(note) == "private"
