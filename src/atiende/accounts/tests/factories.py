"""Factories that build accounts through the real services."""

from __future__ import annotations

import itertools
from typing import Any

from atiende.accounts import services
from atiende.accounts.choices import Role
from atiende.accounts.models import Organization, Team, User

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery-9"


def make_user(
    *, role: str = Role.AGENT, email: str | None = None, teams: list[Team] | None = None, **extra: Any
) -> User:
    n = next(_seq)
    return services.create_user(
        actor=None,
        email=email or f"{role}{n}@example.test",
        password=PASSWORD,
        name=extra.pop("name", f"{role.title()} {n}"),
        role=role,
        teams=teams or [],
        **extra,
    )


def make_team(*, name: str | None = None, members: list[User] | None = None) -> Team:
    return services.create_team(actor=None, name=name or f"Team {next(_seq)}", members=members or [])


def make_organization(*, name: str | None = None, domains: list[str] | None = None, **extra: Any) -> Organization:
    n = next(_seq)
    return services.create_organization(
        actor=None, name=name or f"Org {n}", domains=domains if domains is not None else [f"org{n}.example"], **extra
    )
