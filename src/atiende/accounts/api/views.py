"""Accounts API: users, organizations, teams and the caller's own API tokens.

Also the base classes every app's API builds on (the layering lets ``contacts.api`` and
``tickets.api`` import them):

* :class:`ScopedViewSet` — ``get_queryset()`` always comes from a selector scoped by the
  viewer, so an object outside the viewer's scope is ``404``, never ``403``.
* :class:`RoleWritePermission` — writes are allowed by the view's ``user_can_write``.
  Collection writes (create) are checked up front; writes on one object are checked
  only after the object was found in the viewer's scope, so a role that cannot see an
  object gets ``404`` and a role that sees it but may not change it gets ``403``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from atiende.accounts import selectors, services
from atiende.accounts.api.serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
    OrganizationSerializer,
    OrganizationWriteSerializer,
    TeamSerializer,
    TeamWriteSerializer,
    UserCreateSerializer,
    UserSerializer,
    UserUpdateSerializer,
)
from atiende.accounts.choices import Role
from atiende.accounts.filtersets import OrganizationFilterSet, UserFilterSet
from atiende.accounts.models import ApiToken, Organization, Team, User
from atiende.accounts.permissions import TokenScopePermission

# --- base classes shared by every app's API ---------------------------------------------------


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[misc]
    """Documents ``Authorization: Token atd_…`` in the OpenAPI schema."""

    target_class = "atiende.accounts.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")  # type: ignore[no-any-return]  # noqa: S106 - a scheme name


class RoleWritePermission(BasePermission):
    message = _("Your role does not allow this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS or getattr(view, "detail", False):
            return True
        return bool(view.user_can_write(request.user))

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return bool(view.user_can_write(request.user))


UNKNOWN_FIELD = _("Unknown field; it cannot be set here.")
API_PERMISSIONS: list[Any] = [IsAuthenticated, TokenScopePermission]


class ScopedViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    """A viewset whose queryset is always a selector scoped by ``request.user``."""

    model: type[Model]
    permission_classes: Sequence[Any] = [*API_PERMISSIONS, RoleWritePermission]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self, user: User) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return self.model._default_manager.none()
        return self.scoped_queryset(self.request.user)  # type: ignore[arg-type]

    def user_can_write(self, user: User) -> bool:
        return False

    def input(self, serializer_class: type[Any], *, data: Any = None, partial: bool = False) -> dict[str, Any]:
        """Validate the request body (or ``data``) with ``serializer_class``; the clean values.

        Unknown keys are an error, not silently dropped: a typo (``"prority"``) or a
        field that cannot change (a custom field's ``key``) gets a 400 naming it.
        """
        data = self.request.data if data is None else data
        serializer = serializer_class(data=data, partial=partial, context=self.get_serializer_context())
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(serializer.fields))
            if unknown:
                raise ValidationError({name: [UNKNOWN_FIELD] for name in unknown})
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def output(self, instance: Any, *, status_code: int = status.HTTP_200_OK, **kwargs: Any) -> Response:
        serializer = self.get_serializer(instance, **kwargs)
        return Response(serializer.data, status=status_code)


class ListRetrieveMixin:
    """The usual list (filtered, keyset-paginated) and retrieve of a :class:`ScopedViewSet`."""

    def list(self: Any, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self: Any, request: Request, pk: str) -> Response:
        return self.output(self.get_object())


# --- users ----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("List users"), description=_("Agents see every user; a customer sees only themselves.")
    ),
    retrieve=extend_schema(summary=_("Get a user")),
    create=extend_schema(
        summary=_("Create a user (administrators)"), request=UserCreateSerializer, responses={201: UserSerializer}
    ),
    partial_update=extend_schema(
        summary=_("Change a user (administrators)"), request=UserUpdateSerializer, responses={200: UserSerializer}
    ),
    me=extend_schema(summary=_("The signed-in user"), responses={200: UserSerializer}),
)
class UserViewSet(ListRetrieveMixin, ScopedViewSet):
    model = User
    serializer_class = UserSerializer
    filterset_class = UserFilterSet
    ordering_fields = ("email", "name", "date_joined")
    default_ordering = "email"

    def scoped_queryset(self, user: User) -> QuerySet[User]:
        return selectors.users_visible_to(user).prefetch_related("teams")

    def user_can_write(self, user: User) -> bool:
        return user.role == Role.ADMIN

    def create(self, request: Request) -> Response:
        data = self.input(UserCreateSerializer)
        user = services.create_user(actor=request.user, **data)  # type: ignore[arg-type]
        return self.output(self.get_queryset().get(pk=user.pk), status_code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        user = self.get_object()
        data = self.input(UserUpdateSerializer, partial=True)
        teams = data.pop("teams", None)
        services.update_user(actor=request.user, user=user, teams=teams, **data)  # type: ignore[arg-type]
        return self.output(self.get_queryset().get(pk=user.pk))

    @action(detail=False, methods=["get"])
    def me(self, request: Request) -> Response:
        return self.output(self.get_queryset().get(pk=request.user.pk))


# --- organizations -------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("List organizations"), description=_("Agents see every organization; a customer only their own.")
    ),
    retrieve=extend_schema(summary=_("Get an organization")),
    create=extend_schema(
        summary=_("Create an organization (administrators and supervisors)"),
        request=OrganizationWriteSerializer,
        responses={201: OrganizationSerializer},
    ),
    partial_update=extend_schema(
        summary=_("Change an organization (administrators and supervisors)"),
        request=OrganizationWriteSerializer,
        responses={200: OrganizationSerializer},
    ),
)
class OrganizationViewSet(ListRetrieveMixin, ScopedViewSet):
    model = Organization
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilterSet
    ordering_fields = ("name", "created_at", "updated_at")
    default_ordering = "name"

    def scoped_queryset(self, user: User) -> QuerySet[Organization]:
        return selectors.organizations_visible_to(user)

    def user_can_write(self, user: User) -> bool:
        return user.is_manager

    def create(self, request: Request) -> Response:
        data = self.input(OrganizationWriteSerializer)
        org = services.create_organization(actor=request.user, **data)  # type: ignore[arg-type]
        return self.output(self.get_queryset().get(pk=org.pk), status_code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        org = self.get_object()
        data = self.input(OrganizationWriteSerializer, partial=True)
        domains = data.pop("domains", None)
        services.update_organization(actor=request.user, organization=org, domains=domains, **data)  # type: ignore[arg-type]
        return self.output(self.get_queryset().get(pk=org.pk))


# --- teams ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("List teams"), description=_("Agents only; customers get an empty list.")),
    retrieve=extend_schema(summary=_("Get a team")),
    create=extend_schema(
        summary=_("Create a team (administrators)"), request=TeamWriteSerializer, responses={201: TeamSerializer}
    ),
    partial_update=extend_schema(
        summary=_("Change a team (administrators)"), request=TeamWriteSerializer, responses={200: TeamSerializer}
    ),
)
class TeamViewSet(ListRetrieveMixin, ScopedViewSet):
    model = Team
    serializer_class = TeamSerializer
    ordering_fields = ("name", "created_at")
    default_ordering = "name"

    def scoped_queryset(self, user: User) -> QuerySet[Team]:
        return selectors.teams_visible_to(user).prefetch_related("members")

    def user_can_write(self, user: User) -> bool:
        return user.role == Role.ADMIN

    def create(self, request: Request) -> Response:
        data = self.input(TeamWriteSerializer)
        team = services.create_team(actor=request.user, **data)  # type: ignore[arg-type]
        return self.output(self.get_queryset().get(pk=team.pk), status_code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        team = self.get_object()
        data = self.input(TeamWriteSerializer, partial=True)
        members = data.pop("members", None)
        services.update_team(actor=request.user, team=team, members=members, **data)  # type: ignore[arg-type]
        return self.output(self.get_queryset().get(pk=team.pk))


# --- API tokens ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("List my API tokens")),
    retrieve=extend_schema(summary=_("Get one of my API tokens")),
    create=extend_schema(
        summary=_("Create an API token for myself"),
        description=_("The response carries the secret `token`; it is never shown again."),
        request=ApiTokenCreateSerializer,
        responses={201: ApiTokenCreatedSerializer},
    ),
    destroy=extend_schema(summary=_("Revoke one of my API tokens"), responses={204: None}),
)
class ApiTokenViewSet(ScopedViewSet):
    model = ApiToken
    serializer_class = ApiTokenSerializer
    ordering_fields = ("created_at",)
    default_ordering = "-id"

    def scoped_queryset(self, user: User) -> QuerySet[ApiToken]:
        return selectors.tokens_of(user)

    def user_can_write(self, user: User) -> bool:
        return True  # everyone manages their own tokens; the queryset holds only those

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(self.get_object())

    def create(self, request: Request) -> Response:
        data = self.input(ApiTokenCreateSerializer)
        token, secret = services.create_api_token(actor=request.user, user=request.user, **data)  # type: ignore[arg-type]
        body = ApiTokenCreatedSerializer(token, context=self.get_serializer_context()).data
        body["token"] = secret
        return Response(body, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, pk: str) -> Response:
        services.revoke_api_token(actor=request.user, token=self.get_object())  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)
