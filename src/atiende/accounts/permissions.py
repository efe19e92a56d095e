from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from atiende.accounts.choices import TokenScope
from atiende.accounts.models import ApiToken


class TokenScopePermission(BasePermission):
    """A read-scoped token may only use safe methods."""

    message = _("This API token is read-only.")

    def has_permission(self, request: Request, view: Any) -> bool:
        if isinstance(request.auth, ApiToken) and request.auth.scope == TokenScope.READ:
            return request.method in SAFE_METHODS
        return True


class IsAgent(BasePermission):
    message = _("Only agents can do this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_agent)


class IsAgentOrReadOnly(BasePermission):
    message = _("Only agents can do this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return bool(request.user and request.user.is_authenticated and request.user.is_agent)


class IsManagerOrReadOnly(BasePermission):
    """Reads for any signed-in user (the queryset scopes them); writes for admins and supervisors."""

    message = _("Only administrators and supervisors can do this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or request.user.is_manager


class IsAdminOrReadOnly(BasePermission):
    message = _("Only administrators can do this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or request.user.role == "admin"
