"""Factories that build tickets through the real services."""

from __future__ import annotations

import itertools
from typing import Any

from atiende.accounts.models import User
from atiende.contacts.models import Contact
from atiende.contacts.tests.factories import make_contact
from atiende.tickets import services
from atiende.tickets.models import Ticket

_seq = itertools.count(1)


def make_ticket(*, requester: Contact | None = None, actor: User | None = None, **extra: Any) -> Ticket:
    n = next(_seq)
    return services.create_ticket(
        actor=actor,
        subject=extra.pop("subject", f"Problem number {n}"),
        requester=requester or make_contact(),
        body=extra.pop("body", f"Something is broken ({n})."),
        **extra,
    )
