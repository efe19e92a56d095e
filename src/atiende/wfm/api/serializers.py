"""Serializers of the wfm API."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from atiende.tickets.choices import Channel
from atiende.wfm.choices import IntervalMinutes, Scenario, Strategy
from atiende.wfm.forecasting import MODELS
from atiende.wfm.models import (
    Drill,
    Forecast,
    Schedule,
    ScheduledShift,
    ShiftTemplate,
    SimulationRun,
    StaffingRequirement,
)


class ForecastSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Forecast
        fields = (
            "id",
            "channel",
            "interval_minutes",
            "start",
            "values",
            "handle_seconds",
            "history_start",
            "history",
            "model",
            "backtests",
            "holiday_factor",
            "created_at",
        )
        read_only_fields = fields


class ForecastCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    channel = serializers.ChoiceField(choices=[("", _("Every channel")), *Channel.choices], required=False, default="")
    interval_minutes = serializers.ChoiceField(choices=IntervalMinutes.choices, default=60)
    history_days = serializers.IntegerField(min_value=14, max_value=366, default=56)
    horizon_days = serializers.IntegerField(min_value=1, max_value=35, default=7)
    models = serializers.ListField(
        child=serializers.ChoiceField(choices=[(m, m) for m in MODELS]), required=False, allow_empty=False
    )


class RequirementSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = StaffingRequirement
        fields = (
            "id",
            "forecast",
            "target",
            "answer_time",
            "patience",
            "shrinkage",
            "max_occupancy",
            "agents",
            "scheduled",
            "service_level",
            "created_at",
        )
        read_only_fields = fields


class RequirementCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    forecast = serializers.IntegerField(min_value=1)
    target = serializers.FloatField(min_value=0.01, max_value=0.999, default=0.8)
    answer_time = serializers.IntegerField(min_value=0, max_value=7 * 86400, default=20)
    patience = serializers.IntegerField(min_value=1, max_value=7 * 86400, required=False, allow_null=True, default=None)
    shrinkage = serializers.FloatField(min_value=0, max_value=0.95, default=0.3)
    max_occupancy = serializers.FloatField(min_value=0.05, max_value=1, required=False, allow_null=True, default=None)


class BreakSerializer(serializers.Serializer):  # type: ignore[type-arg]
    length = serializers.IntegerField(min_value=5, max_value=240)
    earliest = serializers.IntegerField(min_value=0)
    latest = serializers.IntegerField(min_value=0)
    paid = serializers.BooleanField(default=True)


class ShiftTemplateSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    breaks = BreakSerializer(many=True, required=False)
    weekdays = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=6), required=False)

    class Meta:
        model = ShiftTemplate
        fields = (
            "id",
            "name",
            "start_earliest",
            "start_latest",
            "start_step_minutes",
            "length_minutes",
            "breaks",
            "weekdays",
            "is_active",
        )
        read_only_fields = ("id",)


class ShiftSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    agent_name = serializers.SerializerMethodField()

    class Meta:
        model = ScheduledShift
        fields = ("id", "schedule", "agent", "agent_name", "template", "channel", "starts_at", "ends_at", "breaks")
        read_only_fields = fields

    def get_agent_name(self, obj: ScheduledShift) -> str:
        return str(obj.agent)


class ScheduleSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Schedule
        fields = (
            "id",
            "name",
            "start",
            "days",
            "slot_minutes",
            "channels",
            "required",
            "coverage",
            "status",
            "paid_hours",
            "solver_seconds",
            "min_rest_minutes",
            "created_at",
        )
        read_only_fields = fields


class ScheduleCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    requirements = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False)
    start = serializers.DateTimeField()
    days = serializers.IntegerField(min_value=1, max_value=14, default=7)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    templates = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)
    agents = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)
    min_rest_minutes = serializers.IntegerField(min_value=0, max_value=1440, default=660)
    time_limit = serializers.FloatField(min_value=1, max_value=120, default=10)


class DrillSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Drill
        fields = ("id", "name", "scenario", "schedule", "parameters", "created_at")
        read_only_fields = ("id", "created_at")


class DrillCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=100)
    scenario = serializers.ChoiceField(choices=Scenario.choices)
    schedule = serializers.IntegerField(min_value=1)
    parameters = serializers.DictField(required=False, default=dict)


class RunRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    replications = serializers.IntegerField(min_value=1, max_value=100, default=10)
    strategy = serializers.ChoiceField(choices=Strategy.choices, default=Strategy.LONGEST_IDLE)
    seed = serializers.IntegerField(min_value=0, max_value=2**31 - 1, default=1)


class SimulationRunSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = SimulationRun
        fields = (
            "id",
            "kind",
            "schedule",
            "drill",
            "strategy",
            "replications",
            "parameters",
            "result",
            "baseline",
            "overflow",
            "created_at",
        )
        read_only_fields = fields


class SimulateRequestSerializer(RunRequestSerializer):
    arrivals = serializers.ChoiceField(
        choices=[("forecast", _("Forecast (Poisson)")), ("history", _("Last week's tickets replayed"))],
        default="forecast",
    )


class ErlangQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    calls = serializers.FloatField(min_value=0, max_value=1e7)
    interval = serializers.FloatField(min_value=1, max_value=86400)
    aht = serializers.FloatField(min_value=1, max_value=86400)
    target = serializers.FloatField(min_value=0, max_value=0.999)
    answer_time = serializers.FloatField(min_value=0, max_value=86400)
    patience = serializers.FloatField(min_value=1, max_value=86400, required=False, allow_null=True, default=None)
    shrinkage = serializers.FloatField(min_value=0, max_value=0.95, default=0)
    max_occupancy = serializers.FloatField(min_value=0.05, max_value=1, required=False, allow_null=True, default=None)


class ErlangResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    agents = serializers.IntegerField()
    scheduled_agents = serializers.IntegerField()
    traffic = serializers.FloatField()
    service_level = serializers.FloatField()
    asa = serializers.FloatField()
    occupancy = serializers.FloatField()
    p_wait = serializers.FloatField()
    abandon_rate = serializers.FloatField()


class AdherenceIntervalSerializer(serializers.Serializer):  # type: ignore[type-arg]
    start = serializers.DateTimeField()
    scheduled = serializers.CharField()
    scheduled_minutes = serializers.IntegerField()
    available_minutes = serializers.IntegerField()
    in_adherence_minutes = serializers.IntegerField()


class AdherenceAgentSerializer(serializers.Serializer):  # type: ignore[type-arg]
    agent_id = serializers.IntegerField()
    agent = serializers.CharField()
    scheduled_minutes = serializers.IntegerField()
    available_minutes = serializers.IntegerField()
    adherence = serializers.FloatField(allow_null=True)
    conformance = serializers.FloatField(allow_null=True)
    intervals = AdherenceIntervalSerializer(many=True)


class AdherenceSerializer(serializers.Serializer):  # type: ignore[type-arg]
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    interval_minutes = serializers.IntegerField()
    agents = AdherenceAgentSerializer(many=True)


class RealtimeRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    start = serializers.DateTimeField()
    required = serializers.IntegerField()  # type: ignore[assignment]  # the field is named "required"
    scheduled = serializers.IntegerField()
    logged_in = serializers.IntegerField(allow_null=True)


def validated_breaks(data: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [dict(b) for b in data]
