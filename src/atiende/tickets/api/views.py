"""Tickets API: tickets, their messages, history, events and links; attachment downloads; catalog.

Views are thin: they parse input with a serializer, call one service, and read back
through a selector scoped by the viewer. A ticket outside the viewer's scope is 404;
a role that sees a ticket but may not do something with it gets 403.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import renderers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from atiende.accounts.api.views import API_PERMISSIONS, ListRetrieveMixin, ScopedViewSet
from atiende.accounts.choices import Role
from atiende.accounts.models import User
from atiende.contacts import services as contact_services
from atiende.contacts.choices import IdentityKind
from atiende.contacts.models import Contact
from atiende.core.models import OutboxEvent
from atiende.tickets import selectors, services
from atiende.tickets.api.serializers import (
    CategoryCreateSerializer,
    CategorySerializer,
    CategoryUpdateSerializer,
    CustomFieldCreateSerializer,
    CustomFieldSerializer,
    CustomFieldUpdateSerializer,
    MessageCreateSerializer,
    MessageSerializer,
    TagCreateSerializer,
    TagSerializer,
    TicketCreateSerializer,
    TicketEventSerializer,
    TicketHistorySerializer,
    TicketLinkCreateSerializer,
    TicketLinkSerializer,
    TicketMergeSerializer,
    TicketSerializer,
    TicketSplitSerializer,
    TicketUpdateSerializer,
    plain_data,
)
from atiende.tickets.filtersets import TicketFilterSet
from atiende.tickets.models import Attachment, Category, CustomField, Message, Tag, Ticket, TicketHistory, TicketLink

# Served as opaque bytes whatever they claim to be: a browser must never render them.
ACTIVE_CONTENT_MARKERS = ("html", "xml", "svg", "javascript", "ecmascript", "xsl")

NOT_ALLOWED = _("Your role does not allow this.")
TICKET_LIST_FIELDS = frozenset({"tags", "add_tags", "remove_tags", "ccs", "followers", "attachments"})
TICKET_JSON_FIELDS = frozenset({"requester", "message", "custom_fields", "ccs", "tags", "add_tags", "remove_tags"})


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(NOT_ALLOWED)


# What TicketPageSerializer reads from the ticket rows themselves.
PAGE_COLUMNS = (
    "id number subject status priority channel tier custom_fields requester_id organization_id category_id team_id "
    "assignee_id merged_into_id follow_up_of_id created_at updated_at solved_at closed_at status_changed_at "
    "first_response_at reopen_count agent_reply_count customer_reply_count customer_wait_seconds"
).split()


def ticket_queryset(viewer: User, *, page: bool = False) -> QuerySet[Ticket]:
    """Visible tickets with everything the ticket JSON shows, in a fixed number of queries.

    ``page=True`` (list pages) reads the ticket table alone — no joins, no subqueries:
    at a million rows PostgreSQL spent more time planning the five joins than running
    the query. ``TicketPageSerializer`` then loads what the page refers to by id."""
    if page:
        return selectors.tickets_visible_to(viewer).only(*PAGE_COLUMNS)
    return (
        selectors.ticket_list_rows(viewer)
        .annotate(
            merged_into_number=Subquery(Ticket.objects.filter(pk=OuterRef("merged_into_id")).values("number")[:1]),
            follow_up_of_number=Subquery(Ticket.objects.filter(pk=OuterRef("follow_up_of_id")).values("number")[:1]),
        )
        .prefetch_related("tags", "ccs", "followers", "requester__identities", "ccs__identities")
    )


def uploads(files: list[Any]) -> list[tuple[Any, str, str]]:
    return [(f, f.name or "", getattr(f, "content_type", "") or "") for f in files]


class TicketContextMixin:
    """Resolve the ticket of a nested route (``/tickets/{ticket_pk}/…``) in the viewer's scope."""

    request: Any
    kwargs: Any

    def get_ticket(self) -> Ticket:
        ticket: Ticket | None = getattr(self, "_ticket", None)
        if ticket is None:
            ticket = get_object_or_404(selectors.tickets_visible_to(self.request.user), pk=self.kwargs["ticket_pk"])  # type: ignore[arg-type]
            self._ticket = ticket
        return ticket

    def get_agent_ticket(self) -> Ticket:
        """The ticket, for agent-only views: customers get 404 as if it did not exist."""
        ticket = self.get_ticket()
        if not self.request.user.is_agent:  # type: ignore[union-attr]
            raise NotFound()
        return ticket


# --- tickets --------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("List tickets"),
        description=_(
            "Tickets the caller may see, newest first, with cursor pagination (`next`). "
            "Besides the parameters below, `cf_<key>=value` filters on a custom field."
        ),
    ),
    retrieve=extend_schema(summary=_("Get a ticket")),
    create=extend_schema(
        summary=_("Open a ticket"),
        description=_(
            "JSON, or multipart/form-data with `attachments` files (object fields such as `requester`, "
            "`message` and `custom_fields` may then be sent as JSON text)."
        ),
        request=TicketCreateSerializer,
        responses={201: TicketSerializer},
    ),
    partial_update=extend_schema(
        summary=_("Change a ticket"), request=TicketUpdateSerializer, responses={200: TicketSerializer}
    ),
    merge=extend_schema(
        summary=_("Merge this ticket into another"),
        description=_("Messages move to `target`; this ticket is closed pointing at it. Returns the target."),
        request=TicketMergeSerializer,
        responses={200: TicketSerializer},
    ),
    split=extend_schema(
        summary=_("Split messages off into a new ticket"),
        request=TicketSplitSerializer,
        responses={201: TicketSerializer},
    ),
)
class TicketViewSet(ListRetrieveMixin, ScopedViewSet):
    model = Ticket
    serializer_class = TicketSerializer
    filterset_class = TicketFilterSet
    permission_classes = API_PERMISSIONS
    parser_classes = [JSONParser, MultiPartParser]
    ordering_fields = ("created_at", "updated_at", "priority", "number", "status_changed_at")
    default_ordering = "-id"

    def scoped_queryset(self, user: User) -> QuerySet[Ticket]:
        return ticket_queryset(user, page=self.action == "list")

    def ticket_input(self, serializer_class: type[Any], *, partial: bool = False) -> dict[str, Any]:
        data = plain_data(self.request.data, list_fields=TICKET_LIST_FIELDS, json_fields=TICKET_JSON_FIELDS)
        return self.input(serializer_class, data=data, partial=partial)

    def contact_for(self, ref: dict[str, Any] | Contact | str) -> Contact:
        """A resolved contact, or the contact of an email (created when unknown)."""
        if isinstance(ref, Contact):
            return ref
        if isinstance(ref, str):
            ref = {"email": ref, "name": ""}
        if ref.get("contact") is not None:
            return ref["contact"]  # type: ignore[no-any-return]
        contact, _created = contact_services.get_or_create_contact(
            actor=self.request.user,  # type: ignore[arg-type]
            kind=IdentityKind.EMAIL,
            value=ref["email"],
            name=ref.get("name", ""),
        )
        return contact

    def present(self, ticket: Ticket, *, status_code: int = status.HTTP_200_OK) -> Response:
        """The ticket as the caller sees it (re-read through the scoped selector)."""
        fresh = self.get_queryset().filter(pk=ticket.pk).first()
        return self.output(fresh if fresh is not None else ticket, status_code=status_code)

    def create(self, request: Request) -> Response:
        user: User = request.user  # type: ignore[assignment]
        data = self.ticket_input(TicketCreateSerializer)
        message = data.pop("message")
        requester_ref = data.pop("requester", None)
        if not user.is_agent:
            data.pop("channel", None)
        with transaction.atomic():
            if user.is_agent:
                requester = self.contact_for(requester_ref)  # type: ignore[arg-type]
            else:
                requester = contact_services.ensure_contact_for_user(actor=user, user=user)
            if "ccs" in data:
                data["ccs"] = [self.contact_for(c) for c in data["ccs"]]
            ticket = services.create_ticket(
                actor=user,
                requester=requester,
                body=message.get("body", ""),
                html=message.get("html", ""),
                attachments=uploads(data.pop("attachments", [])),
                **data,
            )
        return self.present(ticket, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        ticket = self.get_object()
        data = self.ticket_input(TicketUpdateSerializer, partial=True)
        require(request.user.is_agent or "requester" not in data)  # type: ignore[union-attr]
        with transaction.atomic():
            if "requester" in data:
                data["requester"] = self.contact_for(data["requester"])
            if "ccs" in data:
                data["ccs"] = [self.contact_for(c) for c in data["ccs"]]
            ticket = services.update_ticket(actor=request.user, ticket=ticket, **data)  # type: ignore[arg-type]
        return self.present(ticket)

    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str) -> Response:
        source = self.get_object()
        require(request.user.can_reply_publicly)  # type: ignore[union-attr]
        data = self.ticket_input(TicketMergeSerializer)
        target = services.merge_tickets(actor=request.user, source=source, target=data["target"])  # type: ignore[arg-type]
        return self.present(target)

    @action(detail=True, methods=["post"])
    def split(self, request: Request, pk: str) -> Response:
        ticket = self.get_object()
        require(request.user.can_reply_publicly)  # type: ignore[union-attr]
        data = self.ticket_input(TicketSplitSerializer)
        new = services.split_ticket(
            actor=request.user,  # type: ignore[arg-type]
            ticket=ticket,
            message_ids=data["message_ids"],
            subject=data["subject"],
        )
        return self.present(new, status_code=status.HTTP_201_CREATED)


# --- messages -------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("List a ticket's messages"),
        description=_("Oldest first. Customers never get internal notes."),
    ),
    create=extend_schema(
        summary=_("Reply or add an internal note"),
        description=_(
            "JSON, or multipart/form-data with `attachments` files. A customer's reply to a closed "
            "ticket opens a follow-up ticket; `ticket` in the response says where the message went."
        ),
        request=MessageCreateSerializer,
        responses={201: MessageSerializer},
    ),
)
class TicketMessageViewSet(TicketContextMixin, ScopedViewSet):
    model = Message
    serializer_class = MessageSerializer
    permission_classes = API_PERMISSIONS
    parser_classes = [JSONParser, MultiPartParser]
    ordering_fields = ("created_at",)
    default_ordering = "created_at"

    def scoped_queryset(self, user: User) -> QuerySet[Message]:
        return selectors.messages_visible_to(user, self.get_ticket())

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if not getattr(self, "swagger_fake_view", False):
            context["ticket"] = self.get_ticket()
        return context

    def list(self, request: Request, ticket_pk: int) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request: Request, ticket_pk: int) -> Response:
        ticket = self.get_ticket()
        data = plain_data(request.data, list_fields=frozenset({"attachments"}), json_fields=frozenset())
        values = self.input(MessageCreateSerializer, data=data)
        message = services.add_message(
            actor=request.user,  # type: ignore[arg-type]
            ticket=ticket,
            body=values["body"],
            html=values["html"],
            internal=values["internal"],
            status=values.get("status"),
            attachments=uploads(values.get("attachments", [])),
        )
        return self.output(message, status_code=status.HTTP_201_CREATED)


# --- history and events (agents only) -----------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("A ticket's field history"), description=_("Agents only; oldest first. One row per changed field.")
    )
)
class TicketHistoryViewSet(TicketContextMixin, ScopedViewSet):
    model = TicketHistory
    serializer_class = TicketHistorySerializer
    permission_classes = API_PERMISSIONS
    ordering_fields = ("at",)
    default_ordering = "id"

    def scoped_queryset(self, user: User) -> QuerySet[TicketHistory]:
        return selectors.history_visible_to(user, self.get_agent_ticket())

    def list(self, request: Request, ticket_pk: int) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(summary=_("A ticket's domain events"), description=_("Agents only; oldest first."))
)
class TicketEventViewSet(TicketContextMixin, ScopedViewSet):
    model = OutboxEvent
    serializer_class = TicketEventSerializer
    permission_classes = API_PERMISSIONS
    ordering_fields = ("created_at",)
    default_ordering = "created_at"

    def scoped_queryset(self, user: User) -> QuerySet[OutboxEvent]:
        return selectors.events_of(user, self.get_agent_ticket())

    def list(self, request: Request, ticket_pk: int) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# --- links -------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("A ticket's links"), description=_("Links to and from tickets the caller may see.")),
    create=extend_schema(
        summary=_("Link this ticket to another"),
        description=_("`parent`: this ticket is the parent of `target`; `duplicate`: this ticket duplicates `target`."),
        request=TicketLinkCreateSerializer,
        responses={201: TicketLinkSerializer},
    ),
    destroy=extend_schema(summary=_("Remove a link"), responses={204: None}),
)
class TicketLinkViewSet(TicketContextMixin, ScopedViewSet):
    model = TicketLink
    serializer_class = TicketLinkSerializer
    permission_classes = API_PERMISSIONS

    def scoped_queryset(self, user: User) -> QuerySet[TicketLink]:
        return selectors.links_of(user, self.get_ticket())

    def list(self, request: Request, ticket_pk: int) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request: Request, ticket_pk: int) -> Response:
        ticket = self.get_ticket()
        require(request.user.can_reply_publicly)  # type: ignore[union-attr]
        data = self.input(TicketLinkCreateSerializer)
        link = services.link_tickets(actor=request.user, source=ticket, target=data["target"], kind=data["kind"])  # type: ignore[arg-type]
        return self.output(self.get_queryset().get(pk=link.pk), status_code=status.HTTP_201_CREATED)

    def destroy(self, request: Request, ticket_pk: int, pk: str) -> Response:
        self.get_ticket()
        require(request.user.can_reply_publicly)  # type: ignore[union-attr]
        services.unlink_tickets(actor=request.user, link=self.get_object())  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- attachment download ------------------------------------------------------------------------


class DownloadRenderer(renderers.BaseRenderer):
    """Lets a client ask for any type (``Accept: application/octet-stream``); errors stay JSON."""

    media_type = "*/*"
    format = "download"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return renderers.JSONRenderer().render(data)


def safe_content_type(content_type: str) -> str:
    lowered = (content_type or "").lower()
    if not lowered or any(marker in lowered for marker in ACTIVE_CONTENT_MARKERS):
        return "application/octet-stream"
    return lowered


class AttachmentDownloadView(GenericAPIView):  # type: ignore[type-arg]
    """Always a download (``Content-Disposition: attachment``), never rendered inline."""

    permission_classes = API_PERMISSIONS
    renderer_classes = [renderers.JSONRenderer, DownloadRenderer]
    queryset = Attachment.objects.none()

    def get_queryset(self) -> QuerySet[Attachment]:
        if getattr(self, "swagger_fake_view", False):
            return Attachment.objects.none()
        return selectors.attachments_visible_to(self.request.user)  # type: ignore[arg-type]

    @extend_schema(
        summary=_("Download an attachment"),
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description=_("The file, as an attachment.")
            )
        },
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        attachment = get_object_or_404(self.get_queryset(), pk=pk)
        try:
            handle = attachment.blob.file.open("rb")
        except (FileNotFoundError, ValueError):
            raise NotFound(_("The file is no longer stored.")) from None
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.filename,
            content_type=safe_content_type(attachment.content_type),
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox"
        response["Cache-Control"] = "private, no-store"
        return response


# --- catalog: categories, custom fields, tags ----------------------------------------------------


def category_form(rows: list[dict[str, Any]] | None) -> list[tuple[CustomField, bool]] | None:
    """A category form as the catalog services take it: ``[(field, required), …]``."""
    return None if rows is None else [(row["field"], row["required"]) for row in rows]


class AdminWritesMixin:
    def user_can_write(self, user: User) -> bool:
        return user.role == Role.ADMIN


@extend_schema_view(
    list=extend_schema(
        summary=_("List categories (service catalog)"), description=_("Customers see only active categories.")
    ),
    retrieve=extend_schema(summary=_("Get a category")),
    create=extend_schema(
        summary=_("Create a category (administrators)"),
        request=CategoryCreateSerializer,
        responses={201: CategorySerializer},
    ),
    partial_update=extend_schema(
        summary=_("Change a category (administrators)"),
        request=CategoryUpdateSerializer,
        responses={200: CategorySerializer},
    ),
)
class CategoryViewSet(AdminWritesMixin, ScopedViewSet):
    model = Category
    serializer_class = CategorySerializer
    ordering_fields = ("name", "position", "created_at")
    default_ordering = "id"

    def scoped_queryset(self, user: User) -> QuerySet[Category]:
        return selectors.categories_visible_to(user)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(self.get_object())

    def create(self, request: Request) -> Response:
        data = self.input(CategoryCreateSerializer)
        form = category_form(data.pop("form", None)) or []
        category = services.create_category(actor=request.user, form=form, **data)  # type: ignore[arg-type]
        return self.output(self.get_queryset().get(pk=category.pk), status_code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        category = self.get_object()
        data = self.input(CategoryUpdateSerializer, partial=True)
        form = category_form(data.pop("form", None))
        services.update_category(actor=request.user, category=category, form=form, **data)  # type: ignore[arg-type]
        return self.output(self.get_queryset().get(pk=category.pk))


@extend_schema_view(
    list=extend_schema(
        summary=_("List custom fields"), description=_("Customers see only active fields that are not agent-only.")
    ),
    retrieve=extend_schema(summary=_("Get a custom field")),
    create=extend_schema(
        summary=_("Create a custom field (administrators)"),
        request=CustomFieldCreateSerializer,
        responses={201: CustomFieldSerializer},
    ),
    partial_update=extend_schema(
        summary=_("Change a custom field (administrators)"),
        description=_("The key and the type cannot change."),
        request=CustomFieldUpdateSerializer,
        responses={200: CustomFieldSerializer},
    ),
)
class CustomFieldViewSet(AdminWritesMixin, ScopedViewSet):
    model = CustomField
    serializer_class = CustomFieldSerializer
    ordering_fields = ("position", "key", "created_at")
    default_ordering = "position"

    def scoped_queryset(self, user: User) -> QuerySet[CustomField]:
        return selectors.custom_fields_visible_to(user)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(self.get_object())

    def create(self, request: Request) -> Response:
        data = self.input(CustomFieldCreateSerializer)
        field = services.create_custom_field(actor=request.user, **data)  # type: ignore[arg-type]
        return self.output(self.get_queryset().get(pk=field.pk), status_code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        field = self.get_object()
        data = self.input(CustomFieldUpdateSerializer, partial=True)
        services.update_custom_field(actor=request.user, field=field, **data)  # type: ignore[arg-type]
        return self.output(self.get_queryset().get(pk=field.pk))


@extend_schema_view(
    list=extend_schema(
        summary=_("List tags"),
        description=_("Agents only; customers get an empty list."),
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, description=_("Tags starting with this text."))],
    ),
    retrieve=extend_schema(summary=_("Get a tag")),
    create=extend_schema(
        summary=_("Create a tag (administrators)"),
        description=_("Names are normalized to slugs; an existing tag is returned as is."),
        request=TagCreateSerializer,
        responses={201: TagSerializer},
    ),
)
class TagViewSet(AdminWritesMixin, ScopedViewSet):
    model = Tag
    serializer_class = TagSerializer
    ordering_fields = ("name",)
    default_ordering = "name"
    http_method_names = ["get", "post", "head", "options"]

    def scoped_queryset(self, user: User) -> QuerySet[Tag]:
        return selectors.tags_visible_to(user)

    def list(self, request: Request) -> Response:
        queryset = self.get_queryset()
        prefix = request.query_params.get("q", "").strip().lower()
        if prefix:
            queryset = queryset.filter(name__startswith=prefix)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(self.get_object())

    def create(self, request: Request) -> Response:
        data = self.input(TagCreateSerializer)
        with transaction.atomic():
            (tag,) = services.get_or_create_tags([data["name"]])
        return self.output(self.get_queryset().get(pk=tag.pk), status_code=status.HTTP_201_CREATED)
