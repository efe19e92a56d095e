"""Read side of the agent workspace: the built-in ticket views, saved views and their counts.

A *ticket view* is a named, scoped ticket list: the five built-in ones (my open tickets,
unassigned in my teams, all open, pending, recently solved) and the saved views an agent
may see (their own and those shared with their teams). Saved views keep TicketFilterSet
parameters, so the same FilterSet serves saved views, the list's filter bar and the API.

Counts in the sidebar must stay cheap at a million tickets, so they are

* **capped**: ``COUNT(*)`` over ``LIMIT COUNT_CAP + 1`` rows of an indexed, scoped query
  (shown as "999+"), so one count touches at most a thousand index entries, never the table;
* **cached per viewer** for ``COUNT_TTL`` seconds (one ``get_many`` per page view), and
  dropped for the viewer after their own changes (``forget_counts``).

So a page view costs no count query at all while the cache is warm, and at most one
bounded query per view every ``COUNT_TTL`` seconds per agent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atiende.accounts.models import User
from atiende.core import clock, conditions
from atiende.tickets.cache_keys import site_prefix
from atiende.tickets.choices import UNSOLVED, Status
from atiende.tickets.filtersets import CUSTOM_FIELD_PREFIX, TicketFilterSet
from atiende.tickets.models import SavedView, Ticket
from atiende.tickets.selectors import ticket_scope

COUNT_CAP = 999
COUNT_TTL = 30
RECENTLY_SOLVED_DAYS = 7

# Sortable columns: non-null and indexed together with id, so keyset pagination stays cheap.
ORDERINGS: dict[str, Any] = {
    "number": gettext_lazy("Number"),
    "updated_at": gettext_lazy("Updated"),
    "created_at": gettext_lazy("Created"),
    "priority": gettext_lazy("Priority"),
    "status": gettext_lazy("Status"),
}
ALL_COLUMNS: dict[str, Any] = {
    "number": gettext_lazy("Number"),
    "subject": gettext_lazy("Subject"),
    "requester": gettext_lazy("Requester"),
    "organization": gettext_lazy("Organization"),
    "status": gettext_lazy("Status"),
    "priority": gettext_lazy("Priority"),
    "team": gettext_lazy("Team"),
    "assignee": gettext_lazy("Assignee"),
    "category": gettext_lazy("Category"),
    "tier": gettext_lazy("Tier"),
    "tags": gettext_lazy("Tags"),
    "channel": gettext_lazy("Channel"),
    "created_at": gettext_lazy("Created"),
    "updated_at": gettext_lazy("Updated"),
}
CUSTOM_COLUMN_PREFIX = "cf:"
DEFAULT_COLUMNS = ("number", "subject", "requester", "status", "priority", "assignee", "updated_at")

# Parameters a saved view may keep: the declared filters and cf_<key>, and a condition in
# the one condition language (core.conditions, the same rules automation uses) compiled to Q.
FILTER_PARAMS = tuple(TicketFilterSet.base_filters)
CONDITION_PARAM = "condition"
MULTI_PARAMS = ("status", "priority", "channel", "tier")


@dataclass(frozen=True)
class TicketView:
    key: str
    name: str
    ordering: str = "-updated_at"
    columns: tuple[str, ...] = DEFAULT_COLUMNS
    saved: SavedView | None = None
    description: str = ""
    filters: dict[str, Any] = field(default_factory=dict)

    @property
    def is_saved(self) -> bool:
        return self.saved is not None

    @property
    def stamp(self) -> str:
        """Changes whenever the definition of the view changes (cache keys use it)."""
        if self.saved is None:
            return "b"
        raw = json.dumps([self.saved.filters, self.saved.updated_at.isoformat()], sort_keys=True, default=str)
        return hashlib.sha256(raw.encode()).hexdigest()[:12]


def builtin_views() -> list[TicketView]:
    return [
        TicketView("mine", _("My open tickets"), description=_("Unsolved tickets assigned to you.")),
        TicketView(
            "unassigned",
            _("Unassigned in my teams"),
            ordering="created_at",
            description=_("Unsolved tickets of your teams (or of no team) that nobody has taken."),
        ),
        TicketView("open", _("All open"), description=_("Every unsolved ticket you can see.")),
        TicketView("pending", _("Pending"), description=_("Waiting for the customer.")),
        TicketView(
            "solved",
            _("Recently solved"),
            description=_("Solved or closed in the last %(days)d days.") % {"days": RECENTLY_SOLVED_DAYS},
        ),
        TicketView("all", _("All tickets"), description=_("Every ticket you can see, in any status.")),
    ]


BUILTIN_KEYS = ("mine", "unassigned", "open", "pending", "solved", "all")


def _builtin_q(key: str, viewer: User, team_ids: list[int]) -> Q:
    if key == "mine":
        return Q(assignee_id=viewer.pk, status__in=UNSOLVED)
    if key == "unassigned":
        return Q(assignee__isnull=True, status__in=UNSOLVED) & (Q(team_id__in=team_ids) | Q(team__isnull=True))
    if key == "open":
        return Q(status__in=UNSOLVED)
    if key == "pending":
        return Q(status=Status.PENDING)
    if key == "solved":
        since = clock.now() - timedelta(days=RECENTLY_SOLVED_DAYS)
        # updated_at >= solved_at always, so the updated_at bound changes nothing but lets
        # the database walk the (updated_at, id) index over the last days only.
        return Q(status__in=[Status.SOLVED, Status.CLOSED], solved_at__gte=since, updated_at__gte=since)
    if key == "all":
        return Q()
    raise KeyError(key)


# --- saved views ------------------------------------------------------------------------------


def saved_views_visible_to(viewer: User) -> QuerySet[SavedView]:
    """The viewer's own views, plus those shared with a team they belong to.

    Supervisors and admins also see every shared view (they manage them).
    """
    if not viewer.is_agent or not viewer.is_active:
        return SavedView.objects.none()
    team_ids = viewer.teams.values("pk")
    scope = Q(owner=viewer) | Q(team_id__in=team_ids)
    if viewer.is_manager:
        scope |= Q(team__isnull=False)
    return SavedView.objects.filter(scope).select_related("team", "owner")


def can_edit_saved_view(viewer: User, view: SavedView) -> bool:
    return view.owner_id == viewer.pk or (viewer.is_manager and view.team_id is not None)


def view_from_saved(saved: SavedView) -> TicketView:
    return TicketView(
        key=f"saved-{saved.pk}",
        name=saved.name,
        ordering=saved.ordering,
        columns=tuple(saved.columns) or DEFAULT_COLUMNS,
        saved=saved,
        filters=dict(saved.filters),
    )


def views_for(viewer: User) -> list[TicketView]:
    """Built-in views first, then the saved ones (one query)."""
    return builtin_views() + [view_from_saved(s) for s in saved_views_visible_to(viewer)]


def find_view(views: Iterable[TicketView], key: str) -> TicketView | None:
    return next((v for v in views if v.key == key), None)


# --- filters ------------------------------------------------------------------------------------


def to_querydict(filters: Mapping[str, Any]) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in filters.items():
        if isinstance(value, list | tuple):
            data.setlist(key, [str(v) for v in value])
        elif value is not None:
            data[key] = str(value)
    return data


def filterset(data: QueryDict | Mapping[str, Any], *, viewer: User, queryset: QuerySet[Ticket]) -> TicketFilterSet:
    if not isinstance(data, QueryDict):
        data = to_querydict({k: v for k, v in data.items() if k != CONDITION_PARAM})
    return TicketFilterSet(data=data, queryset=queryset, request=SimpleNamespace(user=viewer))


def filter_errors(fs: TicketFilterSet) -> dict[str, list[str]]:
    """Errors of the FilterSet's form, plus those its filter methods raise."""
    errors: dict[str, list[str]] = {k: list(v) for k, v in fs.errors.items()}
    if not errors:
        try:
            fs.qs  # noqa: B018 - builds the queryset, which validates cf_* and team/assignee values
        except ValidationError as exc:
            errors.update(exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages})
    return errors


def clean_filters(filters: Mapping[str, Any], *, viewer: User) -> dict[str, Any]:
    """Keep known, non-empty parameters; raise ``ValidationError`` naming a bad one."""
    cleaned: dict[str, Any] = {}
    for key, value in filters.items():
        if key == CONDITION_PARAM:
            if value not in (None, "", {}):
                cleaned[key] = clean_condition(value)
            continue
        if key not in FILTER_PARAMS and not key.startswith(CUSTOM_FIELD_PREFIX):
            raise ValidationError({f"filters.{key}": _("Unknown filter.")})
        if value in (None, "", [], ()):
            continue
        if key in MULTI_PARAMS:
            values = value if isinstance(value, list | tuple) else str(value).split(",")
            cleaned[key] = [str(v).strip() for v in values if str(v).strip()]
        else:
            cleaned[key] = str(value).strip()
    errors = filter_errors(filterset(cleaned, viewer=viewer, queryset=Ticket.objects.none()))
    if errors:
        raise ValidationError({f"filters.{k}": v for k, v in errors.items()})
    return cleaned


def clean_condition(value: Any) -> dict[str, Any]:
    """A condition of the one condition language (``core.conditions``) that the database can
    answer, as a dict; ``ValidationError`` on ``filters.condition`` otherwise."""
    try:
        condition = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        raise ValidationError({f"filters.{CONDITION_PARAM}": _("Not valid JSON.")}) from None
    if not isinstance(condition, dict):
        raise ValidationError({f"filters.{CONDITION_PARAM}": _("A condition is a JSON object.")})
    try:
        conditions.check(condition, allow_changes=False, queryable=True)
    except conditions.ConditionError as exc:
        raise ValidationError({f"filters.{CONDITION_PARAM}": [str(exc)]}) from None
    return condition


# --- querysets and counts -----------------------------------------------------------------------


def view_queryset(view: TicketView, viewer: User, base: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """``base`` (already scoped to the viewer) narrowed to the view.

    A saved view whose filters no longer validate (a custom field was deleted) shows
    nothing rather than everything.
    """
    if view.saved is None:
        team_ids = list(viewer.teams.values_list("pk", flat=True)) if view.key == "unassigned" else []
        return base.filter(_builtin_q(view.key, viewer, team_ids))
    fs = filterset(view.filters, viewer=viewer, queryset=base)
    if filter_errors(fs):
        return base.none()
    condition = view.filters.get(CONDITION_PARAM)
    if not condition:
        return fs.qs
    try:
        return fs.qs.filter(conditions.compile_q(condition))
    except conditions.ConditionError:
        return base.none()


def _count_key(viewer: User, view: TicketView) -> str:
    return f"atiende:ticket-view-count:{site_prefix()}:{viewer.pk}:{view.key}:{view.stamp}"


def _index_key(viewer: User) -> str:
    return f"atiende:ticket-view-count-keys:{site_prefix()}:{viewer.pk}"


def counts(viewer: User, views: list[TicketView]) -> dict[str, int]:
    """Capped ticket counts per view key, cached per viewer (see the module docstring)."""
    keys = {view.key: _count_key(viewer, view) for view in views}
    cached = cache.get_many(list(keys.values()))
    result: dict[str, int] = {}
    missing: dict[str, int] = {}
    base: QuerySet[Ticket] | None = None
    for view in views:
        key = keys[view.key]
        if key in cached:
            result[view.key] = cached[key]
            continue
        if base is None:
            base = Ticket.objects.filter(ticket_scope(viewer))
        qs = view_queryset(view, viewer, base).order_by().values("pk")
        value = qs[: COUNT_CAP + 1].count()
        result[view.key] = value
        missing[key] = value
    if missing:
        cache.set_many(missing, timeout=COUNT_TTL)
        cache.set(_index_key(viewer), list(keys.values()), timeout=COUNT_TTL)
    return result


def forget_counts(viewer: User) -> None:
    """Drop the viewer's cached counts (after they changed tickets themselves)."""
    keys = cache.get(_index_key(viewer)) or []
    if keys:
        cache.delete_many(keys)


def display_count(value: int | None) -> str:
    if value is None:
        return ""
    return f"{COUNT_CAP}+" if value > COUNT_CAP else str(value)
