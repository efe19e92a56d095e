"""Contacts API: people asking for help, their identities, and merging two of them.

Agents read every contact; agents who may reply publicly (not light agents) write.
A customer sees only their own contact record and cannot change it here.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from atiende.accounts.api.views import ListRetrieveMixin, ScopedViewSet
from atiende.accounts.models import User
from atiende.contacts import selectors, services
from atiende.contacts.api.serializers import (
    ContactCreateSerializer,
    ContactMergeSerializer,
    ContactSerializer,
    ContactWriteSerializer,
    IdentityInputSerializer,
    IdentitySerializer,
)
from atiende.contacts.filtersets import ContactFilterSet
from atiende.contacts.models import Contact


@extend_schema_view(
    list=extend_schema(
        summary=_("List contacts"), description=_("Agents see every contact; a customer only their own.")
    ),
    retrieve=extend_schema(summary=_("Get a contact")),
    create=extend_schema(
        summary=_("Create a contact"), request=ContactCreateSerializer, responses={201: ContactSerializer}
    ),
    partial_update=extend_schema(
        summary=_("Change a contact"), request=ContactWriteSerializer, responses={200: ContactSerializer}
    ),
    add_identity=extend_schema(
        summary=_("Add an identity (email, phone…) to a contact"),
        request=IdentityInputSerializer,
        responses={201: IdentitySerializer},
    ),
    remove_identity=extend_schema(
        summary=_("Remove an identity from a contact"),
        parameters=[OpenApiParameter("identity_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        request=None,
        responses={204: None},
    ),
    merge=extend_schema(
        summary=_("Merge this contact into another"),
        description=_("Identities, tickets and CCs move to `target`; the response is the remaining contact."),
        request=ContactMergeSerializer,
        responses={200: ContactSerializer},
    ),
)
class ContactViewSet(ListRetrieveMixin, ScopedViewSet):
    model = Contact
    serializer_class = ContactSerializer
    filterset_class = ContactFilterSet
    ordering_fields = ("name", "created_at", "updated_at")
    default_ordering = "-id"

    def scoped_queryset(self, user: User) -> QuerySet[Contact]:
        return selectors.contacts_visible_to(user)

    def user_can_write(self, user: User) -> bool:
        return user.can_reply_publicly

    def create(self, request: Request) -> Response:
        data = self.input(ContactCreateSerializer)
        identities = [(i["kind"], i["value"]) for i in data.pop("identities", [])]
        contact = services.create_contact(actor=request.user, identities=identities, **data)  # type: ignore[arg-type]
        return self.output(self.get_queryset().get(pk=contact.pk), status_code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        contact = self.get_object()
        data = self.input(ContactWriteSerializer, partial=True)
        services.update_contact(actor=request.user, contact=contact, **data)  # type: ignore[arg-type]
        return self.output(self.get_queryset().get(pk=contact.pk))

    @action(detail=True, methods=["post"], url_path="identities", serializer_class=IdentitySerializer)
    def add_identity(self, request: Request, pk: str) -> Response:
        contact = self.get_object()
        data = self.input(IdentityInputSerializer)
        identity = services.add_identity(actor=request.user, contact=contact, **data)  # type: ignore[arg-type]
        return self.output(identity, status_code=status.HTTP_201_CREATED)

    @action(detail=True, methods=["delete"], url_path=r"identities/(?P<identity_id>\d+)")
    def remove_identity(self, request: Request, pk: str, identity_id: str) -> Response:
        contact = self.get_object()
        identity = contact.identities.filter(pk=identity_id).first()
        if identity is None:
            raise NotFound()
        services.remove_identity(actor=request.user, identity=identity)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str) -> Response:
        source = self.get_object()
        data = self.input(ContactMergeSerializer)
        target = services.merge_contacts(actor=request.user, source=source, target=data["target"])  # type: ignore[arg-type]
        return self.output(self.get_queryset().get(pk=target.pk))
