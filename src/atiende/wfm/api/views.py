"""Workforce-management API.

Forecasts, requirements, shift templates, drills and simulation runs are for supervisors
and administrators (everyone else sees an empty list and 404s). Schedules and shifts are
also readable by the agents who have shifts in them (their own shifts only).
``POST`` on the collections runs the corresponding service; ``/wfm/erlang`` is a pure calculator.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from atiende.accounts.api.views import API_PERMISSIONS, ListRetrieveMixin, ScopedViewSet
from atiende.accounts.models import User
from atiende.wfm import erlang, selectors, services
from atiende.wfm.api import serializers as s
from atiende.wfm.models import (
    Drill,
    Forecast,
    Schedule,
    ScheduledShift,
    ShiftTemplate,
    SimulationRun,
    StaffingRequirement,
)


def _manager(user: User) -> bool:
    return bool(user.is_active and user.is_manager)


def _one(queryset: QuerySet[Any], pk: int, field: str) -> Any:
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise ValidationError({field: [_("Not found.")]})
    return obj


def _many(queryset: QuerySet[Any], pks: list[int], field: str) -> list[Any]:
    found = {o.pk: o for o in queryset.filter(pk__in=pks)}
    missing = [pk for pk in pks if pk not in found]
    if missing:
        raise ValidationError({field: [_("Not found: %(ids)s.") % {"ids": ", ".join(map(str, missing))}]})
    return [found[pk] for pk in pks]


@extend_schema_view(
    list=extend_schema(summary=_("List forecasts (supervisors)")),
    retrieve=extend_schema(summary=_("Get a forecast with its history and backtests")),
    create=extend_schema(
        summary=_("Forecast contacts per interval from the ticket history"),
        request=s.ForecastCreateSerializer,
        responses={201: s.ForecastSerializer},
    ),
)
class ForecastViewSet(ListRetrieveMixin, ScopedViewSet):
    model = Forecast
    serializer_class = s.ForecastSerializer
    ordering_fields = ("created_at",)
    default_ordering = "-created_at"

    def scoped_queryset(self, user: User) -> QuerySet[Forecast]:
        return selectors.forecasts_visible_to(user)

    def user_can_write(self, user: User) -> bool:
        return _manager(user)

    def create(self, request: Request) -> Response:
        data = self.input(s.ForecastCreateSerializer)
        forecast = services.build_forecast(actor=request.user, **data)  # type: ignore[arg-type]
        return self.output(forecast, status_code=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary=_("List staffing requirements (supervisors)")),
    retrieve=extend_schema(summary=_("Get a staffing requirement")),
    create=extend_schema(
        summary=_("Agents required per interval of a forecast (Erlang C, or A with patience)"),
        request=s.RequirementCreateSerializer,
        responses={201: s.RequirementSerializer},
    ),
)
class RequirementViewSet(ListRetrieveMixin, ScopedViewSet):
    model = StaffingRequirement
    serializer_class = s.RequirementSerializer
    ordering_fields = ("created_at",)
    default_ordering = "-created_at"

    def scoped_queryset(self, user: User) -> QuerySet[StaffingRequirement]:
        return selectors.requirements_visible_to(user)

    def user_can_write(self, user: User) -> bool:
        return _manager(user)

    def create(self, request: Request) -> Response:
        data = self.input(s.RequirementCreateSerializer)
        forecast = _one(selectors.forecasts_visible_to(request.user), data.pop("forecast"), "forecast")  # type: ignore[arg-type]
        req = services.compute_requirement(actor=request.user, forecast=forecast, **data)  # type: ignore[arg-type]
        return self.output(req, status_code=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary=_("List shift templates (supervisors)")),
    retrieve=extend_schema(summary=_("Get a shift template")),
    create=extend_schema(summary=_("Create a shift template"), request=s.ShiftTemplateSerializer),
    partial_update=extend_schema(summary=_("Change a shift template"), request=s.ShiftTemplateSerializer),
)
class ShiftTemplateViewSet(ListRetrieveMixin, ScopedViewSet):
    model = ShiftTemplate
    serializer_class = s.ShiftTemplateSerializer
    ordering_fields = ("name",)
    default_ordering = "name"

    def scoped_queryset(self, user: User) -> QuerySet[ShiftTemplate]:
        return selectors.templates_visible_to(user)

    def user_can_write(self, user: User) -> bool:
        return _manager(user)

    def create(self, request: Request) -> Response:
        data = self.input(s.ShiftTemplateSerializer)
        data["breaks"] = s.validated_breaks(data.get("breaks", []))
        obj = services.save_shift_template(actor=request.user, **data)  # type: ignore[arg-type]
        return self.output(obj, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        obj = self.get_object()
        data = self.input(s.ShiftTemplateSerializer, partial=True)
        if "breaks" in data:
            data["breaks"] = s.validated_breaks(data["breaks"])
        obj = services.save_shift_template(actor=request.user, template=obj, **data)  # type: ignore[arg-type]
        return self.output(obj)


@extend_schema_view(
    list=extend_schema(summary=_("List schedules"), description=_("Agents see the schedules they have shifts in.")),
    retrieve=extend_schema(summary=_("Get a schedule with coverage vs requirement per slot")),
    create=extend_schema(
        summary=_("Build a schedule with CP-SAT from staffing requirements"),
        request=s.ScheduleCreateSerializer,
        responses={201: s.ScheduleSerializer},
    ),
    adherence=extend_schema(
        summary=_("Adherence: scheduled state vs presence"), responses={200: s.AdherenceSerializer}
    ),
    simulate=extend_schema(
        summary=_("Simulate the plan"),
        request=s.SimulateRequestSerializer,
        responses={201: s.SimulationRunSerializer},
    ),
)
class ScheduleViewSet(ListRetrieveMixin, ScopedViewSet):
    model = Schedule
    serializer_class = s.ScheduleSerializer
    ordering_fields = ("start", "created_at")
    default_ordering = "-start"

    def scoped_queryset(self, user: User) -> QuerySet[Schedule]:
        return selectors.schedules_visible_to(user)

    def user_can_write(self, user: User) -> bool:
        return _manager(user)

    def create(self, request: Request) -> Response:
        data = self.input(s.ScheduleCreateSerializer)
        user: User = request.user  # type: ignore[assignment]
        reqs = _many(selectors.requirements_visible_to(user), data.pop("requirements"), "requirements")
        templates = data.pop("templates", None)
        agents = data.pop("agents", None)
        schedule = services.create_schedule(
            actor=user,
            requirements=reqs,
            templates=_many(selectors.templates_visible_to(user), templates, "templates") if templates else None,
            agents=_many(selectors.schedulable_agents(), agents, "agents") if agents else None,
            **data,
        )
        return self.output(schedule, status_code=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def adherence(self, request: Request, pk: str) -> Response:
        schedule = self.get_object()
        if not _manager(request.user):  # type: ignore[arg-type]
            return Response(status=status.HTTP_404_NOT_FOUND)
        return Response(s.AdherenceSerializer(selectors.adherence(schedule=schedule)).data)

    @action(detail=True, methods=["post"])
    def simulate(self, request: Request, pk: str) -> Response:
        schedule = self.get_object()
        if not _manager(request.user):  # type: ignore[arg-type]
            return Response(status=status.HTTP_403_FORBIDDEN)
        data = self.input(s.SimulateRequestSerializer)
        run = services.simulate_schedule(actor=request.user, schedule=schedule, **data)  # type: ignore[arg-type]
        return Response(s.SimulationRunSerializer(run).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary=_("List scheduled shifts"), description=_("Agents see only their own shifts.")),
    retrieve=extend_schema(summary=_("Get a scheduled shift")),
)
class ShiftViewSet(ListRetrieveMixin, ScopedViewSet):
    model = ScheduledShift
    serializer_class = s.ShiftSerializer
    ordering_fields = ("starts_at",)
    default_ordering = "starts_at"
    http_method_names = ["get", "head", "options"]

    def scoped_queryset(self, user: User) -> QuerySet[ScheduledShift]:
        return selectors.shifts_visible_to(user)


@extend_schema_view(
    list=extend_schema(summary=_("List drills (supervisors)")),
    retrieve=extend_schema(summary=_("Get a drill")),
    create=extend_schema(
        summary=_("Create a drill against a schedule"),
        request=s.DrillCreateSerializer,
        responses={201: s.DrillSerializer},
    ),
    run=extend_schema(
        summary=_("Run the drill and compare it with the plan"),
        request=s.RunRequestSerializer,
        responses={201: s.SimulationRunSerializer},
    ),
)
class DrillViewSet(ListRetrieveMixin, ScopedViewSet):
    model = Drill
    serializer_class = s.DrillSerializer
    ordering_fields = ("created_at",)
    default_ordering = "-created_at"

    def scoped_queryset(self, user: User) -> QuerySet[Drill]:
        return selectors.drills_visible_to(user)

    def user_can_write(self, user: User) -> bool:
        return _manager(user)

    def create(self, request: Request) -> Response:
        data = self.input(s.DrillCreateSerializer)
        schedule = _one(selectors.schedules_visible_to(request.user), data.pop("schedule"), "schedule")  # type: ignore[arg-type]
        drill = services.create_drill(actor=request.user, schedule=schedule, **data)  # type: ignore[arg-type]
        return self.output(drill, status_code=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def run(self, request: Request, pk: str) -> Response:
        drill = self.get_object()
        data = self.input(s.RunRequestSerializer)
        result = services.run_drill(actor=request.user, drill=drill, **data)  # type: ignore[arg-type]
        return Response(s.SimulationRunSerializer(result).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary=_("List simulation and drill runs (supervisors)")),
    retrieve=extend_schema(summary=_("Get a simulation run")),
)
class SimulationRunViewSet(ListRetrieveMixin, ScopedViewSet):
    model = SimulationRun
    serializer_class = s.SimulationRunSerializer
    ordering_fields = ("created_at",)
    default_ordering = "-created_at"
    http_method_names = ["get", "head", "options"]

    def scoped_queryset(self, user: User) -> QuerySet[SimulationRun]:
        return selectors.runs_visible_to(user)


class ErlangView(APIView):
    permission_classes = API_PERMISSIONS

    @extend_schema(
        summary=_("Erlang calculator: required agents for a service-level target"),
        parameters=[s.ErlangQuerySerializer],
        responses={200: s.ErlangResultSerializer},
    )
    def get(self, request: Request) -> Response:
        query = s.ErlangQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            result = erlang.staffing(**query.validated_data)
        except ValueError as exc:
            raise ValidationError({"target": [str(exc)]}) from exc
        return Response(s.ErlangResultSerializer(result.as_dict()).data)


class RealtimeView(APIView):
    permission_classes = API_PERMISSIONS

    @extend_schema(
        summary=_("Required vs scheduled vs logged-in agents for the next hours (supervisors)"),
        responses={200: s.RealtimeRowSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        if not _manager(request.user):  # type: ignore[arg-type]
            return Response(status=status.HTTP_404_NOT_FOUND)
        return Response(s.RealtimeRowSerializer(selectors.realtime(), many=True).data)
