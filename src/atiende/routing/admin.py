"""Django admin (administrators only): routing rows read-only — every change goes through
the services (the API and the routing pages), so audit rows, presence history and events
stay right."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from atiende.routing.models import (
    AgentSkill,
    AgentState,
    CallbackRequest,
    Diversion,
    Escalation,
    EscalationReason,
    EscalationRule,
    OverflowRule,
    PresenceLog,
    RoutingDecision,
    ShadowDecision,
    ShadowPolicy,
    Skill,
    SkillRequirement,
    TeamRoutingConfig,
)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RoutingDecision)
class RoutingDecisionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "ticket", "agent", "strategy", "trigger")
    list_filter = ("strategy", "trigger")
    list_select_related = ("ticket", "agent")
    raw_id_fields = ("ticket", "agent", "actor", "team")


@admin.register(PresenceLog)
class PresenceLogAdmin(ReadOnlyAdmin):
    list_display = ("agent", "status", "started_at", "ended_at")
    list_filter = ("status",)
    list_select_related = ("agent",)


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ("at", "ticket", "direction", "from_tier", "to_tier", "trigger", "is_bounce_back", "actor")
    list_filter = ("direction", "trigger", "is_bounce_back")
    list_select_related = ("ticket", "actor")
    raw_id_fields = ("ticket",)


@admin.register(Diversion)
class DiversionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "rule", "team", "ticket", "action")
    list_filter = ("action",)
    raw_id_fields = ("ticket",)


for model in (
    AgentSkill,
    AgentState,
    CallbackRequest,
    EscalationReason,
    EscalationRule,
    OverflowRule,
    ShadowDecision,
    ShadowPolicy,
    Skill,
    SkillRequirement,
    TeamRoutingConfig,
):
    admin.site.register(model, ReadOnlyAdmin)
