"""Django admin (administrators only). Rules, macros and webhooks are edited on the automation
pages (which validate through the services); here they are read-only, with the logs."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from atiende.automation.models import (
    CannedResponse,
    CustomerOptOut,
    Macro,
    Notification,
    NotificationTemplate,
    Rule,
    RuleRun,
    WebhookDelivery,
    WebhookSubscription,
)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Rule)
class RuleAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "position", "is_active", "updated_at")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)


@admin.register(RuleRun)
class RuleRunAdmin(ReadOnlyAdmin):
    list_display = ("at", "rule", "ticket", "event_type", "depth", "matched", "error")
    list_filter = ("matched", "event_type")
    raw_id_fields = ("rule", "ticket")


@admin.register(Macro)
class MacroAdmin(ReadOnlyAdmin):
    list_display = ("name", "owner", "team", "is_active")


@admin.register(CannedResponse)
class CannedAdmin(ReadOnlyAdmin):
    list_display = ("title", "language", "owner", "team")
    search_fields = ("title", "body")


@admin.register(NotificationTemplate)
class TemplateAdmin(ReadOnlyAdmin):
    list_display = ("notice", "language", "inbox", "organization", "is_enabled")


@admin.register(CustomerOptOut)
class OptOutAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("contact", "notice", "created_at")
    raw_id_fields = ("contact",)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "recipient", "kind", "title", "read_at")
    list_filter = ("kind",)


@admin.register(WebhookSubscription)
class WebhookAdmin(ReadOnlyAdmin):
    list_display = ("name", "url", "is_active", "consecutive_failures", "disabled_at")
    exclude = ("secret_encrypted",)


@admin.register(WebhookDelivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "subscription", "event_type", "status", "attempts", "status_code", "latency_ms")
    list_filter = ("status",)
