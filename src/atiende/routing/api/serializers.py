"""Serializers of the routing API: output classes, and input classes the views hand to one service."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from atiende.accounts import selectors as account_selectors
from atiende.accounts.api.serializers import ScopedPrimaryKeyRelatedField, TeamRefSerializer, UserRefSerializer
from atiende.accounts.models import Team, User
from atiende.routing.choices import (
    CapacityGroup,
    Direction,
    OverflowAction,
    OverflowCondition,
    PresenceStatus,
    RuleTrigger,
    SkillKind,
    Strategy,
)
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
    ShadowPolicy,
    Skill,
    SkillRequirement,
    TeamRoutingConfig,
)
from atiende.tickets import selectors as ticket_selectors
from atiende.tickets.choices import Channel, Tier
from atiende.tickets.models import Category, Ticket


def _agents(user: User) -> Any:
    return account_selectors.users_visible_to(user).filter(role__in=["admin", "supervisor", "agent", "light_agent"])


def _teams(user: User) -> Any:
    return account_selectors.teams_visible_to(user)


def _categories(user: User) -> Any:
    return Category.objects.all() if user.is_agent else Category.objects.none()


def _skills(user: User) -> Any:
    return Skill.objects.all() if user.is_agent else Skill.objects.none()


class RoutingTicketRefSerializer(serializers.Serializer[Ticket]):
    id = serializers.IntegerField(read_only=True)
    number = serializers.IntegerField(read_only=True)


# --- skills ------------------------------------------------------------------------------------------


class SkillSerializer(serializers.ModelSerializer[Skill]):
    class Meta:
        model = Skill
        fields = ("id", "name", "kind", "is_active", "created_at")
        read_only_fields = fields


class SkillWriteSerializer(serializers.Serializer[Skill]):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=SkillKind.choices)
    is_active = serializers.BooleanField(required=False, default=True)


class AgentSkillSerializer(serializers.ModelSerializer[AgentSkill]):
    agent = UserRefSerializer(read_only=True)
    skill = SkillSerializer(read_only=True)

    class Meta:
        model = AgentSkill
        fields = ("id", "agent", "skill", "level")
        read_only_fields = fields


class AgentSkillWriteSerializer(serializers.Serializer[AgentSkill]):
    agent = ScopedPrimaryKeyRelatedField(scope=_agents, model=User)
    skill = ScopedPrimaryKeyRelatedField(scope=_skills, model=Skill)
    level = serializers.IntegerField(min_value=1, max_value=5)


class SkillRequirementSerializer(serializers.ModelSerializer[SkillRequirement]):
    skill = SkillSerializer(read_only=True)

    class Meta:
        model = SkillRequirement
        fields = ("id", "skill", "min_level", "category", "channel", "language", "created_at")
        read_only_fields = fields


class SkillRequirementWriteSerializer(serializers.Serializer[SkillRequirement]):
    skill = ScopedPrimaryKeyRelatedField(scope=_skills, model=Skill)
    min_level = serializers.IntegerField(min_value=1, max_value=5, default=1)
    category = ScopedPrimaryKeyRelatedField(scope=_categories, model=Category, required=False, allow_null=True)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, allow_blank=True, default="")
    language = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")


# --- presence ----------------------------------------------------------------------------------------


class CapacitySerializer(serializers.Serializer[dict[str, int]]):
    call = serializers.IntegerField(min_value=0, max_value=100, required=False)
    chat = serializers.IntegerField(min_value=0, max_value=100, required=False)
    email = serializers.IntegerField(min_value=0, max_value=100, required=False)


class PresenceSerializer(serializers.ModelSerializer[AgentState]):
    agent = UserRefSerializer(read_only=True)
    capacity = CapacitySerializer(read_only=True)

    class Meta:
        model = AgentState
        fields = ("id", "agent", "status", "status_since", "capacity", "last_assigned_at")
        read_only_fields = fields


class PresenceWriteSerializer(serializers.Serializer[AgentState]):
    status = serializers.ChoiceField(choices=PresenceStatus.choices, required=False)
    capacity = CapacitySerializer(required=False, help_text=_("Managers only: work held at once per channel group."))


class MyPresenceWriteSerializer(serializers.Serializer[AgentState]):
    status = serializers.ChoiceField(choices=PresenceStatus.choices)


class PresenceLogSerializer(serializers.ModelSerializer[PresenceLog]):
    class Meta:
        model = PresenceLog
        fields = ("id", "agent", "status", "started_at", "ended_at")
        read_only_fields = fields


# --- team routing, decisions --------------------------------------------------------------------------


class TeamRoutingSerializer(serializers.ModelSerializer[TeamRoutingConfig]):
    team = TeamRefSerializer(read_only=True)

    class Meta:
        model = TeamRoutingConfig
        fields = ("id", "team", "strategy", "auto_assign", "aging_minutes", "updated_at")
        read_only_fields = fields


class TeamRoutingWriteSerializer(serializers.Serializer[TeamRoutingConfig]):
    team = ScopedPrimaryKeyRelatedField(scope=_teams, model=Team)
    strategy = serializers.ChoiceField(choices=Strategy.choices, required=False)
    auto_assign = serializers.BooleanField(required=False)
    aging_minutes = serializers.IntegerField(min_value=0, max_value=10080, required=False)


class TeamRoutingUpdateSerializer(TeamRoutingWriteSerializer):
    team = None  # type: ignore[assignment]


class DecisionSerializer(serializers.ModelSerializer[RoutingDecision]):
    ticket = RoutingTicketRefSerializer(read_only=True)
    agent = UserRefSerializer(read_only=True, allow_null=True)
    team = TeamRefSerializer(read_only=True, allow_null=True)
    reason = serializers.JSONField(read_only=True)

    class Meta:
        model = RoutingDecision
        fields = ("id", "ticket", "team", "agent", "actor", "strategy", "trigger", "reason", "created_at")
        read_only_fields = fields


class TakeNextSerializer(serializers.Serializer[Any]):
    ticket = RoutingTicketRefSerializer(read_only=True, allow_null=True)


# --- overflow ------------------------------------------------------------------------------------------


class OverflowRuleSerializer(serializers.ModelSerializer[OverflowRule]):
    class Meta:
        model = OverflowRule
        fields = (
            "id", "team", "name", "condition", "threshold", "action", "target_team", "target_tier",
            "message", "sender", "is_active", "position", "created_at",
        )  # fmt: skip
        read_only_fields = fields


class OverflowRuleWriteSerializer(serializers.Serializer[OverflowRule]):
    team = ScopedPrimaryKeyRelatedField(scope=_teams, model=Team)
    name = serializers.CharField(max_length=100)
    condition = serializers.ChoiceField(choices=OverflowCondition.choices)
    threshold = serializers.IntegerField(min_value=0, max_value=1_000_000, default=0)
    action = serializers.ChoiceField(choices=OverflowAction.choices)
    target_team = ScopedPrimaryKeyRelatedField(scope=_teams, model=Team, required=False, allow_null=True)
    target_tier = serializers.ChoiceField(choices=Tier.choices, required=False, allow_null=True)
    message = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    sender = ScopedPrimaryKeyRelatedField(scope=_agents, model=User, required=False, allow_null=True)
    is_active = serializers.BooleanField(required=False)
    position = serializers.IntegerField(min_value=0, required=False)


class DiversionSerializer(serializers.ModelSerializer[Diversion]):
    ticket = RoutingTicketRefSerializer(read_only=True, allow_null=True)
    reason = serializers.JSONField(read_only=True)

    class Meta:
        model = Diversion
        fields = ("id", "rule", "team", "ticket", "action", "reason", "created_at")
        read_only_fields = fields


class CallbackSerializer(serializers.ModelSerializer[CallbackRequest]):
    ticket = RoutingTicketRefSerializer(read_only=True)

    class Meta:
        model = CallbackRequest
        fields = ("id", "ticket", "rule", "status", "requested_at")
        read_only_fields = fields


# --- shadow ---------------------------------------------------------------------------------------------


class ShadowPolicySerializer(serializers.ModelSerializer[ShadowPolicy]):
    class Meta:
        model = ShadowPolicy
        fields = (
            "id",
            "name",
            "team",
            "strategy",
            "aging_minutes",
            "first_response_minutes",
            "is_active",
            "created_at",
        )
        read_only_fields = fields


class ShadowPolicyWriteSerializer(serializers.Serializer[ShadowPolicy]):
    name = serializers.CharField(max_length=100)
    strategy = serializers.ChoiceField(choices=Strategy.choices)
    team = ScopedPrimaryKeyRelatedField(scope=_teams, model=Team, required=False, allow_null=True)
    aging_minutes = serializers.IntegerField(min_value=0, max_value=10080, default=30)
    first_response_minutes = serializers.IntegerField(min_value=1, max_value=100_000, default=60)
    is_active = serializers.BooleanField(default=True)


class ShadowReportSerializer(serializers.Serializer[Any]):
    policy = serializers.DictField(read_only=True)
    since = serializers.DateTimeField(read_only=True)
    tickets = serializers.IntegerField(read_only=True)
    compared = serializers.IntegerField(read_only=True)
    agreement_rate = serializers.FloatField(read_only=True, allow_null=True)
    live = serializers.DictField(read_only=True)
    shadow = serializers.DictField(read_only=True)


# --- escalation -------------------------------------------------------------------------------------------


class EscalationReasonSerializer(serializers.ModelSerializer[EscalationReason]):
    class Meta:
        model = EscalationReason
        fields = ("id", "code", "label", "is_active", "position")
        read_only_fields = fields


class EscalationReasonWriteSerializer(serializers.Serializer[EscalationReason]):
    code = serializers.SlugField(max_length=50)
    label = serializers.CharField(max_length=150)  # type: ignore[assignment]
    is_active = serializers.BooleanField(default=True)
    position = serializers.IntegerField(min_value=0, default=0)


class EscalationRuleSerializer(serializers.ModelSerializer[EscalationRule]):
    class Meta:
        model = EscalationRule
        fields = (
            "id",
            "name",
            "trigger",
            "category",
            "sla_target",
            "to_tier",
            "to_team",
            "reason",
            "is_active",
            "created_at",
        )
        read_only_fields = fields


class EscalationRuleWriteSerializer(serializers.Serializer[EscalationRule]):
    name = serializers.CharField(max_length=100)
    trigger = serializers.ChoiceField(choices=RuleTrigger.choices)
    category = ScopedPrimaryKeyRelatedField(scope=_categories, model=Category, required=False, allow_null=True)
    sla_target = serializers.ChoiceField(
        choices=[("", ""), ("first_response", "first_response"), ("next_response", "next_response"),
                 ("resolution", "resolution"), ("periodic_update", "periodic_update")],
        required=False, allow_blank=True, default="",
    )  # fmt: skip
    to_tier = serializers.ChoiceField(choices=Tier.choices)
    to_team = ScopedPrimaryKeyRelatedField(scope=_teams, model=Team, required=False, allow_null=True)
    reason = ScopedPrimaryKeyRelatedField(
        scope=lambda u: EscalationReason.objects.all(), model=EscalationReason, required=False, allow_null=True
    )
    is_active = serializers.BooleanField(default=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("trigger") == RuleTrigger.CATEGORY and attrs.get("category") is None:
            raise serializers.ValidationError({"category": [_("Choose the category that escalates.")]})
        return attrs


class EscalationSerializer(serializers.ModelSerializer[Escalation]):
    ticket = RoutingTicketRefSerializer(read_only=True)
    actor = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Escalation
        fields = (
            "id", "ticket", "direction", "from_tier", "to_tier", "from_team", "to_team", "reason", "reason_text",
            "note", "trigger", "is_bounce_back", "actor", "at",
        )  # fmt: skip
        read_only_fields = fields


class EscalateSerializer(serializers.Serializer[Escalation]):
    ticket = ScopedPrimaryKeyRelatedField(scope=ticket_selectors.tickets_visible_to, model=Ticket)
    direction = serializers.ChoiceField(choices=Direction.choices, default=Direction.UP)
    to_tier = serializers.ChoiceField(choices=Tier.choices)
    reason = serializers.CharField(max_length=50, help_text=_("The code of an escalation reason."))
    note = serializers.CharField(max_length=5000, help_text=_("The hand-off note for the next tier."))
    team = ScopedPrimaryKeyRelatedField(scope=_teams, model=Team, required=False, allow_null=True)


class TierStatsSerializer(serializers.Serializer[Any]):
    tier = serializers.IntegerField()
    solved = serializers.IntegerField()
    first_contact = serializers.IntegerField()
    escalated_in = serializers.IntegerField()
    escalated_out = serializers.IntegerField()
    bounced_back = serializers.IntegerField()
    first_contact_resolution_rate = serializers.FloatField(allow_null=True)
    bounce_back_rate = serializers.FloatField(allow_null=True)


CAPACITY_GROUPS = CapacityGroup.values
