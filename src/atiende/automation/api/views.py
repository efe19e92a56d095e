"""Automation API: triggers and time rules (+ dry run, runs, reorder), macros (+ preview and
apply), canned responses (+ search), customer notice templates, webhooks (+ deliveries and
replay), my notifications, and the condition attributes.

Thin views: a serializer parses the body, one service does the work, a selector scoped by
the viewer reads it back. Rules and templates are for supervisors and administrators,
webhooks for administrators; other roles get 404 for them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from atiende.accounts.api.views import API_PERMISSIONS, ListRetrieveMixin, ScopedViewSet
from atiende.accounts.models import Organization, Team, User
from atiende.automation import selectors, services
from atiende.automation.api import serializers as s
from atiende.automation.choices import RuleKind
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
from atiende.automation.services import macros as macro_services
from atiende.automation.services import webhooks as webhook_services
from atiende.core import conditions
from atiende.tickets import selectors as ticket_selectors
from atiende.tickets.models import Ticket


def _ticket(user: User, number: int) -> Ticket:
    ticket = ticket_selectors.tickets_visible_to(user).filter(number=number).first()
    if ticket is None:
        raise NotFound(_("There is no ticket with this number that you can see."))
    return ticket


def _team(pk: Any) -> Team | None:
    if pk is None:
        return None
    team = Team.objects.filter(pk=pk).first()
    if team is None:
        from django.core.exceptions import ValidationError

        raise ValidationError({"team": _("Unknown team.")})
    return team


# --- rules ------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("List rules")),
    retrieve=extend_schema(summary=_("Get a rule")),
    create=extend_schema(summary=_("Create a rule"), request=s.RuleWriteSerializer, responses={201: s.RuleSerializer}),
    partial_update=extend_schema(
        summary=_("Change a rule"), request=s.RuleWriteSerializer, responses={200: s.RuleSerializer}
    ),
    destroy=extend_schema(summary=_("Delete a rule"), responses={204: None}),
)
class TriggerViewSet(ListRetrieveMixin, ScopedViewSet):
    """Triggers: ordered rules that run on events."""

    model = Rule
    kind = RuleKind.TRIGGER
    serializer_class = s.RuleSerializer
    ordering_fields = ("position", "name")

    @property
    def default_ordering(self) -> str:
        return "-id" if getattr(self, "action", "") == "runs" else "position"

    def scoped_queryset(self, user: User) -> QuerySet[Rule]:
        return selectors.rules_for(user).filter(kind=self.kind)

    def user_can_write(self, user: User) -> bool:
        return user.is_manager

    def create(self, request: Request) -> Response:
        data = self.input(s.RuleWriteSerializer)
        rule = services.create_rule(actor=request.user, kind=self.kind, **data)  # type: ignore[arg-type]
        return self.output(rule, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        data = self.input(s.RuleWriteSerializer, partial=True)
        rule = services.update_rule(actor=request.user, rule=self.get_object(), **data)  # type: ignore[arg-type]
        return self.output(rule)

    def destroy(self, request: Request, pk: str) -> Response:
        services.delete_rule(actor=request.user, rule=self.get_object())  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary=_("Test this rule against a ticket (changes nothing)"),
        request=s.TicketRefSerializer,
        responses={200: s.DryRunResultSerializer},
    )
    @action(detail=True, methods=["post"], url_path="dry-run")
    def dry_run(self, request: Request, pk: str) -> Response:
        rule = self.get_object()
        data = self.input(s.TicketRefSerializer)
        result = services.dry_run(actor=request.user, rule=rule, ticket=_ticket(request.user, data["ticket"]))  # type: ignore[arg-type]
        return Response(s.DryRunResultSerializer(result).data)

    @extend_schema(summary=_("Runs of this rule"), responses={200: s.RuleRunSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def runs(self, request: Request, pk: str) -> Response:
        rule = self.get_object()
        page = self.paginate_queryset(selectors.runs_for(request.user).filter(rule=rule))  # type: ignore[arg-type]
        return self.get_paginated_response(s.RuleRunSerializer(page, many=True).data)

    @extend_schema(
        summary=_("Put the rules in this order"),
        request=s.ReorderSerializer,
        responses={200: s.RuleSerializer(many=True)},
    )
    @action(detail=False, methods=["post"])
    def reorder(self, request: Request) -> Response:
        if not self.user_can_write(request.user):  # type: ignore[arg-type]
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied
        data = self.input(s.ReorderSerializer)
        rules = services.reorder_rules(actor=request.user, kind=self.kind, ids=data["ids"])  # type: ignore[arg-type]
        return Response(s.RuleSerializer(rules, many=True).data)


class TimeRuleViewSet(TriggerViewSet):
    """Time-based rules: checked by the scheduler; each acts once per ticket per window."""

    kind = RuleKind.TIME


@extend_schema_view(
    list=extend_schema(
        summary=_("Rule runs"),
        parameters=[
            OpenApiParameter("rule", int, description="Only this rule."),
            OpenApiParameter("ticket", int, description="Only this ticket (id)."),
            OpenApiParameter("matched", bool),
        ],
    ),
    retrieve=extend_schema(summary=_("Get a rule run")),
)
class RuleRunViewSet(ListRetrieveMixin, ScopedViewSet):
    model = RuleRun
    serializer_class = s.RuleRunSerializer
    http_method_names = ["get", "head", "options"]

    def scoped_queryset(self, user: User) -> QuerySet[RuleRun]:
        qs = selectors.runs_for(user)
        params = self.request.query_params
        for key in ("rule", "ticket"):
            if params.get(key, "").isdigit():
                qs = qs.filter(**{f"{key}_id": int(params[key])})
        if params.get("matched") in {"true", "false"}:
            qs = qs.filter(matched=params["matched"] == "true")
        return qs


# --- macros and canned responses -------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("List the macros I can use")),
    retrieve=extend_schema(summary=_("Get a macro")),
    create=extend_schema(
        summary=_("Create a macro"), request=s.MacroWriteSerializer, responses={201: s.MacroSerializer}
    ),
    partial_update=extend_schema(
        summary=_("Change a macro"), request=s.MacroWriteSerializer, responses={200: s.MacroSerializer}
    ),
    destroy=extend_schema(summary=_("Delete a macro"), responses={204: None}),
)
class MacroViewSet(ListRetrieveMixin, ScopedViewSet):
    model = Macro
    serializer_class = s.MacroSerializer
    ordering_fields = ("name", "position")
    default_ordering = "name"

    def scoped_queryset(self, user: User) -> QuerySet[Macro]:
        return selectors.macros_for(user)

    def user_can_write(self, user: User) -> bool:
        return user.is_agent

    def _values(self, data: dict[str, Any]) -> dict[str, Any]:
        if "personal" in data:
            data["owner"] = self.request.user if data.pop("personal") else None
        if "team" in data:
            data["team"] = _team(data["team"])
        return data

    def create(self, request: Request) -> Response:
        data = self._values(self.input(s.MacroWriteSerializer))
        macro = services.create_macro(actor=request.user, **data)  # type: ignore[arg-type]
        return self.output(macro, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        data = self._values(self.input(s.MacroWriteSerializer, partial=True))
        macro = services.update_macro(actor=request.user, macro=self.get_object(), **data)  # type: ignore[arg-type]
        return self.output(macro)

    def destroy(self, request: Request, pk: str) -> Response:
        services.delete_macro(actor=request.user, macro=self.get_object())  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary=_("Preview a macro on a ticket (changes nothing)"),
        request=s.TicketRefSerializer,
        responses={200: s.MacroPreviewSerializer},
    )
    @action(detail=True, methods=["post"])
    def preview(self, request: Request, pk: str) -> Response:
        data = self.input(s.TicketRefSerializer)
        ticket = _ticket(request.user, data["ticket"])  # type: ignore[arg-type]
        result = services.preview_macro(actor=request.user, macro=self.get_object(), ticket=ticket)  # type: ignore[arg-type]
        return Response(s.MacroPreviewSerializer(result).data)

    @extend_schema(
        summary=_("Apply a macro to a ticket"),
        request=s.MacroApplySerializer,
        responses={200: s.MacroAppliedSerializer},
    )
    @action(detail=True, methods=["post"])
    def apply(self, request: Request, pk: str) -> Response:
        macro = self.get_object()
        data = self.input(s.MacroApplySerializer)
        ticket = _ticket(request.user, data["ticket"])  # type: ignore[arg-type]
        result = services.apply_macro(actor=request.user, macro=macro, ticket=ticket, reply=data.get("reply"))  # type: ignore[arg-type]
        return Response(s.MacroAppliedSerializer(result).data)


@extend_schema_view(
    list=extend_schema(
        summary=_("Search canned responses"),
        parameters=[
            OpenApiParameter("q", str, description="Words in the title or text."),
            OpenApiParameter("language", str, description="es or en (responses for any language are included)."),
        ],
    ),
    retrieve=extend_schema(summary=_("Get a canned response")),
    create=extend_schema(
        summary=_("Create a canned response"), request=s.CannedWriteSerializer, responses={201: s.CannedSerializer}
    ),
    partial_update=extend_schema(
        summary=_("Change a canned response"), request=s.CannedWriteSerializer, responses={200: s.CannedSerializer}
    ),
    destroy=extend_schema(summary=_("Delete a canned response"), responses={204: None}),
)
class CannedViewSet(ListRetrieveMixin, ScopedViewSet):
    model = CannedResponse
    serializer_class = s.CannedSerializer
    ordering_fields = ("title",)
    default_ordering = "title"

    def scoped_queryset(self, user: User) -> QuerySet[CannedResponse]:
        if self.action == "list":
            params = self.request.query_params
            return macro_services.search_canned(
                user=user, query=params.get("q", ""), language=params.get("language", "")
            )
        return selectors.canned_for(user)

    def user_can_write(self, user: User) -> bool:
        return user.is_agent

    def create(self, request: Request) -> Response:
        data = self.input(s.CannedWriteSerializer)
        data["team"] = _team(data.get("team"))
        row = services.save_canned(actor=request.user, **data)  # type: ignore[arg-type]
        return self.output(row, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        row = self.get_object()
        data = self.input(s.CannedWriteSerializer, partial=True)
        values = {
            "title": row.title,
            "body": row.body,
            "language": row.language,
            "shared": row.owner_id is None and row.team_id is None,
            "team": row.team,
        }
        if "team" in data:
            data["team"] = _team(data["team"])
        values.update(data)
        row = services.save_canned(actor=request.user, canned=row, **values)  # type: ignore[arg-type]
        return self.output(row)

    def destroy(self, request: Request, pk: str) -> Response:
        services.delete_canned(actor=request.user, canned=self.get_object())  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- customer notice templates -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("List customer notice templates")),
    retrieve=extend_schema(summary=_("Get a customer notice template")),
    create=extend_schema(
        summary=_("Create a customer notice template"),
        request=s.TemplateWriteSerializer,
        responses={201: s.TemplateSerializer},
    ),
    partial_update=extend_schema(
        summary=_("Change a customer notice template"),
        request=s.TemplateWriteSerializer,
        responses={200: s.TemplateSerializer},
    ),
    destroy=extend_schema(summary=_("Delete a customer notice template"), responses={204: None}),
)
class TemplateViewSet(ListRetrieveMixin, ScopedViewSet):
    model = NotificationTemplate
    serializer_class = s.TemplateSerializer

    def scoped_queryset(self, user: User) -> QuerySet[NotificationTemplate]:
        return selectors.templates_for(user)

    def user_can_write(self, user: User) -> bool:
        return user.is_manager

    def _values(self, data: dict[str, Any]) -> dict[str, Any]:
        from django.core.exceptions import ValidationError

        from atiende.channels.models import Inbox

        if data.get("inbox") is not None:
            data["inbox"] = Inbox.objects.filter(pk=data["inbox"]).first()
            if data["inbox"] is None:
                raise ValidationError({"inbox": _("Unknown inbox.")})
        if data.get("organization") is not None:
            data["organization"] = Organization.objects.filter(pk=data["organization"]).first()
            if data["organization"] is None:
                raise ValidationError({"organization": _("Unknown organization.")})
        return data

    def create(self, request: Request) -> Response:
        data = self._values(self.input(s.TemplateWriteSerializer))
        row = services.save_template(actor=request.user, **data)  # type: ignore[arg-type]
        return self.output(row, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        row = self.get_object()
        values: dict[str, Any] = {
            "notice": row.notice,
            "language": row.language,
            "inbox": row.inbox_id,
            "organization": row.organization_id,
            "subject": row.subject,
            "body": row.body,
            "is_enabled": row.is_enabled,
        }
        values.update(self.input(s.TemplateWriteSerializer, partial=True))
        row = services.save_template(actor=request.user, template=row, **self._values(values))  # type: ignore[arg-type]
        return self.output(row)

    def destroy(self, request: Request, pk: str) -> Response:
        self.get_object().delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- webhooks ---------------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("List webhooks")),
    retrieve=extend_schema(summary=_("Get a webhook")),
    create=extend_schema(
        summary=_("Create a webhook (the signing secret is returned once)"),
        request=s.WebhookWriteSerializer,
        responses={201: s.WebhookCreatedSerializer},
    ),
    partial_update=extend_schema(
        summary=_("Change a webhook"), request=s.WebhookWriteSerializer, responses={200: s.WebhookSerializer}
    ),
    destroy=extend_schema(summary=_("Delete a webhook"), responses={204: None}),
)
class WebhookViewSet(ListRetrieveMixin, ScopedViewSet):
    model = WebhookSubscription
    serializer_class = s.WebhookSerializer

    def scoped_queryset(self, user: User) -> QuerySet[WebhookSubscription]:
        return selectors.webhooks_for(user)

    def user_can_write(self, user: User) -> bool:
        return user.role == "admin"

    def create(self, request: Request) -> Response:
        data = self.input(s.WebhookWriteSerializer)
        hook, secret = services.create_webhook(actor=request.user, **data)  # type: ignore[arg-type]
        body = s.WebhookCreatedSerializer(hook, context={"secret": secret}).data
        return Response(body, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        data = self.input(s.WebhookWriteSerializer, partial=True)
        if not data.get("secret"):
            data.pop("secret", None)
        hook = services.update_webhook(actor=request.user, webhook=self.get_object(), **data)  # type: ignore[arg-type]
        return self.output(hook)

    def destroy(self, request: Request, pk: str) -> Response:
        services.delete_webhook(actor=request.user, webhook=self.get_object())  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary=_("Webhook deliveries"),
        parameters=[
            OpenApiParameter("webhook", int, description="Only this webhook."),
            OpenApiParameter("status", str),
        ],
    ),
    retrieve=extend_schema(summary=_("Get a webhook delivery")),
)
class DeliveryViewSet(ListRetrieveMixin, ScopedViewSet):
    model = WebhookDelivery
    serializer_class = s.DeliverySerializer
    http_method_names = ["get", "post", "head", "options"]

    def scoped_queryset(self, user: User) -> QuerySet[WebhookDelivery]:
        qs = selectors.deliveries_for(user)
        params = self.request.query_params
        if params.get("webhook", "").isdigit():
            qs = qs.filter(subscription_id=int(params["webhook"]))
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        return qs

    def user_can_write(self, user: User) -> bool:
        return user.role == "admin"

    @extend_schema(
        summary=_("Send a delivery again (as a new delivery)"), request=None, responses={201: s.DeliverySerializer}
    )
    @action(detail=True, methods=["post"])
    def replay(self, request: Request, pk: str) -> Response:
        row = webhook_services.replay(actor=request.user, delivery=self.get_object())  # type: ignore[arg-type]
        return self.output(row, status_code=status.HTTP_201_CREATED)


# --- notifications ----------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("My notifications"), parameters=[OpenApiParameter("unread", bool)]),
    retrieve=extend_schema(summary=_("Get one of my notifications")),
)
class NotificationViewSet(ListRetrieveMixin, ScopedViewSet):
    model = Notification
    serializer_class = s.NotificationSerializer
    http_method_names = ["get", "post", "head", "options"]

    def scoped_queryset(self, user: User) -> QuerySet[Notification]:
        qs = selectors.notifications_for(user)
        if self.request.query_params.get("unread") == "true":
            qs = qs.filter(read_at__isnull=True)
        return qs

    def user_can_write(self, user: User) -> bool:
        return True

    @extend_schema(
        summary=_("Mark my notifications read"), request=s.MarkReadSerializer, responses={200: s.MarkedSerializer}
    )
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request: Request) -> Response:
        data = self.input(s.MarkReadSerializer)
        n = services.mark_read(actor=request.user, ids=data.get("ids"))  # type: ignore[arg-type]
        return Response({"marked": n})


class AttributeListView(APIView):
    permission_classes = API_PERMISSIONS

    @extend_schema(
        summary=_("Attributes and operators of the condition language"),
        responses={200: s.AttributeSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        return Response(s.AttributeSerializer(conditions.catalog(), many=True).data)
