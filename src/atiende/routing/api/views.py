"""Routing API: skills, presence, team routing, decisions, overflow, shadow policies, escalation.

Agents only (customers get 403). Reads are scoped by the selectors (routing data of
tickets the viewer can see); configuration is written by supervisors and administrators;
presence by the agent themself (``/routing/presence/me/``) or a manager.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from atiende.accounts.api.views import API_PERMISSIONS, ListRetrieveMixin, RoleWritePermission, ScopedViewSet
from atiende.accounts.models import Team, User
from atiende.routing import selectors, services
from atiende.routing.api import serializers as s
from atiende.routing.choices import Direction
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
from atiende.routing.services.presence import state_of


class IsAgent(BasePermission):
    message = _("Routing is for agents.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_agent)


PERMISSIONS: list[Any] = [*API_PERMISSIONS, IsAgent, RoleWritePermission]


def int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationError({name: [_("A whole number is required.")]}) from None


def datetime_param(request: Request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    value = parse_datetime(raw)
    if value is None or value.tzinfo is None:
        raise ValidationError({name: [_("Use an ISO 8601 date and time with a time zone.")]})
    return value


TICKET_PARAM = OpenApiParameter("ticket", OpenApiTypes.INT, description=_("Only this ticket (id)."))
AGENT_PARAM = OpenApiParameter("agent", OpenApiTypes.INT, description=_("Only this agent (id)."))


class RoutingViewSet(ListRetrieveMixin, ScopedViewSet):
    permission_classes = PERMISSIONS
    default_ordering = "-id"
    ordering_fields: tuple[str, ...] = ()

    def user_can_write(self, user: User) -> bool:
        return user.is_manager


# --- skills ------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("List skills")),
    retrieve=extend_schema(summary=_("Get a skill")),
    create=extend_schema(
        summary=_("Create a skill (managers)"), request=s.SkillWriteSerializer, responses={201: s.SkillSerializer}
    ),
    partial_update=extend_schema(
        summary=_("Change a skill (managers)"), request=s.SkillWriteSerializer, responses={200: s.SkillSerializer}
    ),
)
class SkillViewSet(RoutingViewSet):
    model = Skill
    serializer_class = s.SkillSerializer
    default_ordering = "id"

    def scoped_queryset(self, user: User) -> QuerySet[Skill]:
        return selectors.skills_for(user)

    def create(self, request: Request) -> Response:
        skill = services.save_skill(actor=request.user, **self.input(s.SkillWriteSerializer))  # type: ignore[arg-type]
        return self.output(skill, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        skill = self.get_object()
        data = {"name": skill.name, "kind": skill.kind, "is_active": skill.is_active}
        data.update(self.input(s.SkillWriteSerializer, partial=True))
        return self.output(services.save_skill(actor=request.user, skill=skill, **data))  # type: ignore[arg-type]


@extend_schema_view(
    list=extend_schema(summary=_("List agents' skill levels"), parameters=[AGENT_PARAM]),
    retrieve=extend_schema(summary=_("Get an agent's skill level")),
    create=extend_schema(
        summary=_("Set an agent's level in a skill (managers)"),
        request=s.AgentSkillWriteSerializer,
        responses={201: s.AgentSkillSerializer},
    ),
    destroy=extend_schema(summary=_("Remove a skill from an agent (managers)")),
)
class AgentSkillViewSet(RoutingViewSet):
    model = AgentSkill
    serializer_class = s.AgentSkillSerializer

    def scoped_queryset(self, user: User) -> QuerySet[AgentSkill]:
        qs = selectors.agent_skills_for(user)
        agent = int_param(self.request, "agent")
        return qs.filter(agent_id=agent) if agent is not None else qs

    def create(self, request: Request) -> Response:
        row = services.set_agent_skill(actor=request.user, **self.input(s.AgentSkillWriteSerializer))  # type: ignore[arg-type]
        return self.output(self.get_queryset().get(pk=row.pk), status_code=status.HTTP_201_CREATED)

    def destroy(self, request: Request, pk: str) -> Response:
        services.remove_agent_skill(actor=request.user, row=self.get_object())  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary=_("List the skills categories, channels and languages require")),
    retrieve=extend_schema(summary=_("Get a skill requirement")),
    create=extend_schema(
        summary=_("Require a skill (managers)"),
        request=s.SkillRequirementWriteSerializer,
        responses={201: s.SkillRequirementSerializer},
    ),
    destroy=extend_schema(summary=_("Remove a skill requirement (managers)")),
)
class SkillRequirementViewSet(RoutingViewSet):
    model = SkillRequirement
    serializer_class = s.SkillRequirementSerializer

    def scoped_queryset(self, user: User) -> QuerySet[SkillRequirement]:
        return selectors.requirements_visible_to(user)

    def create(self, request: Request) -> Response:
        row = services.add_requirement(actor=request.user, **self.input(s.SkillRequirementWriteSerializer))  # type: ignore[arg-type]
        return self.output(self.get_queryset().get(pk=row.pk), status_code=status.HTTP_201_CREATED)

    def destroy(self, request: Request, pk: str) -> Response:
        services.remove_requirement(actor=request.user, requirement=self.get_object())  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- presence ------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("List agents' presence and capacity")),
    retrieve=extend_schema(summary=_("Get an agent's presence")),
    partial_update=extend_schema(
        summary=_("Change an agent's presence or capacity (managers; agents their own presence)"),
        request=s.PresenceWriteSerializer,
        responses={200: s.PresenceSerializer},
    ),
    me=extend_schema(methods=["GET"], summary=_("My presence"), request=None, responses={200: s.PresenceSerializer}),
)
class PresenceViewSet(RoutingViewSet):
    model = AgentState
    serializer_class = s.PresenceSerializer
    default_ordering = "id"
    http_method_names = ["get", "put", "patch", "head", "options"]

    def scoped_queryset(self, user: User) -> QuerySet[AgentState]:
        return selectors.presence_for(user)

    def user_can_write(self, user: User) -> bool:
        return user.is_agent  # the service decides whose presence (own, or anyone's for managers)

    def partial_update(self, request: Request, pk: str) -> Response:
        state = self.get_object()
        data = self.input(s.PresenceWriteSerializer, partial=True)
        if "capacity" in data:
            services.set_capacity(actor=request.user, agent=state.agent, capacity=dict(data["capacity"]))  # type: ignore[arg-type]
        if "status" in data:
            services.set_presence(actor=request.user, agent=state.agent, status=data["status"])  # type: ignore[arg-type]
        return self.output(self.get_queryset().get(pk=state.pk))

    @extend_schema(
        methods=["PUT"],
        summary=_("Set my presence"),
        request=s.MyPresenceWriteSerializer,
        responses={200: s.PresenceSerializer},
    )
    @action(detail=False, methods=["get", "put"])
    def me(self, request: Request) -> Response:
        user: User = request.user  # type: ignore[assignment]
        if request.method == "PUT":
            data = self.input(s.MyPresenceWriteSerializer)
            state = services.set_presence(actor=user, agent=user, status=data["status"])
        else:
            state = state_of(user)
        return self.output(self.get_queryset().get(pk=state.pk))


@extend_schema_view(
    list=extend_schema(
        summary=_("Presence history (managers: everyone; agents: their own)"),
        parameters=[
            AGENT_PARAM,
            OpenApiParameter("since", OpenApiTypes.DATETIME, description=_("Periods that ended after this moment.")),
        ],
    ),
    retrieve=extend_schema(summary=_("Get a presence period")),
)
class PresenceLogViewSet(RoutingViewSet):
    model = PresenceLog
    serializer_class = s.PresenceLogSerializer
    ordering_fields = ("started_at",)
    default_ordering = "-started_at"

    def scoped_queryset(self, user: User) -> QuerySet[PresenceLog]:
        qs = selectors.presence_log_for(user)
        agent = int_param(self.request, "agent")
        since = datetime_param(self.request, "since")
        if agent is not None:
            qs = qs.filter(agent_id=agent)
        if since is not None:
            from django.db.models import Q

            qs = qs.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=since))
        return qs


# --- team routing and decisions ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("List teams' routing settings")),
    retrieve=extend_schema(summary=_("Get a team's routing settings")),
    create=extend_schema(
        summary=_("Set a team's routing (managers)"),
        request=s.TeamRoutingWriteSerializer,
        responses={201: s.TeamRoutingSerializer},
    ),
    partial_update=extend_schema(
        summary=_("Change a team's routing (managers)"),
        request=s.TeamRoutingUpdateSerializer,
        responses={200: s.TeamRoutingSerializer},
    ),
)
class TeamRoutingViewSet(RoutingViewSet):
    model = TeamRoutingConfig
    serializer_class = s.TeamRoutingSerializer

    def scoped_queryset(self, user: User) -> QuerySet[TeamRoutingConfig]:
        return selectors.team_configs_for(user)

    def create(self, request: Request) -> Response:
        config = services.configure_team(actor=request.user, **self.input(s.TeamRoutingWriteSerializer))  # type: ignore[arg-type]
        return self.output(config, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        config = self.get_object()
        data = self.input(s.TeamRoutingUpdateSerializer, partial=True)
        return self.output(services.configure_team(actor=request.user, team=config.team, **data))  # type: ignore[arg-type]


@extend_schema_view(
    list=extend_schema(summary=_("List routing decisions (why each ticket went where)"), parameters=[TICKET_PARAM]),
    retrieve=extend_schema(summary=_("Get a routing decision")),
)
class DecisionViewSet(RoutingViewSet):
    model = RoutingDecision
    serializer_class = s.DecisionSerializer

    def scoped_queryset(self, user: User) -> QuerySet[RoutingDecision]:
        qs = selectors.decisions_for(user)
        ticket = int_param(self.request, "ticket")
        return qs.filter(ticket_id=ticket) if ticket is not None else qs

    @extend_schema(
        summary=_("Take next: assign me the most urgent waiting ticket I can take"),
        request=None,
        responses={200: s.TakeNextSerializer},
    )
    @action(detail=False, methods=["post"], url_path="take-next")
    def take_next(self, request: Request) -> Response:
        ticket = services.take_next(actor=request.user)  # type: ignore[arg-type]
        return Response({"ticket": {"id": ticket.pk, "number": ticket.number} if ticket else None})

    def user_can_write(self, user: User) -> bool:
        return user.is_agent  # take next; the service rejects light agents


# --- overflow -----------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("List overflow and diversion rules")),
    retrieve=extend_schema(summary=_("Get an overflow rule")),
    create=extend_schema(
        summary=_("Create an overflow rule (managers)"),
        request=s.OverflowRuleWriteSerializer,
        responses={201: s.OverflowRuleSerializer},
    ),
    partial_update=extend_schema(
        summary=_("Change an overflow rule (managers)"),
        request=s.OverflowRuleWriteSerializer,
        responses={200: s.OverflowRuleSerializer},
    ),
)
class OverflowRuleViewSet(RoutingViewSet):
    model = OverflowRule
    serializer_class = s.OverflowRuleSerializer

    def scoped_queryset(self, user: User) -> QuerySet[OverflowRule]:
        return selectors.overflow_rules_for(user)

    def create(self, request: Request) -> Response:
        rule = services.save_overflow_rule(actor=request.user, **self.input(s.OverflowRuleWriteSerializer))  # type: ignore[arg-type]
        return self.output(rule, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        rule = self.get_object()
        data = self.input(s.OverflowRuleWriteSerializer, partial=True)
        return self.output(services.save_overflow_rule(actor=request.user, rule=rule, **data))  # type: ignore[arg-type]


@extend_schema_view(
    list=extend_schema(summary=_("List diversions (each application of an overflow rule)"), parameters=[TICKET_PARAM]),
    retrieve=extend_schema(summary=_("Get a diversion")),
)
class DiversionViewSet(RoutingViewSet):
    model = Diversion
    serializer_class = s.DiversionSerializer

    def scoped_queryset(self, user: User) -> QuerySet[Diversion]:
        qs = selectors.diversions_for(user)
        ticket = int_param(self.request, "ticket")
        return qs.filter(ticket_id=ticket) if ticket is not None else qs


@extend_schema_view(
    list=extend_schema(summary=_("List callback requests")),
    retrieve=extend_schema(summary=_("Get a callback request")),
)
class CallbackViewSet(RoutingViewSet):
    model = CallbackRequest
    serializer_class = s.CallbackSerializer

    def scoped_queryset(self, user: User) -> QuerySet[CallbackRequest]:
        return selectors.callbacks_for(user).select_related("ticket")


# --- shadow ---------------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("List shadow routing policies (managers)")),
    retrieve=extend_schema(summary=_("Get a shadow policy")),
    create=extend_schema(
        summary=_("Create a shadow policy (managers)"),
        request=s.ShadowPolicyWriteSerializer,
        responses={201: s.ShadowPolicySerializer},
    ),
    partial_update=extend_schema(
        summary=_("Change a shadow policy (managers)"),
        request=s.ShadowPolicyWriteSerializer,
        responses={200: s.ShadowPolicySerializer},
    ),
)
class ShadowPolicyViewSet(RoutingViewSet):
    model = ShadowPolicy
    serializer_class = s.ShadowPolicySerializer

    def scoped_queryset(self, user: User) -> QuerySet[ShadowPolicy]:
        return selectors.shadow_policies_for(user)

    def create(self, request: Request) -> Response:
        policy = services.save_shadow_policy(actor=request.user, **self.input(s.ShadowPolicyWriteSerializer))  # type: ignore[arg-type]
        return self.output(policy, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        policy = self.get_object()
        current = {
            "name": policy.name,
            "strategy": policy.strategy,
            "team": policy.team,
            "aging_minutes": policy.aging_minutes,
            "first_response_minutes": policy.first_response_minutes,
            "is_active": policy.is_active,
        }
        current.update(self.input(s.ShadowPolicyWriteSerializer, partial=True))
        return self.output(services.save_shadow_policy(actor=request.user, policy=policy, **current))  # type: ignore[arg-type]

    @extend_schema(
        summary=_("Compare a shadow policy with the live policy"),
        parameters=[OpenApiParameter("since", OpenApiTypes.DATETIME, description=_("Default: the last 30 days."))],
        responses={200: s.ShadowReportSerializer},
    )
    @action(detail=True, methods=["get"])
    def report(self, request: Request, pk: str) -> Response:
        policy = self.get_object()
        return Response(selectors.shadow_report(policy, since=datetime_param(request, "since")))


# --- escalation --------------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("List escalation reasons")),
    retrieve=extend_schema(summary=_("Get an escalation reason")),
    create=extend_schema(
        summary=_("Create or change an escalation reason by code (managers)"),
        request=s.EscalationReasonWriteSerializer,
        responses={201: s.EscalationReasonSerializer},
    ),
)
class EscalationReasonViewSet(RoutingViewSet):
    model = EscalationReason
    serializer_class = s.EscalationReasonSerializer
    default_ordering = "id"

    def scoped_queryset(self, user: User) -> QuerySet[EscalationReason]:
        return selectors.escalation_reasons_for(user)

    def create(self, request: Request) -> Response:
        row = services.save_reason(actor=request.user, **self.input(s.EscalationReasonWriteSerializer))  # type: ignore[arg-type]
        return self.output(row, status_code=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary=_("List escalation rules (managers)")),
    retrieve=extend_schema(summary=_("Get an escalation rule")),
    create=extend_schema(
        summary=_("Create an escalation rule (managers)"),
        request=s.EscalationRuleWriteSerializer,
        responses={201: s.EscalationRuleSerializer},
    ),
)
class EscalationRuleViewSet(RoutingViewSet):
    model = EscalationRule
    serializer_class = s.EscalationRuleSerializer

    def scoped_queryset(self, user: User) -> QuerySet[EscalationRule]:
        return selectors.escalation_rules_for(user)

    def create(self, request: Request) -> Response:
        data = self.input(s.EscalationRuleWriteSerializer)
        rule = services.save_escalation_rule(actor=request.user, **data)  # type: ignore[arg-type]
        return self.output(rule, status_code=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary=_("List tier moves (escalations and de-escalations)"), parameters=[TICKET_PARAM]),
    retrieve=extend_schema(summary=_("Get a tier move")),
    create=extend_schema(
        summary=_("Escalate or de-escalate a ticket (reason from the list and a hand-off note)"),
        request=s.EscalateSerializer,
        responses={201: s.EscalationSerializer},
    ),
)
class EscalationViewSet(RoutingViewSet):
    model = Escalation
    serializer_class = s.EscalationSerializer

    def scoped_queryset(self, user: User) -> QuerySet[Escalation]:
        qs = selectors.escalations_for(user).select_related("ticket")
        ticket = int_param(self.request, "ticket")
        return qs.filter(ticket_id=ticket) if ticket is not None else qs

    def user_can_write(self, user: User) -> bool:
        return user.is_agent  # the service rejects light agents

    def create(self, request: Request) -> Response:
        data = self.input(s.EscalateSerializer)
        move = services.escalate if data.pop("direction") == Direction.UP else services.deescalate
        row = move(actor=request.user, **data)  # type: ignore[arg-type]
        return self.output(self.get_queryset().get(pk=row.pk), status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("First-contact resolution and bounce-back rates per tier"),
        parameters=[
            OpenApiParameter("since", OpenApiTypes.DATETIME, description=_("Tickets created from this moment.")),
            OpenApiParameter("until", OpenApiTypes.DATETIME, description=_("Tickets created before this moment.")),
            OpenApiParameter("team", OpenApiTypes.INT, description=_("Only this team's tickets.")),
        ],
        responses={200: s.TierStatsSerializer(many=True)},
    )
    @action(detail=False, methods=["get"], url_path="tier-stats", pagination_class=None)
    def tier_stats(self, request: Request) -> Response:
        team_id = int_param(request, "team")
        team = None
        if team_id is not None:
            team = Team.objects.filter(pk=team_id).first()
            if team is None:
                raise ValidationError({"team": [_("No such team.")]})
        rows = selectors.tier_stats(
            since=datetime_param(request, "since"), until=datetime_param(request, "until"), team=team
        )
        return Response(rows)
