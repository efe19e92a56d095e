"""Filters for contacts; one FilterSet serves the API and the web UI."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from atiende.contacts.choices import IdentityKind
from atiende.contacts.models import Contact, ContactIdentity


class ContactFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", help_text=_("Part of the name or of any identity (email, phone…).")
    )
    organization = django_filters.NumberFilter(field_name="organization_id", help_text=_("Organization id."))
    kind = django_filters.ChoiceFilter(
        choices=IdentityKind.choices, method="filter_kind", help_text=_("Only contacts with an identity of this kind.")
    )

    class Meta:
        model = Contact
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Contact], name: str, value: str) -> QuerySet[Contact]:
        value = value.strip()
        if not value:
            return queryset
        owners = ContactIdentity.objects.filter(value__icontains=value.lower()).values("contact_id")
        return queryset.filter(Q(name__icontains=value) | Q(pk__in=owners))

    def filter_kind(self, queryset: QuerySet[Contact], name: str, value: str) -> QuerySet[Contact]:
        return queryset.filter(pk__in=ContactIdentity.objects.filter(kind=value).values("contact_id"))
