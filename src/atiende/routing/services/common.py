"""Helpers shared by the routing services."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils.translation import gettext as _

from atiende.accounts.models import User


def require_manager(actor: User | None) -> None:
    """Administrators and supervisors configure routing; the system (None) may too."""
    if actor is None:
        return
    if not (actor.is_active and actor.is_manager):
        raise PermissionDenied(_("Only supervisors and administrators can change routing settings."))


def require_agent(actor: User | None) -> None:
    if actor is None:
        return
    if not (actor.is_active and actor.is_agent):
        raise PermissionDenied(_("Your role does not allow this."))


def skip_locked() -> bool:
    """PostgreSQL skips rows another worker holds; SQLite serializes writers instead."""
    return connection.features.has_select_for_update_skip_locked
