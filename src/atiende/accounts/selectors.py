"""Read side of accounts: every queryset is scoped by the viewer."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from atiende.accounts import tokens
from atiende.accounts.choices import AGENT_ROLES
from atiende.accounts.models import ApiToken, AuditLog, Organization, OrganizationDomain, Team, User
from atiende.core.memo import in_batch, memoized


def users_visible_to(viewer: User) -> QuerySet[User]:
    """Agents see agents and customers; customers see only themselves."""
    qs = User.objects.select_related("organization")
    if viewer.is_agent:
        return qs.all()
    return qs.filter(pk=viewer.pk)


def agents(*, active_only: bool = True) -> QuerySet[User]:
    qs = User.objects.filter(role__in=AGENT_ROLES)
    return qs.filter(is_active=True) if active_only else qs


def teams_visible_to(viewer: User) -> QuerySet[Team]:
    if viewer.is_agent:
        return Team.objects.all()
    return Team.objects.none()


def team_ids_of(user: User) -> list[int]:
    return list(user.teams.values_list("pk", flat=True))


def organizations_visible_to(viewer: User) -> QuerySet[Organization]:
    qs = Organization.objects.prefetch_related("domains")
    if viewer.is_agent:
        return qs.all()
    if viewer.organization_id is None:
        return qs.none()
    return qs.filter(pk=viewer.organization_id)


# Up to this many claimed domains are read once per batch, so that the lookups of
# addresses whose domain no organization claims (most customers') need no query.
CLAIMED_DOMAINS_PER_BATCH = 5000


def _claimed_domains() -> frozenset[str] | None:
    """Every domain some organization claims, or None when there are too many to read at once."""
    domains = list(
        OrganizationDomain.objects.order_by().values_list("domain", flat=True)[: CLAIMED_DOMAINS_PER_BATCH + 1]
    )
    return None if len(domains) > CLAIMED_DOMAINS_PER_BATCH else frozenset(d.lower() for d in domains)


def organization_for_email(email: str) -> Organization | None:
    domain = email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""
    if not domain:
        return None
    if in_batch():
        # A batch of intake: the claimed domains once, then a query only for those (once each).
        claimed = memoized("claimed_domains", None, _claimed_domains)
        if claimed is not None and domain not in claimed:
            return None
        return memoized(
            "organization_for_domain", domain, lambda: Organization.objects.filter(domains__domain=domain).first()
        )
    return Organization.objects.filter(domains__domain=domain).first()


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def token_for_key(full: str, *, now: datetime) -> ApiToken | None:
    """The active token matching ``full`` (constant-time hash comparison)."""
    prefix = tokens.split(full)
    if prefix is None:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not tokens.matches(full, token.key_hash):
        return None
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if not token.user.is_active:
        return None
    return token


def audit_log_visible_to(viewer: User) -> QuerySet[AuditLog]:
    if viewer.is_manager:
        return AuditLog.objects.select_related("actor")
    return AuditLog.objects.none()


def audit_for(viewer: User, *, object_type: str, object_id: str) -> QuerySet[AuditLog]:
    return audit_log_visible_to(viewer).filter(Q(object_type=object_type) & Q(object_id=object_id))
