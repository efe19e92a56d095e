from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from atiende.core import events
from atiende.core.models import OutboxEvent, PeriodicJobState


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "type", "subject_type", "subject_id", "depth", "attempts", "delivered_at")
    list_filter = ("type", ("delivered_at", admin.EmptyFieldListFilter))
    search_fields = ("type", "subject_id")
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]
    actions = ["redeliver"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description=_("Deliver again now"))
    def redeliver(self, request: HttpRequest, queryset: QuerySet[OutboxEvent]) -> None:
        queryset.update(attempts=0, next_attempt_at=None)
        count = sum(1 for event in queryset if events.deliver(str(event.pk)))
        self.message_user(
            request,
            ngettext("%(count)d event delivered.", "%(count)d events delivered.", count) % {"count": count},
            messages.SUCCESS,
        )


@admin.register(PeriodicJobState)
class PeriodicJobStateAdmin(admin.ModelAdmin):
    list_display = ("name", "next_run_at", "last_run_at", "last_run_by", "run_count")
    readonly_fields = ("name", "last_run_at", "last_run_by", "run_count")
