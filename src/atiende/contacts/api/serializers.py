"""Serializers of the contacts API (output and input are separate classes)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from atiende.accounts.api.serializers import (
    LANGUAGE_CHOICES,
    OrganizationRefSerializer,
    ScopedPrimaryKeyRelatedField,
    viewer_is_agent,
)
from atiende.accounts.models import Organization
from atiende.accounts.selectors import organizations_visible_to
from atiende.contacts.choices import IdentityKind
from atiende.contacts.models import Contact, ContactIdentity
from atiende.contacts.selectors import contacts_visible_to


class IdentitySerializer(serializers.Serializer[ContactIdentity]):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=IdentityKind.choices, read_only=True)
    value = serializers.CharField(read_only=True)
    is_primary = serializers.BooleanField(read_only=True)
    verified = serializers.BooleanField(read_only=True)


class ContactRefSerializer(serializers.Serializer[Contact]):
    """A contact as a ticket shows it: id, name and primary email."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    email = serializers.CharField(source="primary_email", read_only=True)


class ContactSerializer(serializers.Serializer[Contact]):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    organization = OrganizationRefSerializer(read_only=True, allow_null=True)
    language = serializers.CharField(read_only=True)
    time_zone = serializers.CharField(read_only=True)
    identities = IdentitySerializer(many=True, read_only=True)
    # Agents only. Not read-only so that the schema lists them as optional.
    notes = serializers.CharField(required=False)
    user = serializers.IntegerField(source="user_id", required=False, allow_null=True, help_text=_("Portal account."))
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, instance: Contact) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not viewer_is_agent(self.context):
            data.pop("notes", None)
            data.pop("user", None)
        return data


# Shares the component name of IdentitySerializer: the request schema is "IdentityRequest",
# and the `kind` choices get one enum name.
@extend_schema_serializer(component_name="Identity")
class IdentityInputSerializer(serializers.Serializer[ContactIdentity]):
    kind = serializers.ChoiceField(choices=IdentityKind.choices)
    value = serializers.CharField(max_length=320)


class ContactWriteSerializer(serializers.Serializer[Contact]):
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    organization = ScopedPrimaryKeyRelatedField(
        scope=organizations_visible_to, model=Organization, required=False, allow_null=True
    )
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False, allow_blank=True)
    time_zone = serializers.CharField(required=False, allow_blank=True, max_length=64)
    notes = serializers.CharField(required=False, allow_blank=True)


class ContactCreateSerializer(ContactWriteSerializer):
    identities = IdentityInputSerializer(many=True, required=False)


class ContactMergeSerializer(serializers.Serializer[Contact]):
    target = ScopedPrimaryKeyRelatedField(
        scope=contacts_visible_to, model=Contact, help_text=_("The contact that remains; this one is folded into it.")
    )
