"""Every endpoint × role × own / same-organization / foreign object, with the exact status.

Rules under test (RELIABILITY.md, "Nothing leaks"):
* an object outside the viewer's scope answers 404, never 403;
* 403 only when the role sees the object but may not do the action;
* anonymous requests answer 401;
* list endpoints never include objects outside the viewer's scope.

Anonymous requests are tried on one object per endpoint (401 comes before any lookup).
The two "org off" roles (their organization hides its tickets from members) run on the
ticket endpoints, the only ones that setting changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from atiende.api.tests.support import (
    AGENT_ROLES,
    API,
    CUSTOMER_ROLES,
    FULL_AGENT_ROLES,
    MANAGER_ROLES,
    OBJECTS,
    ORG_OFF_ROLES,
    ROLES,
    World,
)

pytestmark = pytest.mark.django_db

# Tickets each role may see, by object (see World for who is who).
TICKETS_SEEN: dict[str, set[str]] = {
    "admin": {"own", "org", "foreign"},
    "supervisor": {"own", "org", "foreign"},
    "agent": {"own", "org"},  # team Support
    "agent_other_team": {"foreign"},  # team Billing
    "light_agent": {"own", "org"},  # team Support
    "customer_requester": {"own", "org"},  # Acme lets members see its tickets
    "customer_requester_org_off": {"own"},
    "customer_same_org": {"own", "org"},
    "customer_same_org_off": set(),
    "customer_foreign": set(),
    "anonymous": set(),
}


# Roles for everything but tickets: organization ticket visibility changes nothing there.
NON_TICKET_ROLES = tuple(r for r in ROLES if r not in ORG_OFF_ROLES)


def cells(roles: tuple[str, ...], objects: tuple[str, ...]) -> list[Any]:
    """(role, object) pairs; anonymous only on the first object."""
    return [
        pytest.param(role, obj, id=f"{role}-{obj}")
        for role in roles
        for obj in objects
        if role != "anonymous" or obj == objects[0]
    ]


def can(allowed: bool, ok: int) -> int:
    return ok if allowed else 403


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: Callable[[World, str], str]
    expect: Callable[[str, bool], int]  # (role, object visible to role) -> status
    body: Callable[[World, str], dict[str, Any] | None] = lambda w, o: None

    def __str__(self) -> str:
        return self.name


def call(world: World, role: str, method: str, path: str, body: dict[str, Any] | None) -> Any:
    client = world.client(role)
    return getattr(client, method)(path, body, format="json") if body is not None else getattr(client, method)(path)


def expected(endpoint: Endpoint, role: str, visible: bool) -> int:
    if role == "anonymous":
        return 401
    if not visible:
        return 404
    return endpoint.expect(role, visible)


def ticket_path(suffix: str = "") -> Callable[[World, str], str]:
    return lambda w, o: f"{API}/tickets/{w.tickets[o].pk}/{suffix}"


TICKET_ENDPOINTS = [
    Endpoint("retrieve", "get", ticket_path(), lambda r, v: 200),
    Endpoint(
        "update-priority",
        "patch",
        ticket_path(),
        lambda r, v: can(r in FULL_AGENT_ROLES, 200),
        lambda w, o: {"priority": "high"},
    ),
    Endpoint(
        "update-solve",
        "patch",
        ticket_path(),
        lambda r, v: can(r != "light_agent", 200),
        lambda w, o: {"status": "solved"},
    ),
    Endpoint("messages", "get", ticket_path("messages/"), lambda r, v: 200),
    Endpoint(
        "reply",
        "post",
        ticket_path("messages/"),
        lambda r, v: can(r != "light_agent", 201),
        lambda w, o: {"body": "Any news?"},
    ),
    Endpoint(
        "note",
        "post",
        ticket_path("messages/"),
        lambda r, v: can(r in AGENT_ROLES, 201),
        lambda w, o: {"body": "Checked the logs.", "internal": True},
    ),
    Endpoint("history", "get", ticket_path("history/"), lambda r, v: 200 if r in AGENT_ROLES else 404),
    Endpoint("events", "get", ticket_path("events/"), lambda r, v: 200 if r in AGENT_ROLES else 404),
    Endpoint("links", "get", ticket_path("links/"), lambda r, v: 200),
    Endpoint(
        "link",
        "post",
        ticket_path("links/"),
        lambda r, v: can(r in FULL_AGENT_ROLES, 201),
        lambda w, o: {"target": w.tickets["free"].pk, "kind": "duplicate"},
    ),
    Endpoint(
        "unlink",
        "delete",
        lambda w, o: f"{API}/tickets/{w.tickets[o].pk}/links/{w.links[o].pk}/",
        lambda r, v: can(r in FULL_AGENT_ROLES, 204),
    ),
    Endpoint(
        "merge",
        "post",
        ticket_path("merge/"),
        lambda r, v: can(r in FULL_AGENT_ROLES, 200),
        lambda w, o: {"target": w.tickets["free"].pk},
    ),
    Endpoint(
        "split",
        "post",
        ticket_path("split/"),
        lambda r, v: can(r in FULL_AGENT_ROLES, 201),
        lambda w, o: {"message_ids": [w.replies[o].pk], "subject": "Split off"},
    ),
    Endpoint(
        "download-public",
        "get",
        lambda w, o: f"{API}/attachments/{w.public_attachments[o].pk}/download/",
        lambda r, v: 200,
    ),
    Endpoint(
        "download-note",
        "get",
        lambda w, o: f"{API}/attachments/{w.note_attachments[o].pk}/download/",
        lambda r, v: 200 if r in AGENT_ROLES else 404,
    ),
]


@pytest.mark.parametrize("endpoint", TICKET_ENDPOINTS, ids=str)
@pytest.mark.parametrize(("role", "obj"), cells(ROLES, OBJECTS))
def test_ticket_endpoints(world: World, role: str, obj: str, endpoint: Endpoint) -> None:
    visible = obj in TICKETS_SEEN[role]
    response = call(world, role, endpoint.method, endpoint.path(world, obj), endpoint.body(world, obj))
    assert response.status_code == expected(endpoint, role, visible), response.content
    if endpoint.name == "messages" and response.status_code == 200 and role in CUSTOMER_ROLES:
        messages = response.json()["results"]
        assert messages, "the customer sees the public conversation"
        assert not [m for m in messages if m["internal"] or m["kind"] == "note"]
        assert "internal:" not in response.content.decode()
    if endpoint.name == "download-public" and response.status_code == 200:
        assert response["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("role", ROLES)
def test_ticket_list_holds_only_visible_tickets(world: World, role: str) -> None:
    response = world.client(role).get(f"{API}/tickets/", {"page_size": 100})
    if role == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    ours = {world.tickets[o].pk: o for o in OBJECTS}
    assert {ours[i] for i in ids if i in ours} == TICKETS_SEEN[role]
    if role in CUSTOMER_ROLES:
        assert world.tickets["free"].pk not in ids
        for row in response.json()["results"]:
            assert "risk" not in row["custom_fields"], "agent-only custom fields never reach customers"
            assert "followers" not in row and "tags" not in row
            assert row["assignee"] is None or "email" not in row["assignee"]


@pytest.mark.parametrize("role", ROLES)
def test_ticket_create_by_role(world: World, role: str) -> None:
    body: dict[str, Any] = {"subject": "Screen flickers", "message": {"body": "It flickers."}}
    if role in AGENT_ROLES:
        body["requester"] = world.contacts["foreign"].pk
    response = world.client(role).post(f"{API}/tickets/", body, format="json")
    want = {"anonymous": 401, "light_agent": 201}.get(role, 201)
    assert response.status_code == want, response.content
    if role in CUSTOMER_ROLES:
        assert response.json()["requester"]["email"] == world.user(role).email


# --- contacts ------------------------------------------------------------------------------------------

CONTACTS_SEEN: dict[str, set[str]] = {
    **{role: {"own", "org", "foreign"} for role in AGENT_ROLES},
    "customer_requester": {"own"},
    "customer_requester_org_off": {"own"},
    "customer_same_org": set(),
    "customer_same_org_off": set(),
    "customer_foreign": set(),
    "anonymous": set(),
}


def contact_path(suffix: str = "") -> Callable[[World, str], str]:
    return lambda w, o: f"{API}/contacts/{w.contacts[o].pk}/{suffix}"


CONTACT_ENDPOINTS = [
    Endpoint("retrieve", "get", contact_path(), lambda r, v: 200),
    Endpoint(
        "update", "patch", contact_path(), lambda r, v: can(r in FULL_AGENT_ROLES, 200), lambda w, o: {"name": "New"}
    ),
    Endpoint(
        "add-identity",
        "post",
        contact_path("identities/"),
        lambda r, v: can(r in FULL_AGENT_ROLES, 201),
        lambda w, o: {"kind": "phone", "value": "+34 600 111 222"},
    ),
    Endpoint(
        "remove-identity",
        "delete",
        lambda w, o: f"{API}/contacts/{w.contacts[o].pk}/identities/{w.contacts[o].identities.get().pk}/",
        lambda r, v: can(r in FULL_AGENT_ROLES, 204),
    ),
    Endpoint(
        "merge",
        "post",
        contact_path("merge/"),
        lambda r, v: can(r in FULL_AGENT_ROLES, 200),
        lambda w, o: {"target": w.spare_contact.pk},
    ),
]


@pytest.mark.parametrize("endpoint", CONTACT_ENDPOINTS, ids=str)
@pytest.mark.parametrize(("role", "obj"), cells(NON_TICKET_ROLES, OBJECTS))
def test_contact_endpoints(world: World, role: str, obj: str, endpoint: Endpoint) -> None:
    visible = obj in CONTACTS_SEEN[role]
    response = call(world, role, endpoint.method, endpoint.path(world, obj), endpoint.body(world, obj))
    assert response.status_code == expected(endpoint, role, visible), response.content


@pytest.mark.parametrize("role", NON_TICKET_ROLES)
def test_contact_list_and_create(world: World, role: str) -> None:
    client = world.client(role)
    listed = client.get(f"{API}/contacts/", {"page_size": 100})
    created = client.post(
        f"{API}/contacts/", {"name": "Nuevo", "identities": [{"kind": "email", "value": "new@x.test"}]}, format="json"
    )
    if role == "anonymous":
        assert (listed.status_code, created.status_code) == (401, 401)
        return
    ours = {world.contacts[o].pk: o for o in OBJECTS}
    assert {ours[i] for i in (r["id"] for r in listed.json()["results"]) if i in ours} == CONTACTS_SEEN[role]
    if role in CUSTOMER_ROLES:
        assert len(listed.json()["results"]) <= 1
    assert created.status_code == can(role in FULL_AGENT_ROLES, 201), created.content


# --- organizations ------------------------------------------------------------------------------------------

ORGS = {"own": "acme", "foreign": "zeta"}
ORGS_SEEN: dict[str, set[str]] = {
    **{role: {"own", "foreign"} for role in AGENT_ROLES},
    "customer_requester": {"own"},
    "customer_requester_org_off": {"own"},
    "customer_same_org": {"own"},
    "customer_same_org_off": {"own"},
    "customer_foreign": set(),
    "anonymous": set(),
}


@pytest.mark.parametrize("action", ["retrieve", "update"])
@pytest.mark.parametrize(("role", "obj"), cells(NON_TICKET_ROLES, ("own", "foreign")))
def test_organization_endpoints(world: World, role: str, obj: str, action: str) -> None:
    path = f"{API}/organizations/{world.orgs[ORGS[obj]].pk}/"
    client = world.client(role)
    response = client.get(path) if action == "retrieve" else client.patch(path, {"notes": "VIP"}, format="json")
    ok = 200 if action == "retrieve" else can(role in MANAGER_ROLES, 200)
    want = 401 if role == "anonymous" else ok if obj in ORGS_SEEN[role] else 404
    assert response.status_code == want, response.content
    if response.status_code == 200 and role in CUSTOMER_ROLES:
        assert "notes" not in response.json()


@pytest.mark.parametrize("role", NON_TICKET_ROLES)
def test_organization_list_and_create(world: World, role: str) -> None:
    client = world.client(role)
    listed = client.get(f"{API}/organizations/", {"page_size": 100})
    created = client.post(f"{API}/organizations/", {"name": "Initech", "domains": ["initech.test"]}, format="json")
    if role == "anonymous":
        assert (listed.status_code, created.status_code) == (401, 401)
        return
    names = {row["name"] for row in listed.json()["results"]}
    assert {o for o, n in ORGS.items() if n.title() in names} == ORGS_SEEN[role]
    if role == "customer_foreign":
        assert names == {"Omega"}
    assert created.status_code == can(role in MANAGER_ROLES, 201), created.content


# --- users ------------------------------------------------------------------------------------------

# own: the requester's account; org: their colleague's; foreign: a customer at another company.
USER_OBJECTS = {"own": "customer_requester", "org": "customer_same_org", "foreign": "customer_foreign"}
USERS_SEEN: dict[str, set[str]] = {
    **{role: {"own", "org", "foreign"} for role in AGENT_ROLES},
    "customer_requester": {"own"},
    "customer_requester_org_off": {"own"},
    "customer_same_org": {"org"},
    "customer_same_org_off": {"org"},
    "customer_foreign": {"foreign"},
    "anonymous": set(),
}


@pytest.mark.parametrize("action", ["retrieve", "update"])
@pytest.mark.parametrize(("role", "obj"), cells(NON_TICKET_ROLES, OBJECTS))
def test_user_endpoints(world: World, role: str, obj: str, action: str) -> None:
    path = f"{API}/users/{world.users[USER_OBJECTS[obj]].pk}/"
    client = world.client(role)
    response = client.get(path) if action == "retrieve" else client.patch(path, {"name": "Renamed"}, format="json")
    ok = 200 if action == "retrieve" else can(role == "admin", 200)
    want = 401 if role == "anonymous" else ok if obj in USERS_SEEN[role] else 404
    assert response.status_code == want, response.content


@pytest.mark.parametrize("role", NON_TICKET_ROLES)
def test_user_list_me_and_create(world: World, role: str) -> None:
    client = world.client(role)
    listed = client.get(f"{API}/users/", {"page_size": 100})
    me = client.get(f"{API}/users/me/")
    created = client.post(f"{API}/users/", {"email": "new.agent@desk.test", "role": "agent"}, format="json")
    if role == "anonymous":
        assert (listed.status_code, me.status_code, created.status_code) == (401, 401, 401)
        return
    assert me.status_code == 200 and me.json()["id"] == world.users[role].pk
    ids = {row["id"] for row in listed.json()["results"]}
    if role in CUSTOMER_ROLES:
        assert ids == {world.users[role].pk}
    else:
        assert {world.users[r].pk for r in USER_OBJECTS.values()} <= ids
    assert created.status_code == can(role == "admin", 201), created.content


# --- teams, categories, custom fields, tags ------------------------------------------------------------


@pytest.mark.parametrize("action", ["retrieve", "update"])
@pytest.mark.parametrize("role", NON_TICKET_ROLES)
def test_team_endpoints(world: World, role: str, action: str) -> None:
    path = f"{API}/teams/{world.teams['support'].pk}/"
    client = world.client(role)
    response = (
        client.get(path) if action == "retrieve" else client.patch(path, {"description": "1st line"}, format="json")
    )
    ok = 200 if action == "retrieve" else can(role == "admin", 200)
    want = 401 if role == "anonymous" else ok if role in AGENT_ROLES else 404
    assert response.status_code == want, response.content


CATALOG = {
    "categories": ("categories", {"active": "active", "hidden": "inactive"}, {"description": "Printers too"}),
    "custom-fields": ("custom_fields", {"active": "public", "hidden": "agent_only"}, {"label": "Renamed"}),
}


@pytest.mark.parametrize("action", ["retrieve", "update"])
@pytest.mark.parametrize("resource", sorted(CATALOG))
@pytest.mark.parametrize(("role", "obj"), cells(NON_TICKET_ROLES, ("active", "hidden")))
def test_catalog_endpoints(world: World, role: str, resource: str, obj: str, action: str) -> None:
    attr, names, change = CATALOG[resource]
    target = getattr(world, attr)[names[obj]]
    path = f"{API}/{resource}/{target.pk}/"
    client = world.client(role)
    response = client.get(path) if action == "retrieve" else client.patch(path, change, format="json")
    visible = role in AGENT_ROLES or obj == "active"
    ok = 200 if action == "retrieve" else can(role == "admin", 200)
    want = 401 if role == "anonymous" else ok if visible else 404
    assert response.status_code == want, response.content


@pytest.mark.parametrize("role", NON_TICKET_ROLES)
def test_catalog_lists_and_creates(world: World, role: str) -> None:
    client = world.client(role)
    responses = {
        "categories": client.get(f"{API}/categories/", {"page_size": 100}),
        "custom-fields": client.get(f"{API}/custom-fields/", {"page_size": 100}),
        "tags": client.get(f"{API}/tags/"),
        "teams": client.get(f"{API}/teams/"),
    }
    creates = {
        "categories": client.post(f"{API}/categories/", {"name": "Software"}, format="json"),
        "custom-fields": client.post(
            f"{API}/custom-fields/", {"key": "serial", "label": "Serial", "type": "text"}, format="json"
        ),
        "tags": client.post(f"{API}/tags/", {"name": "urgent-fix"}, format="json"),
        "teams": client.post(f"{API}/teams/", {"name": "Field"}, format="json"),
    }
    if role == "anonymous":
        assert {r.status_code for r in [*responses.values(), *creates.values()]} == {401}
        return
    assert {name: r.status_code for name, r in creates.items()} == {name: can(role == "admin", 201) for name in creates}
    ids = {name: {row["id"] for row in r.json()["results"]} for name, r in responses.items()}
    if role in AGENT_ROLES:
        assert world.categories["inactive"].pk in ids["categories"]
        assert world.custom_fields["agent_only"].pk in ids["custom-fields"]
        assert world.tag.pk in ids["tags"]
        assert world.teams["support"].pk in ids["teams"]
    else:
        assert world.categories["active"].pk in ids["categories"]
        assert world.categories["inactive"].pk not in ids["categories"]
        assert ids["custom-fields"] == {world.custom_fields["public"].pk}
        assert ids["tags"] == set() and ids["teams"] == set()


@pytest.mark.parametrize("role", NON_TICKET_ROLES)
def test_tag_detail(world: World, role: str) -> None:
    response = world.client(role).get(f"{API}/tags/{world.tag.pk}/")
    assert response.status_code == (401 if role == "anonymous" else 200 if role in AGENT_ROLES else 404)


# --- API tokens -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", NON_TICKET_ROLES)
def test_tokens_are_private(world: World, role: str) -> None:
    client = world.client(role)
    listed = client.get(f"{API}/tokens/")
    theirs = f"{API}/tokens/{world.foreign_token.pk}/"
    if role == "anonymous":
        assert (listed.status_code, client.get(theirs).status_code) == (401, 401)
        return
    own = world.user(role).api_tokens.get()
    assert result_ids_of(listed) == {own.pk}
    assert client.get(theirs).status_code == 404
    assert client.delete(theirs).status_code == 404
    assert client.get(f"{API}/tokens/{own.pk}/").status_code == 200
    created = client.post(f"{API}/tokens/", {"name": "ci", "scope": "write"}, format="json")
    assert created.status_code == 201 and created.json()["token"].startswith("atd_")
    assert client.delete(f"{API}/tokens/{own.pk}/").status_code == 204


def result_ids_of(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}
