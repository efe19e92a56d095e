"""SLA API: calendars, holidays, policies, each ticket's SLA and its explanation, backtests."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from atiende.accounts.api.views import API_PERMISSIONS, ListRetrieveMixin, ScopedViewSet
from atiende.accounts.choices import Role
from atiende.accounts.models import User
from atiende.sla import calendars, selectors, services
from atiende.sla.api.serializers import (
    BacktestRequestSerializer,
    BacktestResultSerializer,
    CalendarSerializer,
    CalendarWriteSerializer,
    ExplanationSerializer,
    HolidayEntrySerializer,
    HolidaySerializer,
    HolidayWriteSerializer,
    PolicySerializer,
    PolicyWriteSerializer,
    TicketSlaSerializer,
)
from atiende.sla.choices import TargetKind
from atiende.sla.models import Calendar, Holiday, Policy
from atiende.tickets.models import Ticket


def _admin(user: User) -> bool:
    return user.role == Role.ADMIN


@extend_schema_view(
    list=extend_schema(summary=_("List business calendars"), description=_("Agents only.")),
    retrieve=extend_schema(summary=_("Get a business calendar")),
    create=extend_schema(
        summary=_("Create a business calendar (administrators)"),
        request=CalendarWriteSerializer,
        responses={201: CalendarSerializer},
    ),
    partial_update=extend_schema(
        summary=_("Change a business calendar (administrators)"),
        request=CalendarWriteSerializer,
        responses={200: CalendarSerializer},
    ),
    destroy=extend_schema(summary=_("Delete a business calendar (administrators)"), responses={204: None}),
)
class CalendarViewSet(ListRetrieveMixin, ScopedViewSet):
    model = Calendar
    serializer_class = CalendarSerializer
    ordering_fields = ("name",)
    default_ordering = "name"

    def scoped_queryset(self, user: User) -> QuerySet[Calendar]:
        return selectors.calendars_visible_to(user)

    def user_can_write(self, user: User) -> bool:
        return _admin(user)

    def create(self, request: Request) -> Response:
        data = self.input(CalendarWriteSerializer)
        calendar = services.create_calendar(actor=request.user, **data)  # type: ignore[arg-type]
        return self.output(calendar, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        calendar = self.get_object()
        data = self.input(CalendarWriteSerializer, partial=True)
        return self.output(services.update_calendar(actor=request.user, calendar=calendar, **data))  # type: ignore[arg-type]

    def destroy(self, request: Request, pk: str) -> Response:
        services.delete_calendar(actor=request.user, calendar=self.get_object())  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary=_("Every holiday of a calendar in a year (the country's and the custom ones)"),
        parameters=[OpenApiParameter("year", OpenApiTypes.INT, description=_("Default: this year."))],
        responses={200: HolidayEntrySerializer(many=True)},
    )
    @action(detail=True, methods=["get"], url_path="holidays")
    def holidays(self, request: Request, pk: str) -> Response:
        calendar = self.get_object()
        raw = request.query_params.get("year") or str(date.today().year)
        if not raw.isdigit() or not 1900 <= int(raw) <= 2200:
            raise ValidationError({"year": [_("Give a year such as 2026.")]})
        year = int(raw)
        entries: list[dict[str, Any]] = [
            {"date": day, "name": name, "origin": "country"}
            for day, name in calendars.country_holidays(
                calendar.holiday_country, calendar.holiday_subdivision, range(year, year + 1)
            ).items()
        ]
        entries += [
            {"date": h.date, "name": h.name, "origin": "custom"} for h in calendar.holidays.filter(date__year=year)
        ]
        entries.sort(key=lambda e: str(e["date"]))
        return Response(HolidayEntrySerializer(entries, many=True).data)


@extend_schema_view(
    list=extend_schema(
        summary=_("List custom holidays"),
        parameters=[OpenApiParameter("calendar", OpenApiTypes.INT, description=_("Only this calendar's."))],
    ),
    retrieve=extend_schema(summary=_("Get a custom holiday")),
    create=extend_schema(
        summary=_("Add a custom holiday (administrators)"),
        request=HolidayWriteSerializer,
        responses={201: HolidaySerializer},
    ),
    destroy=extend_schema(summary=_("Delete a custom holiday (administrators)"), responses={204: None}),
)
class HolidayViewSet(ListRetrieveMixin, ScopedViewSet):
    model = Holiday
    serializer_class = HolidaySerializer
    ordering_fields = ("date",)
    default_ordering = "date"
    http_method_names = ["get", "post", "delete", "head", "options"]

    def scoped_queryset(self, user: User) -> QuerySet[Holiday]:
        queryset = selectors.holidays_visible_to(user)
        calendar = self.request.query_params.get("calendar")
        if calendar is not None:
            if not calendar.isdigit():
                raise ValidationError({"calendar": [_("Give a calendar id.")]})
            queryset = queryset.filter(calendar_id=int(calendar))
        return queryset

    def user_can_write(self, user: User) -> bool:
        return _admin(user)

    def create(self, request: Request) -> Response:
        data = self.input(HolidayWriteSerializer)
        holiday = services.create_holiday(actor=request.user, **data)  # type: ignore[arg-type]
        return self.output(holiday, status_code=status.HTTP_201_CREATED)

    def destroy(self, request: Request, pk: str) -> Response:
        services.delete_holiday(actor=request.user, holiday=self.get_object())  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary=_("List SLA policies"), description=_("In the order they are tried; agents only.")),
    retrieve=extend_schema(summary=_("Get an SLA policy")),
    create=extend_schema(
        summary=_("Create an SLA policy (administrators)"),
        request=PolicyWriteSerializer,
        responses={201: PolicySerializer},
    ),
    partial_update=extend_schema(
        summary=_("Change an SLA policy (administrators)"),
        request=PolicyWriteSerializer,
        responses={200: PolicySerializer},
    ),
    destroy=extend_schema(summary=_("Delete an SLA policy (administrators)"), responses={204: None}),
)
class PolicyViewSet(ListRetrieveMixin, ScopedViewSet):
    model = Policy
    serializer_class = PolicySerializer
    ordering_fields = ("position", "name")
    default_ordering = "position"

    def scoped_queryset(self, user: User) -> QuerySet[Policy]:
        return selectors.policies_visible_to(user)

    def user_can_write(self, user: User) -> bool:
        return _admin(user)

    def create(self, request: Request) -> Response:
        data = self.input(PolicyWriteSerializer)
        policy = services.create_policy(actor=request.user, **data)  # type: ignore[arg-type]
        return self.output(policy, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        policy = self.get_object()
        data = self.input(PolicyWriteSerializer, partial=True)
        return self.output(services.update_policy(actor=request.user, policy=policy, **data))  # type: ignore[arg-type]

    def destroy(self, request: Request, pk: str) -> Response:
        services.delete_policy(actor=request.user, policy=self.get_object())  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


def _visible_ticket(request: Request, ticket_pk: int) -> Ticket:
    try:
        return selectors.sla_ticket(request.user, ticket_pk)  # type: ignore[arg-type]
    except Ticket.DoesNotExist:
        raise Http404 from None


class TicketSlaView(APIView):
    permission_classes = API_PERMISSIONS

    @extend_schema(
        summary=_("A ticket's SLA: policy, state, next deadline and each target"),
        description=_("Agents who can see the ticket; 404 when it has no SLA."),
        responses={200: TicketSlaSerializer},
    )
    def get(self, request: Request, ticket_pk: int) -> Response:
        ticket = _visible_ticket(request, ticket_pk)
        state = selectors.sla_states([ticket.pk]).get(ticket.pk)
        if state is None:
            raise Http404
        return Response(TicketSlaSerializer({"ticket": ticket.pk, **state}).data)


class ExplainView(APIView):
    permission_classes = API_PERMISSIONS

    @extend_schema(
        summary=_("Explain a deadline: each counted segment, pause, holiday and closed period"),
        parameters=[
            OpenApiParameter(
                "target",
                OpenApiTypes.STR,
                enum=list(TargetKind.values),
                description=_("Default: resolution."),
            )
        ],
        responses={200: ExplanationSerializer},
    )
    def get(self, request: Request, ticket_pk: int) -> Response:
        ticket = _visible_ticket(request, ticket_pk)
        target = request.query_params.get("target", TargetKind.RESOLUTION)
        if target not in TargetKind.values:
            raise ValidationError({"target": [_("Use first_response, next_response, resolution or periodic_update.")]})
        found = selectors.explain_all(ticket)
        match = next(((r, e) for r, e in found[1] if r.target == target), None) if found else None
        if found is None or match is None:
            raise Http404
        result, explanation = match
        body: dict[str, Any] = {
            "ticket": ticket.pk,
            "target": target,
            "state": result.state,
            "goal_seconds": result.goal_seconds,
            "start": result.cycle_start,
            "deadline": explanation.deadline,
            "met_at": result.met_at,
            "time_zone": found[0],
            "segments": [
                {"kind": s.kind, "start": s.start, "end": s.end, "counted_seconds": s.counted_seconds, "label": s.label}
                for s in explanation.segments
            ],
        }
        return Response(ExplanationSerializer(body).data)


class BacktestView(APIView):
    permission_classes = API_PERMISSIONS

    @extend_schema(
        summary=_("Backtest a candidate SLA policy or calendar on past tickets (administrators and supervisors)"),
        description=_(
            "Replays the tickets created in [since, until) under their current policy and under the candidate, "
            "and returns first-response and resolution compliance side by side. Nothing is saved."
        ),
        request=BacktestRequestSerializer,
        responses={200: BacktestResultSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = BacktestRequestSerializer(data=request.data, context={"request": request})
        unknown = sorted(set(request.data) - set(serializer.fields)) if hasattr(request.data, "keys") else []
        if unknown:
            raise ValidationError({name: [_("Unknown field; it cannot be set here.")] for name in unknown})
        serializer.is_valid(raise_exception=True)
        result = services.run_backtest(actor=request.user, **serializer.validated_data)  # type: ignore[arg-type]
        return Response(BacktestResultSerializer(result.to_dict()).data)
