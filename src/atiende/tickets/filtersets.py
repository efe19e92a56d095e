"""Ticket filters; one FilterSet serves the API and the web UI.

Every filter narrows a queryset that a selector has already scoped to the viewer, so
a filter value naming something the viewer cannot see simply matches nothing.

Besides the declared filters, ``cf_<key>=value`` filters on a custom field the viewer
may see (typed by the field: numbers, ``true``/``false`` for checkboxes, one option of
a multi-select), and ``q`` is full-text search (``#1042`` finds a ticket by number).
"""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from atiende.accounts.filtersets import ListOrCSVWidget
from atiende.tickets import custom_fields as cf
from atiende.tickets import selectors
from atiende.tickets.choices import PRIORITY_BY_NAME, Channel, FieldType, Status, Tier
from atiende.tickets.models import CustomField, Ticket

CUSTOM_FIELD_PREFIX = "cf_"
_KEY = re.compile(r"^[a-z0-9_]{1,64}$")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


class TicketFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        distinct=False,
        choices=Status.choices,
        widget=ListOrCSVWidget,
        help_text=_("One or more statuses (repeat or comma-separate)."),
    )
    priority = django_filters.MultipleChoiceFilter(
        distinct=False,
        choices=[(name, name) for name in PRIORITY_BY_NAME],
        method="filter_priority",
        widget=ListOrCSVWidget,
        help_text=_("One or more of low, normal, high, urgent."),
    )
    team = extend_schema_field(OpenApiTypes.STR)(
        django_filters.CharFilter(method="filter_team", help_text=_("A team id, or `none` for tickets without a team."))
    )
    assignee = extend_schema_field(OpenApiTypes.STR)(
        django_filters.CharFilter(
            method="filter_assignee", help_text=_("A user id, `me`, or `none` for unassigned tickets.")
        )
    )
    requester = django_filters.NumberFilter(field_name="requester_id", help_text=_("Contact id of the requester."))
    organization = django_filters.NumberFilter(field_name="organization_id", help_text=_("Organization id."))
    category = django_filters.NumberFilter(field_name="category_id", help_text=_("Category id."))
    channel = django_filters.MultipleChoiceFilter(
        distinct=False, choices=Channel.choices, widget=ListOrCSVWidget, help_text=_("One or more origin channels.")
    )
    tag = extend_schema_field(OpenApiTypes.STR)(
        django_filters.CharFilter(
            method="filter_tag", help_text=_("A tag name; comma-separate several to require all of them.")
        )
    )
    tier = django_filters.MultipleChoiceFilter(
        distinct=False, choices=Tier.choices, widget=ListOrCSVWidget, help_text=_("One or more support tiers (0-4).")
    )
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="lt")
    q = extend_schema_field(OpenApiTypes.STR)(
        django_filters.CharFilter(
            method="filter_q",
            help_text=_("Full-text search in subject and messages; `#1042` finds a ticket by number."),
        )
    )

    class Meta:
        model = Ticket
        fields: list[str] = []

    # --- declared filters -------------------------------------------------------------------

    def filter_priority(self, queryset: QuerySet[Ticket], name: str, value: list[str]) -> QuerySet[Ticket]:
        if not value:
            return queryset
        return queryset.filter(priority__in=[PRIORITY_BY_NAME[v] for v in value])

    def filter_team(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        value = value.strip().lower()
        if value == "none":
            return queryset.filter(team__isnull=True)
        if not value.isdigit():
            raise ValidationError({"team": _("Enter a team id or none.")})
        return queryset.filter(team_id=int(value))

    def filter_assignee(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        value = value.strip().lower()
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value == "me":
            user = getattr(self.request, "user", None)
            return queryset.filter(assignee_id=getattr(user, "pk", None))
        if not value.isdigit():
            raise ValidationError({"assignee": _("Enter a user id, me or none.")})
        return queryset.filter(assignee_id=int(value))

    def filter_tag(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        through = Ticket.tags.through
        for tag in [t.strip() for t in value.split(",") if t.strip()]:
            tagged = through.objects.filter(tag__name=tag).values("ticket_id")
            queryset = queryset.filter(pk__in=tagged)
        return queryset

    def filter_q(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        if not value.strip():
            return queryset
        return selectors.search_tickets(queryset, value)

    # --- custom fields: cf_<key>=value -------------------------------------------------------

    def filter_queryset(self, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        queryset = super().filter_queryset(queryset)
        wanted = {k[len(CUSTOM_FIELD_PREFIX) :]: k for k in self.data if k.startswith(CUSTOM_FIELD_PREFIX)}
        if not wanted:
            return queryset
        user = getattr(self.request, "user", None)
        visible = (
            {f.key: f for f in selectors.custom_fields_visible_to(user).filter(key__in=list(wanted))}
            if user is not None and user.is_authenticated
            else {}
        )
        for key, param in sorted(wanted.items()):
            field = visible.get(key) if _KEY.match(key) else None
            if field is None:
                raise ValidationError({param: _("Unknown custom field.")})
            queryset = queryset.filter(self._custom_field_q(field, param, self.data.get(param, "")))
        return queryset

    @staticmethod
    def _custom_field_q(field: CustomField, param: str, raw: str) -> Q:
        lookup = f"custom_fields__{field.key}"
        if field.type == FieldType.MULTISELECT:
            options = [str(o) for o in field.options or []]
            if raw not in options:
                raise ValidationError({param: _("Choose one of: %(options)s.") % {"options": ", ".join(options)}})
            # The stored value is a JSON list; its text contains the quoted option.
            return Q(**{f"{lookup}__icontains": f'"{raw}"'})
        value: Any = raw
        if field.type == FieldType.CHECKBOX:
            if raw.lower() not in _TRUE | _FALSE:
                raise ValidationError({param: _("Enter true or false.")})
            value = raw.lower() in _TRUE
        try:
            value = cf.coerce(field, value)
        except ValidationError as exc:
            raise ValidationError({param: exc.messages}) from None
        return Q(**{lookup: value})
