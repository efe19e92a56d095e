"""Django admin for accounts. Writes go through the services (audit log and events)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from atiende.accounts import services
from atiende.accounts.models import ApiToken, AuditLog, Organization, OrganizationDomain, Team, User


def acting_user(request: HttpRequest) -> User:
    """The signed-in administrator (the admin site lets nobody else in)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionError("the admin needs a signed-in user")
    return user


class UserForm(forms.ModelForm):
    password = forms.CharField(
        label=_("Password"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_("Leave empty to keep the current password."),
    )

    class Meta:
        model = User
        fields = ("email", "name", "role", "is_active", "organization", "language", "time_zone")


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    form = UserForm
    list_display = ("email", "name", "role", "organization", "is_active")
    list_filter = ("role", "is_active", "language")
    search_fields = ("email", "name")
    autocomplete_fields = ("organization",)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        data = form.cleaned_data
        fields = {k: data[k] for k in ("name", "role", "is_active", "organization", "language", "time_zone")}
        if change:
            user = services.update_user(
                actor=acting_user(request), user=User.objects.get(pk=obj.pk), email=data["email"], **fields
            )
            if data.get("password"):
                services.set_password(actor=acting_user(request), user=user, password=data["password"])
        else:
            fields.pop("is_active")
            user = services.create_user(
                actor=acting_user(request), email=data["email"], password=data.get("password") or None, **fields
            )
        obj.pk = user.pk


class DomainInline(admin.TabularInline):
    model = OrganizationDomain
    extra = 1


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "members_see_org_tickets", "created_at")
    search_fields = ("name", "domains__domain")
    fields = ("name", "notes", "members_see_org_tickets")
    inlines = [DomainInline]

    def save_model(self, request: HttpRequest, obj: Organization, form: Any, change: bool) -> None:
        data = {k: form.cleaned_data[k] for k in self.fields}
        if change:
            services.update_organization(
                actor=acting_user(request), organization=Organization.objects.get(pk=obj.pk), **data
            )
        else:
            org = services.create_organization(actor=acting_user(request), **data)
            obj.pk = org.pk
            obj.created_at, obj.updated_at = org.created_at, org.updated_at


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "description")
    search_fields = ("name",)
    fields = ("name", "description", "members")
    filter_horizontal = ("members",)

    def save_model(self, request: HttpRequest, obj: Team, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            services.update_team(
                actor=acting_user(request),
                team=Team.objects.get(pk=obj.pk),
                name=data["name"],
                description=data["description"],
            )
        else:
            team = services.create_team(actor=acting_user(request), name=data["name"], description=data["description"])
            obj.pk, obj.created_at = team.pk, team.created_at

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        services.update_team(actor=acting_user(request), team=form.instance, members=form.cleaned_data["members"])


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "scope", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("scope",)
    search_fields = ("prefix", "user__email", "name")
    readonly_fields = ("user", "name", "prefix", "scope", "created_at", "expires_at", "last_used_at", "revoked_at")
    exclude = ("key_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are created with `atiende token create` or the API, which show the secret once

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            services.revoke_api_token(actor=acting_user(request), token=token)


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_label", "ip", "action", "object_type", "object_id", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_id", "object_repr")
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
