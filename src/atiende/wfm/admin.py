"""Admin for workforce management: shift templates and work rules are edited through the
services; computed plans (forecasts, requirements, schedules, runs) are read-only here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from atiende.wfm.models import (
    AgentWorkRule,
    Drill,
    Forecast,
    ForecastEvent,
    Schedule,
    ScheduledShift,
    ShiftTemplate,
    SimulationRun,
    StaffingRequirement,
)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ShiftTemplate)
class ShiftTemplateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "start_earliest", "start_latest", "length_minutes", "is_active")

    def save_model(self, request: HttpRequest, obj: ShiftTemplate, form: Any, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        from atiende.wfm import services  # numpy and scipy load only when an admin saves

        services.save_shift_template(actor=request.user, template=obj, **fields)  # type: ignore[arg-type]


@admin.register(AgentWorkRule)
class AgentWorkRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("agent", "max_minutes_per_week", "max_days_per_week")

    def save_model(self, request: HttpRequest, obj: AgentWorkRule, form: Any, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in form.changed_data if name != "agent"}
        from atiende.wfm import services

        services.save_work_rule(actor=request.user, agent=obj.agent, **fields)  # type: ignore[arg-type]


@admin.register(ForecastEvent)
class ForecastEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "channel", "starts_at", "ends_at", "factor")


@admin.register(Forecast)
class ForecastAdmin(ReadOnlyAdmin):
    list_display = ("id", "channel", "interval_minutes", "start", "model", "created_at")
    exclude = ("values", "history", "handle_seconds")


@admin.register(StaffingRequirement)
class RequirementAdmin(ReadOnlyAdmin):
    list_display = ("id", "forecast", "target", "answer_time", "patience", "shrinkage", "created_at")
    exclude = ("agents", "scheduled", "service_level")


@admin.register(Schedule)
class ScheduleAdmin(ReadOnlyAdmin):
    list_display = ("name", "start", "days", "status", "paid_hours")
    exclude = ("required", "coverage", "inputs")


@admin.register(ScheduledShift)
class ScheduledShiftAdmin(ReadOnlyAdmin):
    list_display = ("agent", "schedule", "starts_at", "ends_at", "channel")
    list_select_related = ("agent", "schedule")


@admin.register(Drill)
class DrillAdmin(ReadOnlyAdmin):
    list_display = ("name", "scenario", "schedule", "created_at")


@admin.register(SimulationRun)
class SimulationRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "schedule", "drill", "replications", "created_at")
