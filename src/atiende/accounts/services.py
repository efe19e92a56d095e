"""Write side of accounts. Every change: one transaction, an audit row, an event."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from atiende.accounts import audit, tokens
from atiende.accounts.choices import Role, TokenScope
from atiende.accounts.events import (
    ApiTokenCreated,
    ApiTokenRevoked,
    OrganizationCreated,
    OrganizationUpdated,
    TeamCreated,
    TeamUpdated,
    UserCreated,
    UserUpdated,
)
from atiende.accounts.models import ApiToken, Organization, OrganizationDomain, Team, User
from atiende.core import clock
from atiende.core.events import emit

USER_FIELDS = ("email", "name", "role", "is_active", "organization_id", "language", "time_zone")


def _user_state(user: User) -> dict[str, Any]:
    state = {f: getattr(user, f) for f in USER_FIELDS}
    state["teams"] = sorted(user.teams.values_list("pk", flat=True)) if user.pk else []
    return state


def _normalize_email(email: str, field: str = "email") -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({field: _("Enter a valid email address.")}) from None
    return email


def _check_language(language: str) -> None:
    if language not in ("es", "en"):
        raise ValidationError({"language": _("Choose es or en.")})


def _check_time_zone(name: str) -> None:
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError({"time_zone": _("Unknown time zone.")}) from None


@transaction.atomic
def create_user(
    *,
    actor: User | None,
    email: str,
    password: str | None = None,
    name: str = "",
    role: str = Role.CUSTOMER,
    organization: Organization | None = None,
    teams: Iterable[Team] = (),
    language: str = "es",
    time_zone: str = "UTC",
    validate_password_strength: bool = True,
) -> User:
    email = _normalize_email(email)
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    _check_language(language)
    _check_time_zone(time_zone)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("A user with this email already exists.")})
    user = User(email=email, name=name, role=role, organization=organization, language=language, time_zone=time_zone)
    if password:
        if validate_password_strength:
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise ValidationError({"password": exc.messages}) from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    team_list = list(teams)
    if team_list:
        user.teams.set(team_list)
    audit.record(actor=actor, action="user.created", obj=user, after=_user_state(user))
    emit(UserCreated(user_id=user.pk, role=user.role), subject=user, actor=actor)
    return user


@transaction.atomic
def update_user(*, actor: User | None, user: User, teams: Iterable[Team] | None = None, **fields: Any) -> User:
    allowed = {"name", "role", "is_active", "organization", "language", "time_zone", "email"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed.")})
    before = _user_state(user)
    if "email" in fields:
        fields["email"] = _normalize_email(fields["email"])
        if User.objects.filter(email__iexact=fields["email"]).exclude(pk=user.pk).exists():
            raise ValidationError({"email": _("A user with this email already exists.")})
    if "role" in fields and fields["role"] not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if "language" in fields:
        _check_language(fields["language"])
    if "time_zone" in fields:
        _check_time_zone(fields["time_zone"])
    for key, value in fields.items():
        setattr(user, key, value)
    user.save()
    if teams is not None:
        user.teams.set(list(teams))
    old, new = audit.diff(before, _user_state(user))
    if new:
        audit.record(actor=actor, action="user.updated", obj=user, before=old, after=new)
        emit(UserUpdated(user_id=user.pk), subject=user, actor=actor, changes={k: [old[k], new[k]] for k in new})
    return user


@transaction.atomic
def set_password(*, actor: User | None, user: User, password: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(actor=actor, action="user.password_changed", obj=user)


def _clean_domains(domains: Iterable[str], organization: Organization | None) -> list[str]:
    cleaned = []
    for raw in domains:
        domain = raw.strip().lower().lstrip("@")
        if not domain or "." not in domain or " " in domain:
            raise ValidationError({"domains": _("“%(domain)s” is not a valid email domain.") % {"domain": raw}})
        taken = OrganizationDomain.objects.filter(domain=domain)
        if organization is not None:
            taken = taken.exclude(organization=organization)
        if taken.exists():
            raise ValidationError(
                {"domains": _("The domain %(domain)s belongs to another organization.") % {"domain": domain}}
            )
        cleaned.append(domain)
    return sorted(set(cleaned))


def _org_state(org: Organization) -> dict[str, Any]:
    return {
        "name": org.name,
        "notes": org.notes,
        "members_see_org_tickets": org.members_see_org_tickets,
        "domains": sorted(org.domains.values_list("domain", flat=True)) if org.pk else [],
    }


@transaction.atomic
def create_organization(
    *,
    actor: User | None,
    name: str,
    domains: Iterable[str] = (),
    notes: str = "",
    members_see_org_tickets: bool = False,
) -> Organization:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("This field is required.")})
    if Organization.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("An organization with this name already exists.")})
    clean = _clean_domains(domains, None)
    now = clock.now()
    org = Organization.objects.create(
        name=name, notes=notes, members_see_org_tickets=members_see_org_tickets, created_at=now, updated_at=now
    )
    OrganizationDomain.objects.bulk_create([OrganizationDomain(organization=org, domain=d) for d in clean])
    audit.record(actor=actor, action="organization.created", obj=org, after=_org_state(org))
    emit(OrganizationCreated(organization_id=org.pk), subject=org, actor=actor)
    return org


@transaction.atomic
def update_organization(
    *, actor: User | None, organization: Organization, domains: Iterable[str] | None = None, **fields: Any
) -> Organization:
    allowed = {"name", "notes", "members_see_org_tickets"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed.")})
    before = _org_state(organization)
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            raise ValidationError({"name": _("This field is required.")})
        if Organization.objects.filter(name__iexact=fields["name"]).exclude(pk=organization.pk).exists():
            raise ValidationError({"name": _("An organization with this name already exists.")})
    for key, value in fields.items():
        setattr(organization, key, value)
    organization.updated_at = clock.now()
    organization.save()
    if domains is not None:
        clean = _clean_domains(domains, organization)
        organization.domains.exclude(domain__in=clean).delete()
        existing = set(organization.domains.values_list("domain", flat=True))
        OrganizationDomain.objects.bulk_create(
            [OrganizationDomain(organization=organization, domain=d) for d in clean if d not in existing]
        )
    old, new = audit.diff(before, _org_state(organization))
    if new:
        audit.record(actor=actor, action="organization.updated", obj=organization, before=old, after=new)
        emit(
            OrganizationUpdated(organization_id=organization.pk),
            subject=organization,
            actor=actor,
            changes={k: [old[k], new[k]] for k in new},
        )
    return organization


@transaction.atomic
def create_team(*, actor: User | None, name: str, description: str = "", members: Iterable[User] = ()) -> Team:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("This field is required.")})
    if Team.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("A team with this name already exists.")})
    team = Team.objects.create(name=name, description=description, created_at=clock.now())
    member_list = list(members)
    if any(not m.is_agent for m in member_list):
        raise ValidationError({"members": _("Only agents can be team members.")})
    team.members.set(member_list)
    audit.record(
        actor=actor, action="team.created", obj=team, after={"name": name, "members": [m.pk for m in member_list]}
    )
    emit(TeamCreated(team_id=team.pk), subject=team, actor=actor)
    return team


@transaction.atomic
def update_team(*, actor: User | None, team: Team, members: Iterable[User] | None = None, **fields: Any) -> Team:
    allowed = {"name", "description"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed.")})
    before = {
        "name": team.name,
        "description": team.description,
        "members": sorted(team.members.values_list("pk", flat=True)),
    }
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            raise ValidationError({"name": _("This field is required.")})
        if Team.objects.filter(name__iexact=fields["name"]).exclude(pk=team.pk).exists():
            raise ValidationError({"name": _("A team with this name already exists.")})
    for key, value in fields.items():
        setattr(team, key, value)
    team.save()
    if members is not None:
        member_list = list(members)
        if any(not m.is_agent for m in member_list):
            raise ValidationError({"members": _("Only agents can be team members.")})
        team.members.set(member_list)
    after = {
        "name": team.name,
        "description": team.description,
        "members": sorted(team.members.values_list("pk", flat=True)),
    }
    old, new = audit.diff(before, after)
    if new:
        audit.record(actor=actor, action="team.updated", obj=team, before=old, after=new)
        emit(TeamUpdated(team_id=team.pk), subject=team, actor=actor, changes={k: [old[k], new[k]] for k in new})
    return team


@transaction.atomic
def create_api_token(
    *,
    actor: User | None,
    user: User,
    name: str = "",
    scope: str = TokenScope.READ,
    expires_in_days: int | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the row and the secret (shown once)."""
    if scope not in TokenScope.values:
        raise ValidationError({"scope": _("Choose read or write.")})
    if expires_in_days is not None and expires_in_days < 1:
        raise ValidationError({"expires_in_days": _("Must be at least one day.")})
    full, prefix, key_hash = tokens.generate()
    now = clock.now()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        key_hash=key_hash,
        scope=scope,
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    audit.record(
        actor=actor, action="api_token.created", obj=token, after={"user": user.email, "scope": scope, "prefix": prefix}
    )
    emit(ApiTokenCreated(token_id=token.pk, user_id=user.pk, scope=scope), subject=token, actor=actor)
    return token, full


@transaction.atomic
def revoke_api_token(*, actor: User | None, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action="api_token.revoked", obj=token)
        emit(ApiTokenRevoked(token_id=token.pk), subject=token, actor=actor)
    return token


def touch_token(token: ApiToken) -> None:
    """Record use, at most once a minute per token (no write on every request)."""
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
