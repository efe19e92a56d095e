"""Django admin for the service catalog and custom fields (writes through services);
tickets are read-only here — they change through the API and the agent workspace."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from atiende.accounts.admin import acting_user
from atiende.tickets import services
from atiende.tickets.models import Category, CategoryField, CustomField, Message, Tag, Ticket


@admin.register(CustomField)
class CustomFieldAdmin(admin.ModelAdmin):
    list_display = ("key", "label", "type", "required", "agent_only", "applies_to_all", "is_active")
    list_filter = ("type", "is_active", "agent_only")
    search_fields = ("key", "label")
    fields = ("key", "label", "type", "options", "required", "agent_only", "applies_to_all", "is_active", "position")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("key", "type") if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: CustomField, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            services.update_custom_field(
                actor=acting_user(request),
                field=CustomField.objects.get(pk=obj.pk),
                **{
                    k: data[k]
                    for k in ("label", "options", "required", "agent_only", "applies_to_all", "is_active", "position")
                },
            )
        else:
            field = services.create_custom_field(
                actor=acting_user(request),
                **{
                    k: data[k]
                    for k in ("key", "label", "type", "options", "required", "agent_only", "applies_to_all", "position")
                },
            )
            obj.pk, obj.created_at = field.pk, field.created_at


class CategoryFieldInline(admin.TabularInline):
    model = CategoryField
    extra = 1
    autocomplete_fields = ("field",)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "parent", "default_team", "is_active", "position")
    list_filter = ("is_active",)
    search_fields = ("name",)
    fields = ("name", "parent", "description", "default_team", "is_active", "position")
    inlines = [CategoryFieldInline]

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        data = {k: form.cleaned_data[k] for k in self.fields}
        if change:
            services.update_category(actor=acting_user(request), category=Category.objects.get(pk=obj.pk), **data)
        else:
            data.pop("is_active")
            category = services.create_category(actor=acting_user(request), **data)
            obj.pk, obj.created_at = category.pk, category.created_at


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)


class MessageInline(admin.StackedInline):
    model = Message
    extra = 0
    fields = ("kind", "channel", "author_user", "author_contact", "body_text", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("number", "subject", "status", "priority", "team", "assignee", "created_at")
    list_filter = ("status", "priority", "channel", "team")
    search_fields = ("=number", "subject")
    list_select_related = ("team", "assignee")
    show_full_result_count = False
    inlines = [MessageInline]
    exclude = ("search_text",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Ticket._meta.fields if f.name != "search_text"] + ["tags", "ccs", "followers"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.method in ("GET", "HEAD")

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
