"""Contacts API: create with identities, search, identities, merge."""

from __future__ import annotations

from typing import Any

import pytest

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_organization, make_user
from atiende.api.tests.support import API, client_for, no_throttle  # noqa: F401 - fixture
from atiende.contacts.tests.factories import make_contact, make_customer
from atiende.tickets.tests.factories import make_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_throttle")]


@pytest.fixture
def agent() -> Any:
    return make_user(role=Role.AGENT)


def test_create_with_identities_joins_the_domain_organization(agent: Any) -> None:
    org = make_organization(name="Hooli", domains=["hooli.test"])
    response = client_for(agent).post(
        f"{API}/contacts/",
        {
            "name": "Gavin",
            "identities": [
                {"kind": "email", "value": "Gavin@Hooli.test"},
                {"kind": "phone", "value": "+1 (415) 555-0100"},
                {"kind": "whatsapp", "value": "0034600111222"},
            ],
            "notes": "Difficult",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["organization"] == {"id": org.pk, "name": "Hooli"} and body["notes"] == "Difficult"
    assert sorted((i["kind"], i["value"], i["is_primary"]) for i in body["identities"]) == [
        ("email", "gavin@hooli.test", True),
        ("phone", "+14155550100", True),
        ("whatsapp", "+34600111222", True),
    ]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"identities": [{"kind": "email", "value": "taken@example.test"}]}, "identities.0.value"),
        ({"identities": [{"kind": "phone", "value": "12"}]}, "identities.0.value"),
        ({"identities": [{"kind": "pigeon", "value": "x"}]}, "identities.0.kind"),
        ({"organization": 987654}, "organization"),
        ({"language": "fr"}, "language"),
    ],
)
def test_create_errors_name_the_field(agent: Any, payload: dict[str, Any], field: str) -> None:
    make_contact(email="taken@example.test")
    response = client_for(agent).post(f"{API}/contacts/", {"name": "X", **payload}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == field, response.content


def test_search_by_name_or_identity(agent: Any) -> None:
    maria = make_contact(email="maria.lopez@example.test", name="María López")
    make_contact(email="john@example.test", name="John")
    client = client_for(agent)

    def names(**params: Any) -> list[str]:
        return [row["name"] for row in client.get(f"{API}/contacts/", params).json()["results"]]

    assert names(q="lópez") == ["María López"]
    assert names(q="MARIA.LOPEZ@") == ["María López"]
    assert names(q="example.test", ordering="name") == ["John", "María López"]
    assert names(organization=987654) == []
    assert names(kind="phone") == []
    client.post(f"{API}/contacts/{maria.pk}/identities/", {"kind": "phone", "value": "+34911222333"}, format="json")
    assert names(kind="phone") == ["María López"]
    assert names(q="911222") == ["María López"]


def test_identities_add_remove(agent: Any) -> None:
    person = make_contact(email="one@example.test")
    other = make_contact(email="two@example.test")
    client = client_for(agent)
    added = client.post(
        f"{API}/contacts/{person.pk}/identities/", {"kind": "email", "value": "Alt@Example.test"}, format="json"
    )
    assert (
        added.status_code == 201 and added.json()["value"] == "alt@example.test" and added.json()["is_primary"] is False
    )
    taken = client.post(
        f"{API}/contacts/{person.pk}/identities/", {"kind": "email", "value": "two@example.test"}, format="json"
    )
    assert taken.status_code == 400 and taken.json()["errors"][0]["field"] == "value"
    other_identity = other.identities.get()
    assert client.delete(f"{API}/contacts/{person.pk}/identities/{other_identity.pk}/").status_code == 404
    assert client.delete(f"{API}/contacts/{person.pk}/identities/{added.json()['id']}/").status_code == 204
    assert [i["value"] for i in client.get(f"{API}/contacts/{person.pk}/").json()["identities"]] == ["one@example.test"]


def test_update_and_merge_move_tickets(agent: Any) -> None:
    org = make_organization()
    dupe = make_contact(email="dupe@example.test", name="")
    keep = make_contact(email="keep@example.test", name="Keeper")
    ticket = make_ticket(requester=dupe)
    client = client_for(agent)
    changed = client.patch(f"{API}/contacts/{keep.pk}/", {"organization": org.pk, "language": "en"}, format="json")
    assert changed.status_code == 200 and changed.json()["organization"]["id"] == org.pk
    merged = client.post(f"{API}/contacts/{dupe.pk}/merge/", {"target": keep.pk}, format="json")
    assert merged.status_code == 200, merged.content
    assert sorted(i["value"] for i in merged.json()["identities"]) == ["dupe@example.test", "keep@example.test"]
    ticket.refresh_from_db()
    assert ticket.requester_id == keep.pk
    assert client.get(f"{API}/contacts/{dupe.pk}/").status_code == 404  # merged contacts leave the list
    itself = client.post(f"{API}/contacts/{keep.pk}/merge/", {"target": keep.pk}, format="json")
    assert itself.status_code == 400 and itself.json()["errors"][0]["field"] == "target"


def test_customer_sees_only_their_contact_without_agent_fields() -> None:
    customer, contact = make_customer()
    make_contact()
    response = client_for(customer).get(f"{API}/contacts/")
    rows = response.json()["results"]
    assert [r["id"] for r in rows] == [contact.pk]
    assert "notes" not in rows[0] and "user" not in rows[0]
