"""Django admin for SLA configuration; every write goes through :mod:`atiende.sla.services`.

Errors from the services' validation show next to their field.
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from atiende.sla import services
from atiende.sla.models import AppliedSla, Calendar, Holiday, Policy, SlaTarget
from atiende.sla.services.configuration import CALENDAR_FIELDS, POLICY_FIELDS, validate_calendar, validate_policy


class ServiceForm(forms.ModelForm):  # type: ignore[type-arg]
    """Runs the service in ``clean`` inside the admin's transaction: validation errors land on fields."""

    service_fields: tuple[str, ...] = ()

    def validate(self, candidate: Any) -> None:
        raise NotImplementedError

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        candidate = copy.copy(self.instance)
        for key, value in self.values().items():
            setattr(candidate, key, value)
        try:
            self.validate(candidate)
        except ValidationError as exc:
            self.report(exc)
        return cleaned

    def values(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in self.service_fields if k in self.cleaned_data}

    def report(self, exc: ValidationError) -> None:
        for field, errors in exc.message_dict.items():
            name = field.split(".")[0]
            self.add_error(name if name in self.fields else None, errors)


class CalendarForm(ServiceForm):
    service_fields = CALENDAR_FIELDS

    def validate(self, candidate: Any) -> None:
        validate_calendar(candidate)

    class Meta:
        model = Calendar
        fields = list(CALENDAR_FIELDS)


class PolicyForm(ServiceForm):
    service_fields = POLICY_FIELDS

    def validate(self, candidate: Any) -> None:
        validate_policy(candidate)

    class Meta:
        model = Policy
        fields = list(POLICY_FIELDS)


class HolidayInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Holiday
    extra = 0
    fields = ("date", "name")
    readonly_fields = ("date", "name")
    can_delete = False
    show_change_link = True


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = CalendarForm
    list_display = ("name", "time_zone", "always_open", "holiday_country", "holiday_subdivision", "is_default")
    inlines = [HolidayInline]

    def save_model(self, request: HttpRequest, obj: Calendar, form: Any, change: bool) -> None:
        if change:
            saved = services.update_calendar(actor=request.user, calendar=obj, **form.values())  # type: ignore[arg-type]
        else:
            saved = services.create_calendar(actor=request.user, **form.values())  # type: ignore[arg-type]
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Calendar) -> None:
        services.delete_calendar(actor=request.user, calendar=obj)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Calendar]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("date", "name", "calendar")
    list_filter = ("calendar",)
    fields = ("calendar", "date", "name")

    def has_change_permission(self, request: HttpRequest, obj: Holiday | None = None) -> bool:
        return False  # delete and add again: a holiday is a date

    def save_model(self, request: HttpRequest, obj: Holiday, form: Any, change: bool) -> None:
        saved = services.create_holiday(
            actor=request.user,  # type: ignore[arg-type]
            calendar=form.cleaned_data["calendar"],
            date=form.cleaned_data["date"],
            name=form.cleaned_data.get("name", ""),
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Holiday) -> None:
        services.delete_holiday(actor=request.user, holiday=obj)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Holiday]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = PolicyForm
    list_display = ("name", "position", "is_active", "is_fallback", "warning_percent", "calendar")
    list_editable = ()
    ordering = ("is_fallback", "position", "id")

    def save_model(self, request: HttpRequest, obj: Policy, form: Any, change: bool) -> None:
        if change:
            saved = services.update_policy(actor=request.user, policy=obj, **form.values())  # type: ignore[arg-type]
        else:
            saved = services.create_policy(actor=request.user, **form.values())  # type: ignore[arg-type]
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Policy) -> None:
        services.delete_policy(actor=request.user, policy=obj)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Policy]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Computed by the SLA clock: shown, never edited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AppliedSla)
class AppliedSlaAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "policy", "state", "next_deadline", "breached")
    list_filter = ("state", "breached", "policy")
    raw_id_fields = ("ticket",)
    list_select_related = ("ticket", "policy")


@admin.register(SlaTarget)
class SlaTargetAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "target", "state", "deadline", "met_at", "warned_at", "breached_at")
    list_filter = ("target", "state")
    raw_id_fields = ("ticket", "applied")
    list_select_related = ("ticket",)
    verbose_name = _("SLA target")
