from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from atiende.contacts.models import Contact, ContactIdentity


class IdentityInline(admin.TabularInline):
    model = ContactIdentity
    extra = 0
    readonly_fields = ("kind", "value", "is_primary", "verified", "created_at")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    """Read-only: contacts change through the API and the agent workspace (services)."""

    list_display = ("name", "organization", "created_at", "merged_into")
    search_fields = ("name", "identities__value")
    list_filter = ("organization",)
    inlines = [IdentityInline]
    readonly_fields = [f.name for f in Contact._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
