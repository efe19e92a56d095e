"""Fixtures of the web UI tests: people in roles, a desk with tickets, signed-in clients."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from atiende.accounts.choices import Role
from atiende.accounts.models import Team, User
from atiende.accounts.tests.factories import PASSWORD, make_organization, make_team, make_user
from atiende.contacts.models import Contact
from atiende.contacts.tests.factories import make_customer
from atiende.tickets.models import Ticket
from atiende.tickets.tests.factories import make_ticket


@pytest.fixture(autouse=True)
def _own_cache(settings: Any) -> None:
    """A private local-memory cache per test: counts and rate limits live in the cache,
    and with REDIS_URL set the xdist workers would otherwise share (and clear) one Redis."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"web-{uuid.uuid4()}"}
    }
    cache.clear()


@pytest.fixture
def team(db: None) -> Team:
    return make_team(name="Support")


@pytest.fixture
def agent(team: Team) -> User:
    return make_user(role=Role.AGENT, name="Ana Agent", email="ana@desk.test", teams=[team], language="en")


@pytest.fixture
def other_agent(team: Team) -> User:
    return make_user(role=Role.AGENT, name="Luis Agent", email="luis@desk.test", teams=[team], language="en")


@pytest.fixture
def admin_user(db: None) -> User:
    return make_user(role=Role.ADMIN, name="Admin", email="admin@desk.test", language="en")


def english_customer(email: str, **extra: Any) -> tuple[User, Contact]:
    """A portal user and their contact; English, so tests can read the messages."""
    user, contact = make_customer(email=email, **extra)
    User.objects.filter(pk=user.pk).update(language="en")
    user.language = "en"
    return user, contact


@pytest.fixture
def customer(db: None) -> tuple[User, Contact]:
    return english_customer("carla@customer.test")


@pytest.fixture
def other_customer(db: None) -> tuple[User, Contact]:
    return english_customer("otto@other.test")


def signed_in(user: User) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


@pytest.fixture
def agent_client(agent: User) -> Client:
    return signed_in(agent)


@pytest.fixture
def customer_client(customer: tuple[User, Contact]) -> Client:
    return signed_in(customer[0])


@pytest.fixture
def ticket_for(team: Team) -> Callable[..., Ticket]:
    def build(requester: Contact | None = None, **extra: Any) -> Ticket:
        extra.setdefault("team", team)
        return make_ticket(requester=requester, **extra)

    return build


__all__ = ["english_customer", "make_organization", "signed_in"]
