"""Channels API: inboxes, the email quarantine, received and sent email, the suppression list.

* Inboxes, quarantine and suppressions are for administrators (403 for everyone else).
  Inbox credentials are write-only: ``imap_password`` / ``smtp_password`` are accepted
  and stored encrypted; responses only say whether one is set.
* Received and sent email (threading reason, delivery status) are read by agents for
  the tickets they can see; ``?ticket=<id>`` filters by ticket.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from atiende.accounts.api.views import API_PERMISSIONS, ScopedViewSet
from atiende.accounts.models import User
from atiende.channels import selectors, services
from atiende.channels.api.serializers import (
    InboundEmailSerializer,
    InboxSerializer,
    InboxWriteSerializer,
    OutboundEmailSerializer,
    ReplaySerializer,
    SuppressionSerializer,
)
from atiende.channels.email import rawstore
from atiende.channels.email.imap import poll_inbox
from atiende.channels.models import InboundEmail, Inbox, OutboundEmail, Suppression


class IsAdministrator(BasePermission):
    message = _("Only administrators can do this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and selectors.is_admin(user))  # type: ignore[arg-type]


class IsAgent(BasePermission):
    message = _("Only agents can do this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_agent)


ADMIN_PERMISSIONS = [*API_PERMISSIONS, IsAdministrator]
TICKET_PARAMETER = OpenApiParameter("ticket", OpenApiTypes.INT, description=_("Only email of this ticket (its id)."))


def _ticket_filter(request: Request, queryset: QuerySet[Any]) -> QuerySet[Any]:
    raw = request.query_params.get("ticket")
    if raw is None:
        return queryset
    try:
        return queryset.filter(ticket_id=int(raw))
    except ValueError:
        raise ValidationError({"ticket": [_("A whole number is required.")]}) from None


@extend_schema_view(
    list=extend_schema(summary=_("List inboxes (administrators)")),
    retrieve=extend_schema(summary=_("Get an inbox")),
    create=extend_schema(summary=_("Create an inbox"), request=InboxWriteSerializer, responses={201: InboxSerializer}),
    partial_update=extend_schema(
        summary=_("Change an inbox"),
        description=_("Passwords are write-only; leave them out to keep the stored ones."),
        request=InboxWriteSerializer,
        responses={200: InboxSerializer},
    ),
    fetch=extend_schema(summary=_("Fetch mail now (IMAP)"), request=None, responses={200: OpenApiTypes.OBJECT}),
)
class InboxViewSet(ScopedViewSet):
    model = Inbox
    serializer_class = InboxSerializer
    permission_classes = ADMIN_PERMISSIONS
    ordering_fields = ("name", "created_at")
    default_ordering = "name"

    def scoped_queryset(self, user: User) -> QuerySet[Inbox]:
        return selectors.inboxes_visible_to(user)

    def user_can_write(self, user: User) -> bool:
        return selectors.is_admin(user)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(self.get_object())

    def create(self, request: Request) -> Response:
        data = self.input(InboxWriteSerializer)
        inbox = services.create_inbox(actor=request.user, **data)  # type: ignore[arg-type]
        return self.output(self.get_queryset().get(pk=inbox.pk), status_code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        inbox = self.get_object()
        data = self.input(InboxWriteSerializer, partial=True)
        services.update_inbox(actor=request.user, inbox=inbox, **data)  # type: ignore[arg-type]
        return self.output(self.get_queryset().get(pk=inbox.pk))

    @action(detail=True, methods=["post"])
    def fetch(self, request: Request, pk: str) -> Response:
        result = poll_inbox(self.get_object())
        return Response(
            {"fetched": result.fetched, "new": result.new, "skipped": result.skipped, "error": result.error}
        )


@extend_schema_view(
    list=extend_schema(summary=_("List quarantined email (administrators)")),
    retrieve=extend_schema(summary=_("Get a quarantined email")),
    replay=extend_schema(
        summary=_("Run a quarantined email through the intake again"),
        request=ReplaySerializer,
        responses={200: InboundEmailSerializer},
    ),
    raw=extend_schema(summary=_("Download the original message (.eml)"), responses={(200, "message/rfc822"): bytes}),
)
class QuarantineViewSet(ScopedViewSet):
    model = InboundEmail
    serializer_class = InboundEmailSerializer
    permission_classes = ADMIN_PERMISSIONS
    ordering_fields = ("received_at",)
    default_ordering = "-id"

    def scoped_queryset(self, user: User) -> QuerySet[InboundEmail]:
        return selectors.quarantine_visible_to(user)

    def user_can_write(self, user: User) -> bool:
        return selectors.is_admin(user)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(self.get_object())

    @action(detail=True, methods=["post"])
    def replay(self, request: Request, pk: str) -> Response:
        inbound = self.get_object()
        data = self.input(ReplaySerializer)
        result = services.replay_email(actor=request.user, inbound=inbound, accept=data["accept"])  # type: ignore[arg-type]
        return Response(InboundEmailSerializer(result, context=self.get_serializer_context()).data)

    @action(detail=True, methods=["get"])
    def raw(self, request: Request, pk: str) -> FileResponse:
        inbound = self.get_object()
        response = FileResponse(
            rawstore.open_raw(inbound.raw_path),
            as_attachment=True,
            filename=f"inbound-{inbound.pk}.eml",
            content_type="message/rfc822",
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


@extend_schema_view(
    list=extend_schema(summary=_("List received email"), parameters=[TICKET_PARAMETER]),
    retrieve=extend_schema(summary=_("Get a received email, with why it was threaded where it was")),
)
class InboundEmailViewSet(ScopedViewSet):
    model = InboundEmail
    serializer_class = InboundEmailSerializer
    permission_classes = [*API_PERMISSIONS, IsAgent]
    ordering_fields = ("received_at",)
    default_ordering = "-id"

    def scoped_queryset(self, user: User) -> QuerySet[InboundEmail]:
        return selectors.inbound_visible_to(user)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(_ticket_filter(request, self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(self.get_object())


@extend_schema_view(
    list=extend_schema(summary=_("List sent email and its delivery status"), parameters=[TICKET_PARAMETER]),
    retrieve=extend_schema(summary=_("Get a sent email")),
)
class OutboundEmailViewSet(ScopedViewSet):
    model = OutboundEmail
    serializer_class = OutboundEmailSerializer
    permission_classes = [*API_PERMISSIONS, IsAgent]
    ordering_fields = ("created_at",)
    default_ordering = "-id"

    def scoped_queryset(self, user: User) -> QuerySet[OutboundEmail]:
        return selectors.outbound_visible_to(user)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(_ticket_filter(request, self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(self.get_object())


@extend_schema_view(
    list=extend_schema(summary=_("List suppressed addresses (administrators)")),
    create=extend_schema(summary=_("Suppress an address"), request=SuppressionSerializer),
    destroy=extend_schema(summary=_("Remove an address from the suppression list")),
)
class SuppressionViewSet(ScopedViewSet):
    model = Suppression
    serializer_class = SuppressionSerializer
    permission_classes = ADMIN_PERMISSIONS
    ordering_fields = ("created_at",)
    default_ordering = "-id"

    def scoped_queryset(self, user: User) -> QuerySet[Suppression]:
        return selectors.suppressions_visible_to(user)

    def user_can_write(self, user: User) -> bool:
        return selectors.is_admin(user)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        data = self.input(SuppressionSerializer)
        row = services.add_suppression(actor=request.user, address=data["address"], detail=data.get("detail", ""))  # type: ignore[arg-type]
        return self.output(row, status_code=status.HTTP_201_CREATED)

    def destroy(self, request: Request, pk: str) -> Response:
        services.remove_suppression(actor=request.user, suppression=self.get_object())  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)
