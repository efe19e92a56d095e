"""find_by_identities: its cached statement returns what the ORM returns, field for field."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from atiende.accounts.tests.factories import make_organization, make_user
from atiende.contacts import selectors
from atiende.contacts.choices import IdentityKind
from atiende.contacts.models import Contact, ContactIdentity
from atiende.contacts.services import add_identity
from atiende.contacts.tests.factories import make_contact

pytestmark = pytest.mark.django_db


def _orm(kind: str, values: list[str]) -> dict[str, Contact]:
    rows = ContactIdentity.objects.select_related("contact").filter(kind=kind, value__in=values)
    return {row.value: row.contact for row in rows}


def test_the_lookup_returns_the_contacts_the_orm_returns_with_every_field_alike() -> None:
    org = make_organization(domains=["acme.example"])
    ana = make_contact(email="ana@acme.example", name="Ana Pérez", language="es", time_zone="Europe/Madrid")
    luis = make_contact(email="luis@other.example", user=make_user(role="customer", email="luis@other.example"))
    add_identity(actor=None, contact=ana, kind=IdentityKind.EMAIL, value="ana.perez@acme.example")
    make_contact(email="someone@else.example")
    asked = ["ANA@acme.example", "ana.perez@acme.example", "luis@other.example", "nobody@nowhere.example"]
    with CaptureQueriesContext(connection) as capture:
        found = selectors.find_by_identities(IdentityKind.EMAIL, asked)
    assert len(capture.captured_queries) == 1
    expected = _orm(IdentityKind.EMAIL, ["ana@acme.example", "ana.perez@acme.example", "luis@other.example"])
    assert sorted(found) == sorted(expected) == ["ana.perez@acme.example", "ana@acme.example", "luis@other.example"]
    for value, contact in found.items():
        for field in Contact._meta.concrete_fields:
            assert getattr(contact, field.attname) == getattr(expected[value], field.attname), (value, field.name)
        assert isinstance(contact.created_at, datetime) and contact.created_at.tzinfo is not None
        assert not contact._state.adding
    assert found["ana@acme.example"].organization == org
    assert found["luis@other.example"].user_id == luis.user_id
    # Another number of values is another statement; a kind filters too.
    assert selectors.find_by_identities(IdentityKind.EMAIL, ["luis@other.example"]) == {"luis@other.example": luis}
    assert selectors.find_by_identities(IdentityKind.PHONE, ["+34600111222"]) == {}
    assert selectors.find_by_identities(IdentityKind.EMAIL, []) == {}


def test_a_merged_contact_is_followed_to_the_surviving_one() -> None:
    target = make_contact(email="new@example.com")
    merged = make_contact(email="old@example.com")
    Contact.objects.filter(pk=merged.pk).update(merged_into=target)  # an identity left behind by an old merge
    assert selectors.find_by_identities(IdentityKind.EMAIL, ["old@example.com"]) == {"old@example.com": target}
