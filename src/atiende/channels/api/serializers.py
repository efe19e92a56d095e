"""Serializers of the channels API. Credentials are write-only: accepted, never returned."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from atiende.accounts import selectors as account_selectors
from atiende.accounts.api.serializers import LANGUAGE_CHOICES, ScopedPrimaryKeyRelatedField, TeamRefSerializer
from atiende.accounts.models import Team
from atiende.channels.choices import NonParticipantPolicy, Security
from atiende.channels.email.imap import health
from atiende.channels.models import InboundEmail, Inbox, OutboundEmail, Suppression


class InboxSerializer(serializers.Serializer[Inbox]):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    address = serializers.EmailField(read_only=True)
    team = TeamRefSerializer(read_only=True, allow_null=True)
    language = serializers.CharField(read_only=True)
    signature = serializers.CharField(read_only=True)
    is_active = serializers.BooleanField(read_only=True)
    is_default = serializers.BooleanField(read_only=True)
    use_reply_address = serializers.BooleanField(read_only=True)
    non_participant_policy = serializers.CharField(read_only=True)
    autoack_enabled = serializers.BooleanField(read_only=True)
    autoack_subject_es = serializers.CharField(read_only=True)
    autoack_body_es = serializers.CharField(read_only=True)
    autoack_subject_en = serializers.CharField(read_only=True)
    autoack_body_en = serializers.CharField(read_only=True)
    imap_enabled = serializers.BooleanField(read_only=True)
    imap_host = serializers.CharField(read_only=True)
    imap_port = serializers.IntegerField(read_only=True, allow_null=True)
    imap_security = serializers.CharField(read_only=True)
    imap_username = serializers.CharField(read_only=True)
    has_imap_password = serializers.BooleanField(read_only=True, help_text=_("Whether a password is stored."))
    imap_folder = serializers.CharField(read_only=True)
    imap_archive_folder = serializers.CharField(read_only=True)
    smtp_host = serializers.CharField(read_only=True)
    smtp_port = serializers.IntegerField(read_only=True, allow_null=True)
    smtp_security = serializers.CharField(read_only=True)
    smtp_username = serializers.CharField(read_only=True)
    has_smtp_password = serializers.BooleanField(read_only=True)
    imap_health = serializers.SerializerMethodField(help_text=_("IMAP fetching: status, last success, last error."))
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def get_imap_health(self, obj: Inbox) -> dict[str, Any]:
        info = health(obj)
        return {k: (str(v) if k in ("status", "label") else v) for k, v in info.items()}


class InboxWriteSerializer(serializers.Serializer[Inbox]):
    name = serializers.CharField(max_length=100)
    address = serializers.EmailField()
    team = ScopedPrimaryKeyRelatedField(
        scope=account_selectors.teams_visible_to, model=Team, required=False, allow_null=True
    )
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False)
    signature = serializers.CharField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)
    is_default = serializers.BooleanField(required=False)
    use_reply_address = serializers.BooleanField(required=False)
    non_participant_policy = serializers.ChoiceField(choices=NonParticipantPolicy.choices, required=False)
    autoack_enabled = serializers.BooleanField(required=False)
    autoack_subject_es = serializers.CharField(required=False, allow_blank=True, max_length=200)
    autoack_body_es = serializers.CharField(required=False, allow_blank=True)
    autoack_subject_en = serializers.CharField(required=False, allow_blank=True, max_length=200)
    autoack_body_en = serializers.CharField(required=False, allow_blank=True)
    imap_enabled = serializers.BooleanField(required=False)
    imap_host = serializers.CharField(required=False, allow_blank=True, max_length=253)
    imap_port = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=65535)
    imap_security = serializers.ChoiceField(choices=Security.choices, required=False)
    imap_username = serializers.CharField(required=False, allow_blank=True, max_length=254)
    imap_password = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        style={"input_type": "password"},
        help_text=_("Write-only: stored encrypted, never returned. Leave it out to keep the current one."),
    )
    imap_folder = serializers.CharField(required=False, max_length=200)
    imap_archive_folder = serializers.CharField(required=False, allow_blank=True, max_length=200)
    smtp_host = serializers.CharField(required=False, allow_blank=True, max_length=253)
    smtp_port = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=65535)
    smtp_security = serializers.ChoiceField(choices=Security.choices, required=False)
    smtp_username = serializers.CharField(required=False, allow_blank=True, max_length=254)
    smtp_password = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        style={"input_type": "password"},
        help_text=_("Write-only: stored encrypted, never returned. Leave it out to keep the current one."),
    )


class InboundEmailSerializer(serializers.Serializer[InboundEmail]):
    id = serializers.IntegerField(read_only=True)
    inbox = serializers.IntegerField(source="inbox_id", read_only=True, allow_null=True)
    source = serializers.CharField(read_only=True)  # type: ignore[assignment]  # the field, not Field.source
    message_id = serializers.CharField(read_only=True)
    from_address = serializers.CharField(read_only=True)
    subject = serializers.CharField(read_only=True)
    outcome = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)
    thread_reason = serializers.CharField(read_only=True, help_text=_("Why the message went to this ticket."))
    thread_reason_label = serializers.CharField(source="get_thread_reason_display", read_only=True)
    thread_detail = serializers.CharField(read_only=True)
    reason_code = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True)
    defects = serializers.ListField(child=serializers.CharField(), read_only=True)
    ticket = serializers.IntegerField(source="ticket_id", read_only=True, allow_null=True)
    ticket_number = serializers.SerializerMethodField()
    ticket_message = serializers.IntegerField(source="ticket_message_id", read_only=True, allow_null=True)
    body_display = serializers.CharField(read_only=True)
    body_quoted = serializers.CharField(read_only=True, help_text=_("Quoted history and signature, collapsed."))
    html_display = serializers.CharField(read_only=True)
    raw_size = serializers.IntegerField(read_only=True)
    attempts = serializers.IntegerField(read_only=True)
    received_at = serializers.DateTimeField(read_only=True)
    processed_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def get_ticket_number(self, obj: InboundEmail) -> int | None:
        return obj.ticket.number if obj.ticket_id and obj.ticket else None


class ReplaySerializer(serializers.Serializer[Any]):
    accept = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Let a reply held because its sender is not part of the ticket join that ticket."),
    )


class OutboundEmailSerializer(serializers.Serializer[OutboundEmail]):
    id = serializers.IntegerField(read_only=True)
    ticket = serializers.IntegerField(source="ticket_id", read_only=True, allow_null=True)
    ticket_message = serializers.IntegerField(source="ticket_message_id", read_only=True, allow_null=True)
    kind = serializers.CharField(read_only=True)
    recipient = serializers.CharField(read_only=True)
    to = serializers.ListField(child=serializers.CharField(), read_only=True)
    cc = serializers.ListField(child=serializers.CharField(), read_only=True)
    subject = serializers.CharField(read_only=True)
    message_id = serializers.CharField(read_only=True)
    in_reply_to = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    attempts = serializers.IntegerField(read_only=True)
    next_attempt_at = serializers.DateTimeField(read_only=True, allow_null=True)
    last_error = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    sent_at = serializers.DateTimeField(read_only=True, allow_null=True)


class SuppressionSerializer(serializers.Serializer[Suppression]):
    id = serializers.IntegerField(read_only=True)
    address = serializers.EmailField()
    reason = serializers.CharField(read_only=True)
    detail = serializers.CharField(required=False, allow_blank=True)
    created_at = serializers.DateTimeField(read_only=True)
