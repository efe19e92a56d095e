"""Shared API test support: a world of roles and objects, clients, fixtures.

``world`` is module-scoped: it is built once per test module inside a transaction that
stays open while the module's tests run (each test adds its own savepoint through the
``db`` fixture and rolls back to it), and is rolled back when the module is done — the
same thing Django's ``TestCase.setUpTestData`` does. Tests must not keep model
instances from the world between requests: :meth:`World.user` re-reads users so each
request sees the database as the test left it.

Test modules outside this package import the fixtures they use from here.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from atiende.accounts import services as account_services
from atiende.accounts.choices import Role
from atiende.accounts.models import ApiToken, Organization, Team, User
from atiende.accounts.tests.factories import make_organization, make_team, make_user
from atiende.contacts.models import Contact
from atiende.contacts.tests.factories import make_contact, make_customer
from atiende.tickets import services as ticket_services
from atiende.tickets.choices import FieldType, LinkKind
from atiende.tickets.models import Attachment, Category, CustomField, Message, Tag, Ticket, TicketLink

API = "/api/v1"

AGENT_ROLES = ("admin", "supervisor", "agent", "agent_other_team", "light_agent")
FULL_AGENT_ROLES = ("admin", "supervisor", "agent", "agent_other_team")
MANAGER_ROLES = ("admin", "supervisor")
CUSTOMER_ROLES = (
    "customer_requester",
    "customer_requester_org_off",
    "customer_same_org",
    "customer_same_org_off",
    "customer_foreign",
)
ROLES = (*AGENT_ROLES, *CUSTOMER_ROLES, "anonymous")
OBJECTS = ("own", "org", "foreign")

# Roles whose organization (Acme) has "members see the organization's tickets" switched off.
ORG_OFF_ROLES = frozenset({"customer_requester_org_off", "customer_same_org_off"})


_loaded_handler: Any = None


def api_client() -> APIClient:
    """A fresh APIClient that reuses an already-built middleware chain.

    Every new test client builds Django's middleware chain on its first request, and
    WhiteNoise (with finders, as in development) indexes every static file when it is
    built: ~100 ms per client, more than the request itself. The chain holds no per-client
    state (forced authentication is set on the request before the chain runs), so the
    clients of one process share it.
    """
    global _loaded_handler
    client = APIClient()
    if _loaded_handler is None:
        client.handler.load_middleware()
        _loaded_handler = client.handler
    else:
        for attr in ("_view_middleware", "_template_response_middleware", "_exception_middleware", "_middleware_chain"):
            setattr(client.handler, attr, getattr(_loaded_handler, attr))
    return client


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> tuple[Any, str, str]:
    return io.BytesIO(content), name, content_type


@dataclass
class World:
    """Everything the permission matrix needs.

    Objects are named from the point of view of ``customer_requester`` (a member of Acme):
    ``own`` is what they requested, ``org`` belongs to a colleague at Acme, ``foreign``
    to a person at another company (Zeta) handled by another team.
    """

    users: dict[str, User]
    teams: dict[str, Team]
    orgs: dict[str, Organization]
    contacts: dict[str, Contact]
    tickets: dict[str, Ticket]
    replies: dict[str, Message]
    public_attachments: dict[str, Attachment]
    note_attachments: dict[str, Attachment]
    links: dict[str, TicketLink]
    categories: dict[str, Category]
    custom_fields: dict[str, CustomField]
    tag: Tag
    spare_contact: Contact
    foreign_token: ApiToken
    extra: dict[str, Any] = field(default_factory=dict)

    def user(self, role: str) -> User:
        """A fresh copy of the user playing ``role`` (nothing cached from earlier requests)."""
        return User.objects.get(pk=self.users[role].pk)

    def client(self, role: str) -> APIClient:
        client = api_client()
        if role == "anonymous":
            return client
        if role in ORG_OFF_ROLES:
            account_services.update_organization(
                actor=None,
                organization=Organization.objects.get(pk=self.orgs["acme"].pk),
                members_see_org_tickets=False,
            )
        client.force_authenticate(user=self.user(role))
        return client


def build_world() -> World:
    support = make_team(name="Support")
    billing = make_team(name="Billing")
    admin = make_user(role=Role.ADMIN, email="admin@desk.test")
    supervisor = make_user(role=Role.SUPERVISOR, email="supervisor@desk.test")
    agent = make_user(role=Role.AGENT, email="agent@desk.test", teams=[support])
    other_agent = make_user(role=Role.AGENT, email="billing@desk.test", teams=[billing])
    light = make_user(role=Role.LIGHT_AGENT, email="light@desk.test", teams=[support])

    acme = make_organization(name="Acme", domains=["acme.test"], members_see_org_tickets=True)
    zeta = make_organization(name="Zeta", domains=["zeta.test"], members_see_org_tickets=True)
    omega = make_organization(name="Omega", domains=["omega.test"], members_see_org_tickets=True)

    requester, requester_contact = make_customer(organization=acme, email="req@acme.test")
    colleague, _colleague_contact = make_customer(organization=acme, email="peer@acme.test")
    outsider, _outsider_contact = make_customer(organization=omega, email="someone@omega.test")
    org_contact = make_contact(email="boss@acme.test", organization=acme, name="Acme Boss")
    zeta_contact = make_contact(email="client@zeta.test", organization=zeta, name="Zeta Client")
    spare = make_contact(email="spare@nowhere.test", name="Spare")

    public_field = ticket_services.create_custom_field(
        actor=None, key="order_ref", label="Order", type=FieldType.TEXT, applies_to_all=True
    )
    agent_field = ticket_services.create_custom_field(
        actor=None, key="risk", label="Risk", type=FieldType.TEXT, applies_to_all=True, agent_only=True
    )
    active = ticket_services.create_category(actor=None, name="Hardware", form=[(public_field, False)])
    inactive = ticket_services.create_category(actor=None, name="Retired")
    ticket_services.update_category(actor=None, category=inactive, is_active=False)
    (tag,) = ticket_services.get_or_create_tags(["vip"])

    def open_ticket(name: str, contact: Contact, team: Team | None) -> Ticket:
        return ticket_services.create_ticket(
            actor=admin,
            subject=f"{name} printer on fire",
            requester=contact,
            body=f"The {name} printer is on fire.",
            team=team,
            category=active,
            tags=["vip"],
            custom_fields={"order_ref": f"A-{name}", "risk": "high"},
            attachments=[upload(f"{name}.txt", f"log of {name}".encode(), "text/plain")],
        )

    tickets = {
        "own": open_ticket("own", requester_contact, support),
        "org": open_ticket("org", org_contact, support),
        "foreign": open_ticket("foreign", zeta_contact, billing),
    }
    free = open_ticket("free", zeta_contact, None)  # no team: every agent sees it
    replies: dict[str, Message] = {}
    public_attachments: dict[str, Attachment] = {}
    note_attachments: dict[str, Attachment] = {}
    links: dict[str, TicketLink] = {}
    for name, ticket in tickets.items():
        public_attachments[name] = Attachment.objects.get(ticket=ticket, message__isnull=False)
        note = ticket_services.add_message(
            actor=admin,
            ticket=ticket,
            body=f"internal: {name} customer is difficult",
            internal=True,
            attachments=[upload(f"{name}-secret.txt", f"secret of {name}".encode(), "text/plain")],
        )
        note_attachments[name] = note.attachments.get()
        replies[name] = ticket_services.add_message(actor=admin, ticket=ticket, body=f"We are on it ({name}).")
        links[name] = ticket_services.link_tickets(actor=admin, source=ticket, target=free, kind=LinkKind.RELATED)

    token_owner = make_user(role=Role.AGENT, email="owner@desk.test")
    foreign_token, _secret = account_services.create_api_token(actor=None, user=token_owner, name="theirs")
    users = {
        "admin": admin,
        "supervisor": supervisor,
        "agent": agent,
        "agent_other_team": other_agent,
        "light_agent": light,
        "customer_requester": requester,
        "customer_requester_org_off": requester,
        "customer_same_org": colleague,
        "customer_same_org_off": colleague,
        "customer_foreign": outsider,
    }
    for role, user in users.items():
        if role not in ORG_OFF_ROLES:
            account_services.create_api_token(actor=None, user=user, name=f"{role} token")
    return World(
        users=users,
        teams={"support": support, "billing": billing},
        orgs={"acme": acme, "zeta": zeta, "omega": omega},
        contacts={"own": requester_contact, "org": org_contact, "foreign": zeta_contact},
        tickets={**tickets, "free": free},
        replies=replies,
        public_attachments=public_attachments,
        note_attachments=note_attachments,
        links=links,
        categories={"active": active, "inactive": inactive},
        custom_fields={"public": public_field, "agent_only": agent_field},
        tag=tag,
        spare_contact=spare,
        foreign_token=foreign_token,
    )


# --- fixtures ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def module_transaction(django_db_blocker: Any) -> Iterator[None]:
    """An outer transaction for module-scoped data, rolled back at the end (see module docs).

    Build the data inside ``django_db_blocker.unblock()`` within this block; tests then
    use the ``db`` fixture, whose savepoints nest inside this transaction.
    """
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            data = build_world()
        yield data


@pytest.fixture
def no_throttle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Switch the API rate limits off (they have their own test).

    The throttles read their rates once, at import, and keep their counters in the
    shared cache (Redis when REDIS_URL is set, shared with other test processes), so a
    suite making many requests could otherwise be answered 429.
    """
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": None, "user": None})


def client_for(user: User | None) -> APIClient:
    client = api_client()
    if user is not None:
        client.force_authenticate(user=User.objects.get(pk=user.pk))
    return client


def token_client(secret: str) -> APIClient:
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def result_ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}
