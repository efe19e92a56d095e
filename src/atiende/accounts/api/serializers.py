"""Serializers of the accounts API, and the small building blocks every app's API shares.

Output serializers and input serializers are separate classes: input is parsed and
validated here, and the view hands the clean values to one service.

Shared building blocks (used by ``contacts.api`` and ``tickets.api``, which sit above
accounts in the layering):

* :class:`ScopedPrimaryKeyRelatedField` — an id resolved only among the objects the
  requesting user may see (a selector), so an id outside the viewer's scope gets the
  same "does not exist" error as an id that does not exist.
* ``*RefSerializer`` — the compact ``{id, name, …}`` form used when one object points
  at another.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from atiende.accounts import selectors
from atiende.accounts.choices import Role, TokenScope
from atiende.accounts.models import ApiToken, Organization, Team, User

LANGUAGE_CHOICES = (("es", _("Spanish")), ("en", _("English")))


# --- shared building blocks ------------------------------------------------------------


def request_user(context: Mapping[str, Any]) -> User | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return user  # type: ignore[no-any-return]


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    """A primary key looked up only among ``scope(request.user)``."""

    def __init__(self, *, scope: Callable[[User], QuerySet[Any]], model: type[Model], **kwargs: Any) -> None:
        self.scope = scope
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", model._default_manager.none())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        user = request_user(self.context)
        if user is None:
            return cast("QuerySet[Any]", super().get_queryset())  # the empty queryset given at init
        return self.scope(user)


class ScopedSlugRelatedField(serializers.SlugRelatedField):  # type: ignore[type-arg]
    """Like :class:`ScopedPrimaryKeyRelatedField`, looked up by a slug field (e.g. a key)."""

    def __init__(self, *, scope: Callable[[User], QuerySet[Any]], model: type[Model], **kwargs: Any) -> None:
        self.scope = scope
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", model._default_manager.none())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        user = request_user(self.context)
        if user is None:
            return cast("QuerySet[Any]", super().get_queryset())  # the empty queryset given at init
        return self.scope(user)


class UserRefSerializer(serializers.Serializer[User]):
    """A user as other objects show it. ``email`` is left out where the viewer is a customer."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.SerializerMethodField()
    # Not read-only on purpose: the schema then lists it as optional (customers do not get it).
    email = serializers.EmailField(required=False)

    def get_name(self, obj: User) -> str:
        return obj.name or obj.email.split("@")[0]

    def to_representation(self, instance: User) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not viewer_is_agent(self.context):
            data.pop("email", None)
        return data


class OrganizationRefSerializer(serializers.Serializer[Organization]):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class TeamRefSerializer(serializers.Serializer[Team]):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


def viewer_is_agent(context: Mapping[str, Any]) -> bool:
    user = request_user(context)
    return bool(user is not None and user.is_agent)


# --- users ---------------------------------------------------------------------------


class UserSerializer(serializers.Serializer[User]):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    name = serializers.CharField(read_only=True)
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)
    is_active = serializers.BooleanField(read_only=True)
    organization = OrganizationRefSerializer(read_only=True, allow_null=True)
    teams = TeamRefSerializer(many=True, read_only=True)
    language = serializers.CharField(read_only=True)
    time_zone = serializers.CharField(read_only=True)
    date_joined = serializers.DateTimeField(read_only=True)


class UserCreateSerializer(serializers.Serializer[User]):
    email = serializers.EmailField()
    password = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        style={"input_type": "password"},
        help_text=_("Leave empty for an account that cannot log in with a password yet."),
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.CUSTOMER)
    organization = ScopedPrimaryKeyRelatedField(
        scope=selectors.organizations_visible_to, model=Organization, required=False, allow_null=True
    )
    teams = ScopedPrimaryKeyRelatedField(scope=selectors.teams_visible_to, model=Team, many=True, required=False)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, default="es")
    time_zone = serializers.CharField(required=False, default="UTC", max_length=64)


class UserUpdateSerializer(serializers.Serializer[User]):
    email = serializers.EmailField(required=False)
    name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    is_active = serializers.BooleanField(required=False)
    organization = ScopedPrimaryKeyRelatedField(
        scope=selectors.organizations_visible_to, model=Organization, required=False, allow_null=True
    )
    teams = ScopedPrimaryKeyRelatedField(scope=selectors.teams_visible_to, model=Team, many=True, required=False)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False)
    time_zone = serializers.CharField(required=False, max_length=64)


# --- organizations ---------------------------------------------------------------------


class OrganizationSerializer(serializers.Serializer[Organization]):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    domains = serializers.SerializerMethodField()
    members_see_org_tickets = serializers.BooleanField(read_only=True)
    # Agents only; not read-only so that the schema lists it as optional.
    notes = serializers.CharField(required=False)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def get_domains(self, obj: Organization) -> list[str]:
        return [d.domain for d in obj.domains.all()]

    def to_representation(self, instance: Organization) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not viewer_is_agent(self.context):
            data.pop("notes", None)
        return data


class OrganizationWriteSerializer(serializers.Serializer[Organization]):
    name = serializers.CharField(max_length=200)
    domains = serializers.ListField(child=serializers.CharField(max_length=253), required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    members_see_org_tickets = serializers.BooleanField(required=False)


# --- teams -------------------------------------------------------------------------------


class TeamSerializer(serializers.Serializer[Team]):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    members = UserRefSerializer(many=True, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class TeamWriteSerializer(serializers.Serializer[Team]):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True)
    members = ScopedPrimaryKeyRelatedField(scope=selectors.users_visible_to, model=User, many=True, required=False)


# --- API tokens ----------------------------------------------------------------------------


class ApiTokenSerializer(serializers.Serializer[ApiToken]):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    prefix = serializers.CharField(read_only=True, help_text=_("The first characters after atd_, to recognise it."))
    scope = serializers.ChoiceField(choices=TokenScope.choices, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True, allow_null=True)
    last_used_at = serializers.DateTimeField(read_only=True, allow_null=True)
    revoked_at = serializers.DateTimeField(read_only=True, allow_null=True)


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(
        read_only=True, help_text=_("The secret. It is shown only in this response; store it now.")
    )


class ApiTokenCreateSerializer(serializers.Serializer[ApiToken]):
    name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    scope = serializers.ChoiceField(choices=TokenScope.choices, default=TokenScope.READ)
    expires_in_days = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=3650)
