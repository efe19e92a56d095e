"""Filters for users and organizations; one FilterSet serves the API and the web UI."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from atiende.accounts.choices import Role
from atiende.accounts.models import Organization, OrganizationDomain, User


class ListOrCSVWidget(forms.SelectMultiple):
    """Several values as ``?x=a&x=b`` or ``?x=a,b`` (shared by the apps' FilterSets)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        raw = data.getlist(name) if hasattr(data, "getlist") else ([data[name]] if name in data else [])
        return [part.strip() for value in raw for part in str(value).split(",") if part.strip()]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data


class UserFilterSet(django_filters.FilterSet):
    role = django_filters.MultipleChoiceFilter(
        choices=Role.choices, widget=ListOrCSVWidget, help_text=_("One or more roles (repeat or comma-separate).")
    )
    team = django_filters.NumberFilter(field_name="teams", help_text=_("Team id."))
    organization = django_filters.NumberFilter(field_name="organization_id", help_text=_("Organization id."))
    is_active = django_filters.BooleanFilter()
    q = django_filters.CharFilter(method="filter_q", help_text=_("Part of the name or email."))

    class Meta:
        model = User
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(email__icontains=value))


class OrganizationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", help_text=_("Part of the name, or an email domain."))
    domain = django_filters.CharFilter(method="filter_domain", help_text=_("An exact email domain."))

    class Meta:
        model = Organization
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Organization], name: str, value: str) -> QuerySet[Organization]:
        value = value.strip()
        if not value:
            return queryset
        domain_owners = OrganizationDomain.objects.filter(domain__icontains=value.lower()).values("organization_id")
        return queryset.filter(Q(name__icontains=value) | Q(pk__in=domain_owners))

    def filter_domain(self, queryset: QuerySet[Organization], name: str, value: str) -> QuerySet[Organization]:
        domain = value.strip().lower().lstrip("@")
        return queryset.filter(domains__domain=domain)
