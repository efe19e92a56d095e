"""Saved views of the agent workspace: create, change and delete them.

A saved view is personal (``team`` empty) or shared with one team. Its filters are
TicketFilterSet parameters, validated here by running the FilterSet, so a view that
saves always loads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from atiende.accounts import audit
from atiende.accounts.models import Team, User
from atiende.core import clock
from atiende.tickets.models import SavedView
from atiende.tickets.ticket_views import (
    ALL_COLUMNS,
    CUSTOM_COLUMN_PREFIX,
    ORDERINGS,
    can_edit_saved_view,
    clean_filters,
)

MAX_VIEWS_PER_OWNER = 100


def _check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("This field is required.")})
    return name[:100]


def _check_ordering(ordering: str) -> str:
    if ordering.lstrip("-") not in ORDERINGS:
        raise ValidationError({"ordering": _("Choose a column to sort by.")})
    return ordering


def _check_columns(columns: Iterable[str]) -> list[str]:
    result: list[str] = []
    for column in columns:
        if column in ALL_COLUMNS or (column.startswith(CUSTOM_COLUMN_PREFIX) and len(column) <= 80):
            if column not in result:
                result.append(column)
        else:
            raise ValidationError({"columns": _("Unknown column: %(column)s.") % {"column": column}})
    if not result:
        raise ValidationError({"columns": _("Choose at least one column.")})
    return result


def _check_team(actor: User, team: Team | None) -> None:
    if team is None or actor.is_manager:
        return
    if not team.members.filter(pk=actor.pk).exists():
        raise ValidationError({"team": _("You can only share a view with a team you belong to.")})


def _state(view: SavedView) -> dict[str, Any]:
    return {
        "name": view.name,
        "team": view.team_id,
        "filters": view.filters,
        "ordering": view.ordering,
        "columns": view.columns,
        "position": view.position,
    }


@transaction.atomic
def create_saved_view(
    *,
    actor: User,
    name: str,
    filters: Mapping[str, Any],
    ordering: str = "-updated_at",
    columns: Iterable[str] = ("number", "subject", "requester", "status", "priority", "assignee", "updated_at"),
    team: Team | None = None,
    position: int = 0,
) -> SavedView:
    if not actor.is_agent:
        raise PermissionDenied(_("Your role does not allow this."))
    if SavedView.objects.filter(owner=actor).count() >= MAX_VIEWS_PER_OWNER:
        raise ValidationError({"name": _("You have too many saved views; delete some first.")})
    _check_team(actor, team)
    now = clock.now()
    view = SavedView.objects.create(
        name=_check_name(name),
        owner=actor,
        team=team,
        filters=clean_filters(filters, viewer=actor),
        ordering=_check_ordering(ordering),
        columns=_check_columns(columns),
        position=max(0, int(position)),
        created_at=now,
        updated_at=now,
    )
    audit.record(actor=actor, action="saved_view.created", obj=view, after=_state(view))
    return view


@transaction.atomic
def update_saved_view(*, actor: User, view: SavedView, **fields: Any) -> SavedView:
    allowed = {"name", "filters", "ordering", "columns", "team", "position"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed.")})
    if not can_edit_saved_view(actor, view):
        raise PermissionDenied(_("Only the owner of a view (or a supervisor) can change it."))
    before = _state(view)
    if "name" in fields:
        view.name = _check_name(fields["name"])
    if "filters" in fields:
        view.filters = clean_filters(fields["filters"], viewer=actor)
    if "ordering" in fields:
        view.ordering = _check_ordering(fields["ordering"])
    if "columns" in fields:
        view.columns = _check_columns(fields["columns"])
    if "team" in fields:
        _check_team(actor, fields["team"])
        view.team = fields["team"]
    if "position" in fields:
        view.position = max(0, int(fields["position"]))
    view.updated_at = clock.now()
    view.save()
    old, new = audit.diff(before, _state(view))
    if new:
        audit.record(actor=actor, action="saved_view.updated", obj=view, before=old, after=new)
    return view


@transaction.atomic
def delete_saved_view(*, actor: User, view: SavedView) -> None:
    if not can_edit_saved_view(actor, view):
        raise PermissionDenied(_("Only the owner of a view (or a supervisor) can change it."))
    audit.record(actor=actor, action="saved_view.deleted", obj=view, before=_state(view))
    view.delete()
