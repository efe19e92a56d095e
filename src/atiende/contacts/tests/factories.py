"""Factories that build contacts through the real services."""

from __future__ import annotations

import itertools
from typing import Any

from atiende.accounts.models import Organization, User
from atiende.contacts import services
from atiende.contacts.choices import IdentityKind
from atiende.contacts.models import Contact

_seq = itertools.count(1)


def make_contact(
    *, email: str | None = None, organization: Organization | None = None, user: User | None = None, **extra: Any
) -> Contact:
    n = next(_seq)
    email = email or (user.email if user is not None else f"person{n}@customer{n}.example")
    return services.create_contact(
        actor=None,
        name=extra.pop("name", f"Person {n}"),
        identities=[(IdentityKind.EMAIL, email)],
        organization=organization,
        user=user,
        **extra,
    )


def make_customer(*, organization: Organization | None = None, email: str | None = None) -> tuple[User, Contact]:
    """A portal user with its linked contact."""
    from atiende.accounts.choices import Role
    from atiende.accounts.tests.factories import make_user

    user = make_user(role=Role.CUSTOMER, organization=organization, email=email)
    contact = make_contact(user=user, organization=organization)
    return user, contact
