from __future__ import annotations

from dataclasses import dataclass

from atiende.core.events import Event, register_event


@register_event
@dataclass(frozen=True)
class UserCreated(Event):
    type = "user.created"
    user_id: int
    role: str


@register_event
@dataclass(frozen=True)
class UserUpdated(Event):
    type = "user.updated"
    user_id: int


@register_event
@dataclass(frozen=True)
class OrganizationCreated(Event):
    type = "organization.created"
    organization_id: int


@register_event
@dataclass(frozen=True)
class OrganizationUpdated(Event):
    type = "organization.updated"
    organization_id: int


@register_event
@dataclass(frozen=True)
class TeamCreated(Event):
    type = "team.created"
    team_id: int


@register_event
@dataclass(frozen=True)
class TeamUpdated(Event):
    type = "team.updated"
    team_id: int


@register_event
@dataclass(frozen=True)
class ApiTokenCreated(Event):
    type = "api_token.created"
    token_id: int
    user_id: int
    scope: str


@register_event
@dataclass(frozen=True)
class ApiTokenRevoked(Event):
    type = "api_token.revoked"
    token_id: int
