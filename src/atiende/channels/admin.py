"""Django admin (administrators only): inboxes through the services, the quarantine with replay.

Passwords are write-only here too: the form has empty password fields; leaving one
empty keeps the stored (encrypted) value.
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from atiende.channels import services
from atiende.channels.choices import Outcome
from atiende.channels.email.imap import health
from atiende.channels.models import InboundEmail, Inbox, OutboundEmail, QuarantinedEmail, Suppression
from atiende.channels.services.inboxes import EDITABLE, validate_inbox


class InboxForm(forms.ModelForm):  # type: ignore[type-arg]
    imap_password = forms.CharField(
        label=_("IMAP password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted and never shown. Leave empty to keep the current one."),
    )
    smtp_password = forms.CharField(
        label=_("SMTP password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted and never shown. Leave empty to keep the current one."),
    )

    class Meta:
        model = Inbox
        fields = sorted(EDITABLE)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        candidate = copy.copy(self.instance)
        for key in EDITABLE:
            if key in cleaned:
                setattr(candidate, key, cleaned[key])
        if cleaned.get("imap_password"):
            candidate.imap_password_encrypted = "(new)"  # noqa: S105 - only "a password is given"
        try:
            validate_inbox(candidate)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return cleaned


@admin.register(Inbox)
class InboxAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = InboxForm
    list_display = ("name", "address", "team", "language", "is_active", "is_default", "imap_enabled", "fetch_status")
    list_filter = ("is_active", "imap_enabled", "language")
    search_fields = ("name", "address")
    readonly_fields = ("fetch_status", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "address", "team", "language", "is_active", "is_default", "signature")}),
        (_("Threading"), {"fields": ("use_reply_address", "non_participant_policy")}),
        (
            _("Auto-acknowledgement"),
            {
                "fields": (
                    "autoack_enabled",
                    "autoack_subject_es",
                    "autoack_body_es",
                    "autoack_subject_en",
                    "autoack_body_en",
                )
            },
        ),
        (
            _("Receiving (IMAP)"),
            {
                "fields": (
                    "imap_enabled",
                    "imap_host",
                    "imap_port",
                    "imap_security",
                    "imap_username",
                    "imap_password",
                    "imap_folder",
                    "imap_archive_folder",
                    "fetch_status",
                )
            },
        ),
        (
            _("Sending (SMTP)"),
            {"fields": ("smtp_host", "smtp_port", "smtp_security", "smtp_username", "smtp_password")},
        ),
    )

    @admin.display(description=_("IMAP"))
    def fetch_status(self, obj: Inbox) -> str:
        if obj.pk is None:
            return "—"
        info = health(obj)
        return str(info.get("label", ""))

    def save_model(self, request: HttpRequest, obj: Inbox, form: Any, change: bool) -> None:
        data = {k: v for k, v in form.cleaned_data.items() if k in EDITABLE}
        for secret in ("imap_password", "smtp_password"):
            value = form.cleaned_data.get(secret)
            data[secret] = value if value else None  # empty: keep the stored one
        if change:
            saved = services.update_inbox(actor=request.user, inbox=Inbox.objects.get(pk=obj.pk), **data)  # type: ignore[arg-type]
        else:
            name, address = data.pop("name"), data.pop("address")
            saved = services.create_inbox(actor=request.user, name=name, address=address, **data)  # type: ignore[arg-type]
        obj.pk, obj.created_at, obj.updated_at = saved.pk, saved.created_at, saved.updated_at


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


INBOUND_FIELDS = (
    "inbox",
    "source",
    "source_ref",
    "received_at",
    "processed_at",
    "message_id",
    "from_address",
    "subject",
    "outcome",
    "kind",
    "reason_code",
    "reason",
    "thread_reason",
    "thread_detail",
    "ticket",
    "ticket_message",
    "duplicate_of",
    "defects",
    "raw_path",
    "raw_size",
    "raw_sha256",
    "attempts",
    "body_display",
    "body_quoted",
)


@admin.register(QuarantinedEmail)
class QuarantineAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "inbox", "from_address", "subject", "reason_code", "attempts")
    list_filter = ("reason_code", "inbox")
    search_fields = ("from_address", "subject", "message_id")
    readonly_fields = INBOUND_FIELDS
    fields = INBOUND_FIELDS
    actions = ("replay", "accept")

    def get_queryset(self, request: HttpRequest) -> QuerySet[QuarantinedEmail]:
        return super().get_queryset(request).filter(outcome=Outcome.QUARANTINED).select_related("inbox", "ticket")

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return bool(getattr(request.user, "is_staff", False))

    def _replay(self, request: HttpRequest, queryset: QuerySet[QuarantinedEmail], *, accept: bool) -> None:
        done = 0
        for inbound in queryset:
            result = services.replay_email(actor=request.user, inbound=inbound, accept=accept)  # type: ignore[arg-type]
            done += int(result.outcome != Outcome.QUARANTINED)
        messages.info(
            request,
            ngettext("%(count)d message processed.", "%(count)d messages processed.", done) % {"count": done},
        )

    @admin.action(description=_("Replay: run through the intake again"))
    def replay(self, request: HttpRequest, queryset: QuerySet[QuarantinedEmail]) -> None:
        self._replay(request, queryset, accept=False)

    @admin.action(description=_("Accept held replies into the ticket they matched"))
    def accept(self, request: HttpRequest, queryset: QuerySet[QuarantinedEmail]) -> None:
        self._replay(request, queryset, accept=True)


@admin.register(InboundEmail)
class InboundEmailAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "inbox", "from_address", "subject", "outcome", "kind", "thread_reason", "ticket")
    list_filter = ("outcome", "kind", "thread_reason", "source", "inbox")
    search_fields = ("from_address", "subject", "message_id")
    readonly_fields = INBOUND_FIELDS
    fields = INBOUND_FIELDS


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "recipient", "subject", "status", "attempts", "ticket")
    list_filter = ("status", "kind")
    search_fields = ("recipient", "subject", "message_id")
    exclude = ("body_html",)


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("address", "reason", "created_at")
    list_filter = ("reason",)
    search_fields = ("address",)
    fields = ("address", "detail")

    def save_model(self, request: HttpRequest, obj: Suppression, form: Any, change: bool) -> None:
        row = services.add_suppression(actor=request.user, address=obj.address, detail=obj.detail)  # type: ignore[arg-type]
        obj.pk, obj.reason, obj.created_at = row.pk, row.reason, row.created_at

    def delete_model(self, request: HttpRequest, obj: Suppression) -> None:
        services.remove_suppression(actor=request.user, suppression=obj)  # type: ignore[arg-type]
