"""SLA API serializers: output and input are separate classes (see accounts.api.serializers)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from atiende.accounts.api.serializers import ScopedPrimaryKeyRelatedField
from atiende.sla import selectors
from atiende.sla.models import Calendar, Holiday, Policy


class CalendarSerializer(serializers.ModelSerializer[Calendar]):
    class Meta:
        model = Calendar
        fields = (
            "id",
            "name",
            "time_zone",
            "weekly",
            "always_open",
            "holiday_country",
            "holiday_subdivision",
            "is_default",
            "created_at",
            "updated_at",
        )


class CalendarWriteSerializer(serializers.Serializer[Calendar]):
    name = serializers.CharField(max_length=100)
    time_zone = serializers.CharField(max_length=64, required=False)
    weekly = serializers.JSONField(
        required=False,
        help_text=_('Weekday (0 = Monday) → ranges, e.g. {"0": [["09:00", "14:00"], ["15:00", "18:00"]]}.'),
    )
    always_open = serializers.BooleanField(required=False)
    holiday_country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    holiday_subdivision = serializers.CharField(max_length=10, required=False, allow_blank=True)
    is_default = serializers.BooleanField(required=False)


class HolidayEntrySerializer(serializers.Serializer[Any]):
    date = serializers.DateField()
    name = serializers.CharField()
    origin = serializers.ChoiceField(choices=["country", "custom"])


class HolidaySerializer(serializers.ModelSerializer[Holiday]):
    class Meta:
        model = Holiday
        fields = ("id", "calendar", "date", "name")


class HolidayWriteSerializer(serializers.Serializer[Holiday]):
    calendar = ScopedPrimaryKeyRelatedField(scope=selectors.calendars_visible_to, model=Calendar)
    date = serializers.DateField()
    name = serializers.CharField(max_length=150, required=False, allow_blank=True)


class PolicySerializer(serializers.ModelSerializer[Policy]):
    class Meta:
        model = Policy
        fields = (
            "id",
            "name",
            "position",
            "is_active",
            "is_fallback",
            "conditions",
            "targets",
            "pause_statuses",
            "warning_percent",
            "calendar",
            "created_at",
            "updated_at",
        )


class PolicyWriteSerializer(serializers.Serializer[Policy]):
    name = serializers.CharField(max_length=100)
    position = serializers.IntegerField(min_value=0, required=False)
    is_active = serializers.BooleanField(required=False)
    is_fallback = serializers.BooleanField(required=False)
    conditions = serializers.JSONField(
        required=False,
        help_text=_(
            'Keys priority, category, organization, channel, tags; e.g. {"priority": ["urgent"], "tags": ["vip"]}.'
        ),
    )
    targets = serializers.JSONField(
        help_text=_('Business seconds per priority and target, e.g. {"urgent": {"first_response": 3600}}.')
    )
    pause_statuses = serializers.ListField(child=serializers.CharField(), required=False)
    warning_percent = serializers.IntegerField(min_value=1, max_value=99, required=False)
    calendar = ScopedPrimaryKeyRelatedField(
        scope=selectors.calendars_visible_to, model=Calendar, required=False, allow_null=True
    )


class TargetStateSerializer(serializers.Serializer[Any]):
    deadline = serializers.DateTimeField(allow_null=True)
    state = serializers.ChoiceField(choices=["active", "paused", "met", "breached"])
    remaining_seconds = serializers.FloatField(allow_null=True)
    met_at = serializers.DateTimeField(allow_null=True)
    warning_at = serializers.DateTimeField(allow_null=True)
    cycle_start = serializers.DateTimeField()


class TicketSlaSerializer(serializers.Serializer[Any]):
    ticket = serializers.IntegerField()
    policy = serializers.CharField()
    policy_id = serializers.IntegerField()
    state = serializers.ChoiceField(choices=["active", "paused", "met", "breached"])
    next_deadline = serializers.DateTimeField(allow_null=True)
    breached = serializers.BooleanField()
    targets = serializers.DictField(child=TargetStateSerializer())


class SegmentSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=["counted", "paused", "closed", "holiday"])
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(allow_null=True)
    counted_seconds = serializers.FloatField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label


class ExplanationSerializer(serializers.Serializer[Any]):
    ticket = serializers.IntegerField()
    target = serializers.CharField()
    state = serializers.CharField()
    goal_seconds = serializers.IntegerField()
    start = serializers.DateTimeField()
    deadline = serializers.DateTimeField(allow_null=True)
    met_at = serializers.DateTimeField(allow_null=True)
    time_zone = serializers.CharField()
    segments = SegmentSerializer(many=True)


class BacktestRequestSerializer(serializers.Serializer[Any]):
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
    policy = ScopedPrimaryKeyRelatedField(
        scope=selectors.policies_visible_to,
        model=Policy,
        required=False,
        allow_null=True,
        help_text=_("A saved (possibly inactive) policy to try; or give targets below."),
    )
    targets = serializers.JSONField(required=False)
    conditions = serializers.JSONField(required=False)
    pause_statuses = serializers.ListField(child=serializers.CharField(), required=False)
    warning_percent = serializers.IntegerField(min_value=1, max_value=99, required=False)
    calendar = ScopedPrimaryKeyRelatedField(
        scope=selectors.calendars_visible_to,
        model=Calendar,
        required=False,
        allow_null=True,
        help_text=_("Candidate calendar; empty: each ticket's current calendar."),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["until"] <= attrs["since"]:
            raise serializers.ValidationError({"until": _("Must be after since.")})
        if attrs.get("policy") is None and not attrs.get("targets"):
            raise serializers.ValidationError({"targets": _("Give a policy or targets.")})
        return attrs


class TallySerializer(serializers.Serializer[Any]):
    total = serializers.IntegerField()
    met = serializers.IntegerField()
    breached = serializers.IntegerField()
    open = serializers.IntegerField()
    compliance_percent = serializers.FloatField(allow_null=True)


class BacktestTargetSerializer(serializers.Serializer[Any]):
    current = TallySerializer()
    candidate = TallySerializer()


class BacktestResultSerializer(serializers.Serializer[Any]):
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
    tickets = serializers.IntegerField()
    truncated = serializers.BooleanField()
    changed_tickets = serializers.IntegerField()
    targets = serializers.DictField(child=BacktestTargetSerializer())
