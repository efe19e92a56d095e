"""Serializers of the automation API: plain shapes in, services do the validation."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from atiende.automation.choices import CustomerNotice
from atiende.automation.models import (
    CannedResponse,
    Macro,
    Notification,
    NotificationTemplate,
    Rule,
    RuleRun,
    WebhookDelivery,
    WebhookSubscription,
)


class RuleSerializer(serializers.ModelSerializer[Rule]):
    class Meta:
        model = Rule
        fields = [
            "id",
            "name",
            "description",
            "kind",
            "events",
            "condition",
            "actions",
            "position",
            "is_active",
            "stop_processing",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class RuleWriteSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=150)
    description = serializers.CharField(required=False, allow_blank=True)
    events = serializers.ListField(child=serializers.CharField(), required=False)
    condition = serializers.JSONField(required=False)
    actions = serializers.JSONField()
    position = serializers.IntegerField(required=False, min_value=0)
    is_active = serializers.BooleanField(required=False)
    stop_processing = serializers.BooleanField(required=False)


class RuleRunSerializer(serializers.ModelSerializer[RuleRun]):
    ticket_number = serializers.IntegerField(source="ticket.number", read_only=True, allow_null=True)

    class Meta:
        model = RuleRun
        fields = [
            "id",
            "rule",
            "ticket",
            "ticket_number",
            "event_id",
            "event_type",
            "depth",
            "matched",
            "actions",
            "error",
            "at",
        ]
        read_only_fields = fields


class TicketRefSerializer(serializers.Serializer[Any]):
    ticket = serializers.IntegerField(min_value=1, help_text="The ticket number (#N).")


class DryRunResultSerializer(serializers.Serializer[Any]):
    matched = serializers.BooleanField()
    leaves = serializers.ListField(child=serializers.DictField())
    actions = serializers.ListField(child=serializers.DictField())
    error = serializers.CharField(allow_blank=True)


class ReorderSerializer(serializers.Serializer[Any]):
    ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)


class MacroSerializer(serializers.ModelSerializer[Macro]):
    class Meta:
        model = Macro
        fields = [
            "id",
            "name",
            "description",
            "actions",
            "reply",
            "reply_internal",
            "owner",
            "team",
            "is_active",
            "position",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class MacroWriteSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=150)
    description = serializers.CharField(required=False, allow_blank=True)
    actions = serializers.JSONField(required=False)
    reply = serializers.CharField(required=False, allow_blank=True)
    reply_internal = serializers.BooleanField(required=False)
    personal = serializers.BooleanField(
        required=False, help_text="Only for me (agents can only create personal macros)."
    )
    team = serializers.IntegerField(required=False, allow_null=True)
    is_active = serializers.BooleanField(required=False)


class MacroApplySerializer(TicketRefSerializer):
    reply = serializers.CharField(required=False, allow_blank=True, help_text="Replaces the rendered reply text.")


class MacroPreviewSerializer(serializers.Serializer[Any]):
    macro = serializers.IntegerField()
    name = serializers.CharField()
    reply = serializers.CharField(allow_blank=True)
    reply_internal = serializers.BooleanField()
    actions = serializers.ListField(child=serializers.DictField())


class MacroAppliedSerializer(serializers.Serializer[Any]):
    ticket = serializers.IntegerField()
    actions = serializers.ListField(child=serializers.DictField())


class CannedSerializer(serializers.ModelSerializer[CannedResponse]):
    class Meta:
        model = CannedResponse
        fields = ["id", "title", "body", "language", "owner", "team", "created_at", "updated_at"]
        read_only_fields = fields


class CannedWriteSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=150)
    body = serializers.CharField()
    language = serializers.CharField(required=False, allow_blank=True, max_length=8)
    shared = serializers.BooleanField(required=False)
    team = serializers.IntegerField(required=False, allow_null=True)


class TemplateSerializer(serializers.ModelSerializer[NotificationTemplate]):
    class Meta:
        model = NotificationTemplate
        fields = ["id", "notice", "language", "inbox", "organization", "subject", "body", "is_enabled", "updated_at"]
        read_only_fields = fields


class TemplateWriteSerializer(serializers.Serializer[Any]):
    notice = serializers.ChoiceField(choices=CustomerNotice.choices)
    language = serializers.CharField(max_length=8)
    inbox = serializers.IntegerField(required=False, allow_null=True)
    organization = serializers.IntegerField(required=False, allow_null=True)
    subject = serializers.CharField(required=False, allow_blank=True)
    body = serializers.CharField(required=False, allow_blank=True)
    is_enabled = serializers.BooleanField(required=False)


class WebhookSerializer(serializers.ModelSerializer[WebhookSubscription]):
    """The signing secret is never returned (it is shown once, when the webhook is created)."""

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "name",
            "url",
            "event_types",
            "condition",
            "is_active",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.SerializerMethodField(help_text="Shown once: store it to verify signatures.")

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = fields

    def get_secret(self, obj: WebhookSubscription) -> str:
        return str(self.context.get("secret", ""))


class WebhookWriteSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=150)
    url = serializers.CharField(max_length=1000)
    event_types = serializers.ListField(child=serializers.CharField(), allow_empty=False)
    condition = serializers.JSONField(required=False)
    secret = serializers.CharField(required=False, allow_blank=True, write_only=True)
    is_active = serializers.BooleanField(required=False)


class DeliverySerializer(serializers.ModelSerializer[WebhookDelivery]):
    status = serializers.CharField(read_only=True, help_text="pending, retrying, succeeded or failed.")

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "subscription",
            "event_id",
            "event_type",
            "idempotency_key",
            "replay_of",
            "status",
            "attempts",
            "next_attempt_at",
            "status_code",
            "latency_ms",
            "response_excerpt",
            "error",
            "created_at",
            "delivered_at",
        ]
        read_only_fields = fields


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "ticket", "url", "created_at", "read_at"]
        read_only_fields = fields


class MarkReadSerializer(serializers.Serializer[Any]):
    ids = serializers.ListField(child=serializers.IntegerField(), required=False, help_text="Omit to mark all read.")


class MarkedSerializer(serializers.Serializer[Any]):
    marked = serializers.IntegerField()


class AttributeSerializer(serializers.Serializer[Any]):
    field = serializers.CharField()  # type: ignore[assignment]
    label = serializers.CharField()  # type: ignore[assignment]
    type = serializers.CharField()
    group = serializers.CharField()
    operators = serializers.ListField(child=serializers.CharField())
    searchable = serializers.BooleanField()
    choices = serializers.ListField(child=serializers.DictField())
