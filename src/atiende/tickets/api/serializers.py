"""Serializers of the tickets API.

Output serializers read rows that a selector loaded for a whole page (no query per row:
what is not joined or prefetched is loaded once per response and kept in the serializer
context). Fields only agents get are declared ``required=False`` so that the OpenAPI
schema lists them as optional; ``to_representation`` drops them for customers.

Input serializers only parse and validate; ids are resolved among the objects the
requesting user may see (an id outside that scope is "does not exist", like a wrong one).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from atiende.accounts.api.serializers import (
    OrganizationRefSerializer,
    ScopedPrimaryKeyRelatedField,
    ScopedSlugRelatedField,
    TeamRefSerializer,
    UserRefSerializer,
    request_user,
    viewer_is_agent,
)
from atiende.accounts.models import Organization, Team, User
from atiende.accounts.selectors import organizations_visible_to, teams_visible_to, users_visible_to
from atiende.contacts.api.serializers import ContactRefSerializer
from atiende.contacts.models import Contact
from atiende.contacts.selectors import contacts_visible_to
from atiende.core.models import OutboxEvent
from atiende.tickets import selectors
from atiende.tickets.api.ticket_page import TicketPageSerializer, category_names, category_path_of
from atiende.tickets.choices import (
    PRIORITY_BY_NAME,
    PRIORITY_NAMES,
    Channel,
    FieldType,
    LinkKind,
    MessageKind,
    Status,
    Tier,
)
from atiende.tickets.models import (
    Attachment,
    Category,
    CategoryField,
    CustomField,
    Message,
    Tag,
    Ticket,
    TicketHistory,
    TicketLink,
)

PRIORITY_CHOICES = [(name, name) for name in PRIORITY_BY_NAME]


# --- per-response caches --------------------------------------------------------------------


def category_path(context: Mapping[str, Any], category: Category) -> str:
    """``Parent › Child`` from one query per response over the (small) catalog."""
    names = category_names(context)
    if category.pk not in names:  # created during this response
        return category.name
    return category_path_of(names, category.pk)


def customer_visible_field_keys(context: Mapping[str, Any]) -> set[str]:
    """Keys of the custom fields the (customer) viewer may see, loaded once per response."""
    keys: set[str] | None = context.get("_visible_field_keys")
    if keys is None:
        user = request_user(context)
        keys = (
            set(selectors.custom_fields_visible_to(user).values_list("key", flat=True)) if user is not None else set()
        )
        cast(dict[str, Any], context)["_visible_field_keys"] = keys
    return keys


# --- tickets: output ------------------------------------------------------------------------------


class CategoryRefSerializer(serializers.Serializer[Category]):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    path = serializers.SerializerMethodField()

    def get_path(self, obj: Category) -> str:
        return category_path(self.context, obj)


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class TagNamesField(serializers.Field):  # type: ignore[type-arg]
    """A ticket's tags as their names (read from the prefetched tags)."""

    def to_representation(self, value: Any) -> list[str]:
        return sorted(tag.name for tag in value.all())

    def to_internal_value(self, data: Any) -> Any:  # pragma: no cover - output only
        raise NotImplementedError


class TicketRefSerializer(serializers.Serializer[Ticket]):
    id = serializers.IntegerField(read_only=True)
    number = serializers.IntegerField(read_only=True)
    reference = serializers.CharField(read_only=True)
    subject = serializers.CharField(read_only=True)


class TicketSerializer(serializers.Serializer[Ticket]):
    class Meta:
        # Many tickets (list pages) are built in bulk: see ticket_page.py.
        list_serializer_class = TicketPageSerializer

    AGENT_ONLY = (
        "tier",
        "team",
        "tags",
        "followers",
        "status_changed_at",
        "first_response_at",
        "reopen_count",
        "agent_reply_count",
        "customer_reply_count",
        "customer_wait_seconds",
    )

    id = serializers.IntegerField(read_only=True)
    number = serializers.IntegerField(read_only=True)
    reference = serializers.CharField(read_only=True, help_text=_("The number as people write it: #1042."))
    subject = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    priority = serializers.SerializerMethodField()
    channel = serializers.ChoiceField(choices=Channel.choices, read_only=True)
    requester = ContactRefSerializer(read_only=True)
    organization = OrganizationRefSerializer(read_only=True, allow_null=True)
    category = CategoryRefSerializer(read_only=True, allow_null=True)
    assignee = UserRefSerializer(read_only=True, allow_null=True)
    custom_fields = serializers.SerializerMethodField()
    ccs = ContactRefSerializer(many=True, read_only=True)
    merged_into = serializers.IntegerField(
        source="merged_into_number",
        read_only=True,
        allow_null=True,
        help_text=_("Number of the ticket this was merged into."),
    )
    follow_up_of = serializers.IntegerField(
        source="follow_up_of_number",
        read_only=True,
        allow_null=True,
        help_text=_("Number of the closed ticket this follows up."),
    )
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    solved_at = serializers.DateTimeField(read_only=True, allow_null=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    # Agents only (see the module docstring for why these are not read-only).
    tier = serializers.ChoiceField(choices=Tier.choices, required=False)
    team = TeamRefSerializer(required=False, allow_null=True)
    tags = TagNamesField(required=False)
    followers = UserRefSerializer(many=True, required=False)
    status_changed_at = serializers.DateTimeField(required=False)
    first_response_at = serializers.DateTimeField(required=False, allow_null=True)
    reopen_count = serializers.IntegerField(required=False)
    agent_reply_count = serializers.IntegerField(required=False)
    customer_reply_count = serializers.IntegerField(required=False)
    customer_wait_seconds = serializers.IntegerField(required=False)

    @extend_schema_field(serializers.ChoiceField(choices=PRIORITY_CHOICES))
    def get_priority(self, obj: Ticket) -> str:
        return PRIORITY_NAMES.get(obj.priority, str(obj.priority))

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_custom_fields(self, obj: Ticket) -> dict[str, Any]:
        values = dict(obj.custom_fields or {})
        if viewer_is_agent(self.context):
            return values
        keys = customer_visible_field_keys(self.context)
        return {k: v for k, v in values.items() if k in keys}

    def to_representation(self, instance: Ticket) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not viewer_is_agent(self.context):
            for name in self.AGENT_ONLY:
                data.pop(name, None)
        return data


# --- tickets: input -----------------------------------------------------------------------------


class RequesterInputSerializer(serializers.Serializer[Contact]):
    email = serializers.EmailField()
    name = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


REQUESTER_SCHEMA = {
    "oneOf": [
        {"type": "integer", "description": "Id of an existing contact."},
        {
            "type": "object",
            "description": "A person by email; an unknown email becomes a new contact.",
            "properties": {"email": {"type": "string", "format": "email"}, "name": {"type": "string"}},
            "required": ["email"],
        },
    ]
}


@extend_schema_field(REQUESTER_SCHEMA)
class RequesterField(serializers.Field):  # type: ignore[type-arg]
    """A contact id, or ``{"email", "name"}``. Resolves ids; emails are left to the view."""

    default_error_messages = {
        "invalid": _("Give a contact id or an object with email and name."),
        "unknown": _("Unknown contact."),
    }

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not viewer_is_agent(self.context):
            return {"ignored": True}  # a customer is always the requester of what they open
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, int) or (isinstance(data, str) and data.strip().isdigit()):
            user = request_user(self.context)
            contact = contacts_visible_to(user).filter(pk=int(data)).first() if user is not None else None
            if contact is None:
                self.fail("unknown")
            return {"contact": contact}
        if isinstance(data, dict):
            person = RequesterInputSerializer(data=data)
            if not person.is_valid():
                raise serializers.ValidationError(person.errors)
            return {"email": person.validated_data["email"].lower(), "name": person.validated_data["name"]}
        self.fail("invalid")
        raise AssertionError  # pragma: no cover - fail() raises

    def to_representation(self, value: Any) -> Any:  # pragma: no cover - input only
        return value


@extend_schema_field(
    {"type": "array", "items": {"oneOf": [{"type": "integer"}, {"type": "string", "format": "email"}]}}
)
class CcListField(serializers.Field):  # type: ignore[type-arg]
    """Contacts to copy: each a contact id or an email (an unknown email becomes a contact)."""

    default_error_messages = {
        "not_a_list": _("Expected a list of contact ids or emails."),
        "unknown": _("Unknown contact."),
        "invalid": _("Enter a contact id or a valid email address."),
    }

    def to_internal_value(self, data: Any) -> list[Contact | str]:
        if isinstance(data, str | dict) or not hasattr(data, "__iter__"):
            self.fail("not_a_list")
        user = request_user(self.context)
        scope = contacts_visible_to(user) if user is not None else Contact.objects.none()
        out: list[Contact | str] = []
        errors: dict[int, list[str]] = {}
        for index, item in enumerate(data):
            if (isinstance(item, int) and not isinstance(item, bool)) or (isinstance(item, str) and item.isdigit()):
                contact = scope.filter(pk=int(item)).first()
                if contact is None:
                    errors[index] = [str(self.error_messages["unknown"])]
                else:
                    out.append(contact)
                continue
            email = str(item).strip().lower() if isinstance(item, str) else ""
            try:
                validate_email(email)
            except Exception:
                errors[index] = [str(self.error_messages["invalid"])]
                continue
            out.append(email)
        if errors:
            raise serializers.ValidationError({str(k): v for k, v in errors.items()})
        return out

    def to_representation(self, value: Any) -> Any:  # pragma: no cover - input only
        return value


class MessageInputSerializer(serializers.Serializer[Message]):
    body = serializers.CharField(required=False, allow_blank=True, default="", help_text=_("Plain text."))
    html = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("HTML; sanitized on the way in.")
    )


def _category_scope(user: User) -> Any:
    return selectors.categories_visible_to(user)


def _ticket_users(user: User) -> Any:
    return users_visible_to(user)


class TicketWriteFields(serializers.Serializer[Ticket]):
    """Fields that both creating and changing a ticket accept."""

    subject = serializers.CharField(max_length=255)
    priority = serializers.ChoiceField(choices=PRIORITY_CHOICES, required=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    category = ScopedPrimaryKeyRelatedField(scope=_category_scope, model=Category, required=False, allow_null=True)
    team = ScopedPrimaryKeyRelatedField(scope=teams_visible_to, model=Team, required=False, allow_null=True)
    assignee = ScopedPrimaryKeyRelatedField(scope=_ticket_users, model=User, required=False, allow_null=True)
    tier = serializers.ChoiceField(choices=Tier.choices, required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    custom_fields = serializers.DictField(
        required=False, help_text=_("Values by field key; validated against the category's form.")
    )
    ccs = CcListField(required=False)


class TicketCreateSerializer(TicketWriteFields):
    requester = RequesterField(
        required=False,
        help_text=_("Agents: a contact id or {email, name}. Customers: ignored, always themselves."),
    )
    message = MessageInputSerializer(help_text=_("The first message (the description)."))
    channel = serializers.ChoiceField(
        choices=Channel.choices, required=False, help_text=_("Where the request came from (agents).")
    )
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, help_text=_("Files (multipart/form-data requests).")
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = request_user(self.context)
        if user is not None and user.is_agent and "requester" not in attrs:
            raise serializers.ValidationError({"requester": [_("This field is required.")]})
        return attrs


class TicketUpdateSerializer(TicketWriteFields):
    subject = serializers.CharField(max_length=255, required=False)
    requester = RequesterField(required=False)
    organization = ScopedPrimaryKeyRelatedField(
        scope=organizations_visible_to, model=Organization, required=False, allow_null=True
    )
    add_tags = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    remove_tags = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    followers = ScopedPrimaryKeyRelatedField(scope=_ticket_users, model=User, many=True, required=False)


class TicketMergeSerializer(serializers.Serializer[Ticket]):
    target = ScopedPrimaryKeyRelatedField(
        scope=selectors.tickets_visible_to, model=Ticket, help_text=_("The ticket that remains open.")
    )


class TicketSplitSerializer(serializers.Serializer[Ticket]):
    message_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1)
    subject = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")


# --- messages and attachments ------------------------------------------------------------------


class AttachmentSerializer(serializers.Serializer[Attachment]):
    id = serializers.IntegerField(read_only=True)
    filename = serializers.CharField(read_only=True)
    content_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, obj: Attachment) -> str:
        path = reverse("attachment-download", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class MessageAuthorSerializer(serializers.Serializer[Any]):
    type = serializers.CharField(help_text=_("agent, contact or system."))
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()


class MessageSerializer(serializers.Serializer[Message]):
    id = serializers.IntegerField(read_only=True)
    ticket = serializers.SerializerMethodField(
        help_text=_("Where the message is: a reply to a closed ticket opens a follow-up.")
    )
    kind = serializers.ChoiceField(choices=MessageKind.choices, read_only=True)
    internal = serializers.BooleanField(source="is_internal", read_only=True)
    channel = serializers.ChoiceField(choices=Channel.choices, read_only=True)
    author = serializers.SerializerMethodField()
    body = serializers.CharField(source="body_text", read_only=True)
    html = serializers.CharField(source="body_html", read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)

    @extend_schema_field(TicketRefSerializer)
    def get_ticket(self, obj: Message) -> dict[str, Any]:
        ticket = self.context.get("ticket")
        if ticket is None or ticket.pk != obj.ticket_id:
            ticket = obj.ticket
        return dict(TicketRefSerializer(ticket).data)

    @extend_schema_field(MessageAuthorSerializer)
    def get_author(self, obj: Message) -> dict[str, Any]:
        if obj.author_user_id is not None and obj.author_user is not None:
            user = obj.author_user
            return {"type": "agent", "id": user.pk, "name": user.name or user.email.split("@")[0]}
        if obj.author_contact_id is not None and obj.author_contact is not None:
            return {"type": "contact", "id": obj.author_contact.pk, "name": obj.author_contact.name}
        return {"type": "system", "id": None, "name": ""}


class MessageCreateSerializer(serializers.Serializer[Message]):
    body = serializers.CharField(required=False, allow_blank=True, default="", help_text=_("Plain text."))
    html = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("HTML; sanitized on the way in.")
    )
    internal = serializers.BooleanField(required=False, default=False, help_text=_("An internal note (agents only)."))
    status = serializers.ChoiceField(
        choices=Status.choices, required=False, help_text=_("Set the ticket status with the reply (agents).")
    )
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, help_text=_("Files (multipart/form-data requests).")
    )


# --- history, events, links ----------------------------------------------------------------------


class TicketHistorySerializer(serializers.Serializer[TicketHistory]):
    id = serializers.IntegerField(read_only=True)
    field = serializers.CharField(read_only=True)
    old_value = serializers.JSONField(read_only=True)
    new_value = serializers.JSONField(read_only=True)
    actor = UserRefSerializer(read_only=True, allow_null=True)
    event_id = serializers.UUIDField(read_only=True, allow_null=True)
    at = serializers.DateTimeField(read_only=True)


class TicketEventSerializer(serializers.Serializer[OutboxEvent]):
    id = serializers.UUIDField(read_only=True)
    type = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    actor_id = serializers.IntegerField(read_only=True, allow_null=True)
    payload = serializers.JSONField(read_only=True)
    changes = serializers.JSONField(read_only=True)
    cause = serializers.UUIDField(source="cause_id", read_only=True, allow_null=True)
    depth = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    delivered_at = serializers.DateTimeField(read_only=True, allow_null=True)


class TicketLinkSerializer(serializers.Serializer[TicketLink]):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(
        choices=LinkKind.choices,
        read_only=True,
        help_text=_("parent: source is the parent of target; duplicate: source duplicates target."),
    )
    source = TicketRefSerializer(read_only=True)  # type: ignore[assignment]  # an API field named like a Field attribute
    target = TicketRefSerializer(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


@extend_schema_serializer(component_name="TicketLink")  # request schema "TicketLinkRequest"; one `kind` enum
class TicketLinkCreateSerializer(serializers.Serializer[TicketLink]):
    target = ScopedPrimaryKeyRelatedField(scope=selectors.tickets_visible_to, model=Ticket)
    kind = serializers.ChoiceField(choices=LinkKind.choices)


# --- catalog: categories, custom fields, tags ---------------------------------------------------------


class CategoryFormFieldSerializer(serializers.Serializer[CategoryField]):
    field = serializers.CharField(source="field.key", read_only=True)
    label = serializers.CharField(source="field.label", read_only=True)  # type: ignore[assignment]  # an API field named like a Field attribute
    type = serializers.ChoiceField(source="field.type", choices=FieldType.choices, read_only=True)
    required = serializers.BooleanField(read_only=True)  # type: ignore[assignment]  # an API field named like a Field attribute
    position = serializers.IntegerField(read_only=True)


class CategorySerializer(serializers.Serializer[Category]):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)  # type: ignore[assignment]  # an API field named like a Field attribute
    path = serializers.SerializerMethodField()
    description = serializers.CharField(read_only=True)
    is_active = serializers.BooleanField(read_only=True)
    position = serializers.IntegerField(read_only=True)
    form = serializers.SerializerMethodField()
    # Agents only; not read-only so that the schema lists it as optional.
    default_team = TeamRefSerializer(required=False, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)

    def get_path(self, obj: Category) -> str:
        return category_path(self.context, obj)

    @extend_schema_field(CategoryFormFieldSerializer(many=True))
    def get_form(self, obj: Category) -> list[dict[str, Any]]:
        rows = list(obj.form.all())
        if not viewer_is_agent(self.context):
            rows = [r for r in rows if r.field.is_active and not r.field.agent_only]
        return list(CategoryFormFieldSerializer(rows, many=True, context=self.context).data)  # type: ignore[arg-type]

    def to_representation(self, instance: Category) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not viewer_is_agent(self.context):
            data.pop("default_team", None)
        return data


class CategoryFormInputSerializer(serializers.Serializer[CategoryField]):
    field = ScopedSlugRelatedField(
        scope=selectors.custom_fields_visible_to, model=CustomField, slug_field="key", help_text=_("Custom field key.")
    )
    required = serializers.BooleanField(required=False, default=False)  # type: ignore[assignment]  # an API field named like a Field attribute


class CategoryCreateSerializer(serializers.Serializer[Category]):
    name = serializers.CharField(max_length=150)
    parent = ScopedPrimaryKeyRelatedField(scope=_category_scope, model=Category, required=False, allow_null=True)  # type: ignore[assignment]  # an API field named like a Field attribute
    description = serializers.CharField(required=False, allow_blank=True)
    default_team = ScopedPrimaryKeyRelatedField(scope=teams_visible_to, model=Team, required=False, allow_null=True)
    form = CategoryFormInputSerializer(many=True, required=False)
    position = serializers.IntegerField(required=False, min_value=0)


class CategoryUpdateSerializer(CategoryCreateSerializer):
    name = serializers.CharField(max_length=150, required=False)
    is_active = serializers.BooleanField(required=False)


class CustomFieldSerializer(serializers.Serializer[CustomField]):
    id = serializers.IntegerField(read_only=True)
    key = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]  # an API field named like a Field attribute
    type = serializers.ChoiceField(choices=FieldType.choices, read_only=True)
    options = serializers.ListField(child=serializers.CharField(), read_only=True)
    required = serializers.BooleanField(read_only=True)  # type: ignore[assignment]  # an API field named like a Field attribute
    agent_only = serializers.BooleanField(read_only=True)
    applies_to_all = serializers.BooleanField(read_only=True)
    is_active = serializers.BooleanField(read_only=True)
    position = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class CustomFieldUpdateSerializer(serializers.Serializer[CustomField]):
    label = serializers.CharField(max_length=150, required=False)  # type: ignore[assignment]  # an API field named like a Field attribute
    options = serializers.ListField(child=serializers.CharField(max_length=200), required=False)
    required = serializers.BooleanField(required=False)  # type: ignore[assignment]  # an API field named like a Field attribute
    agent_only = serializers.BooleanField(required=False)
    applies_to_all = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)
    position = serializers.IntegerField(required=False, min_value=0)


class CustomFieldCreateSerializer(CustomFieldUpdateSerializer):
    key = serializers.SlugField(max_length=64)
    label = serializers.CharField(max_length=150)  # type: ignore[assignment]  # an API field named like a Field attribute
    type = serializers.ChoiceField(choices=FieldType.choices)
    is_active = None  # type: ignore[assignment]  # a new field is active


class TagSerializer(serializers.Serializer[Tag]):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class TagCreateSerializer(serializers.Serializer[Tag]):
    name = serializers.CharField(max_length=64)


# --- multipart helpers ----------------------------------------------------------------------------


def plain_data(data: Any, *, list_fields: frozenset[str], json_fields: frozenset[str]) -> Any:
    """Turn a multipart/form body into the shape a JSON body has.

    Repeated keys in ``list_fields`` become lists; a value of a ``json_fields`` key may
    be JSON text (``requester={"email": …}``, ``custom_fields={"size": 3}``); dotted keys
    (``message.body``) become nested objects. JSON bodies pass through unchanged.
    """
    if not hasattr(data, "getlist"):
        return data
    out: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key in data:
        values = data.getlist(key)
        if key in list_fields:
            items: list[Any] = []
            for value in values:
                if isinstance(value, str) and key in json_fields and value.strip().startswith("["):
                    try:
                        items.extend(json.loads(value))
                        continue
                    except ValueError:
                        errors[key] = [str(_("Invalid JSON."))]
                items.append(value)
            out[key] = items
            continue
        value = values[-1] if values else None
        if isinstance(value, str) and key in json_fields and value.strip()[:1] in ("{", "["):
            try:
                value = json.loads(value)
            except ValueError:
                errors[key] = [str(_("Invalid JSON."))]
        head, _dot, tail = key.partition(".")
        if tail and head in json_fields and not isinstance(value, UploadedFile):
            nested = out.setdefault(head, {})
            if isinstance(nested, dict):
                nested[tail] = value
            continue
        out[key] = value
    if errors:
        raise serializers.ValidationError(errors)
    return out
