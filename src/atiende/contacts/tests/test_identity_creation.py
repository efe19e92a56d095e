"""Creating the contact of an unknown identity: once, under concurrency, and several at a time."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from atiende.accounts.models import AuditLog
from atiende.accounts.tests.factories import make_organization
from atiende.contacts import services
from atiende.contacts.choices import IdentityKind
from atiende.contacts.models import Contact, ContactIdentity
from atiende.contacts.tests.factories import make_contact
from atiende.core.models import OutboxEvent

pytestmark = pytest.mark.django_db


def test_get_or_create_looks_up_once_then_writes_in_one_savepoint():
    org = make_organization(domains=["acme.example"])
    with CaptureQueriesContext(connection) as capture:
        contact, created = services.get_or_create_contact(
            actor=None, kind=IdentityKind.EMAIL, value=" Ana@ACME.example ", name=" Ana ", language="en"
        )
    sql = [q["sql"] for q in capture.captured_queries]
    # lookup, SAVEPOINT, organization, contact, identity, audit row, event, RELEASE
    assert len(sql) == 8, sql
    assert created and contact.name == "Ana" and contact.language == "en" and contact.organization == org
    identity = ContactIdentity.objects.get(contact=contact)
    assert (identity.kind, identity.value, identity.is_primary) == (IdentityKind.EMAIL, "ana@acme.example", True)
    audit = AuditLog.objects.get(action="contact.created", object_id=str(contact.pk))
    assert audit.after["identities"] == [["email", "ana@acme.example"]]
    assert OutboxEvent.objects.filter(type="contact.created", subject_id=str(contact.pk)).count() == 1
    assert services.get_or_create_contact(actor=None, kind=IdentityKind.EMAIL, value="ana@acme.example") == (
        contact,
        False,
    )


def test_get_or_create_refuses_an_invalid_value():
    with pytest.raises(ValidationError) as exc:
        services.get_or_create_contact(actor=None, kind=IdentityKind.EMAIL, value="not an address")
    assert "value" in exc.value.message_dict
    assert not Contact.objects.exists()


def test_an_identity_created_meanwhile_returns_that_contact():
    other = make_contact(email="ana@example.com")
    with mock.patch.object(services, "find_by_identity", side_effect=[None, other]):
        contact, created = services.get_or_create_contact(actor=None, kind=IdentityKind.EMAIL, value="ana@example.com")
    assert (contact, created) == (other, False)
    assert Contact.objects.count() == 1 and AuditLog.objects.filter(action="contact.created").count() == 1


def test_create_contact_still_refuses_a_taken_identity():
    make_contact(email="ana@example.com")
    with pytest.raises(ValidationError) as exc:
        services.create_contact(actor=None, identities=[(IdentityKind.EMAIL, "ANA@example.com")])
    assert "identities.0.value" in exc.value.message_dict


def test_several_contacts_in_one_batch_by_normalized_value():
    org = make_organization(domains=["acme.example"])
    created = services.create_contacts_for_identities(
        actor=None,
        kind=IdentityKind.EMAIL,
        people=[("Ana@acme.example", "Ana"), ("luis@other.example", ""), ("ana@ACME.example", "Dup")],
    )
    assert list(created) == ["ana@acme.example", "luis@other.example"]
    ana, luis = created.values()
    assert (ana.name, ana.organization, luis.name, luis.organization) == ("Ana", org, "", None)
    assert ana.primary_email == "ana@acme.example" and luis.primary_email == "luis@other.example"
    assert AuditLog.objects.filter(action="contact.created").count() == 2
    assert OutboxEvent.objects.filter(type="contact.created").count() == 2


def test_a_batch_that_meets_a_taken_identity_goes_one_by_one():
    taken = make_contact(email="taken@example.com")
    created = services.create_contacts_for_identities(
        actor=None, kind=IdentityKind.EMAIL, people=[("new@example.com", "New"), ("taken@example.com", "")]
    )
    assert created["taken@example.com"] == taken
    assert created["new@example.com"].name == "New"
    assert Contact.objects.count() == 2
    assert ContactIdentity.objects.filter(value="new@example.com").count() == 1


def test_inside_a_unit_contacts_join_it_and_a_conflict_is_the_units_to_retry():
    from atiende.core.units import unit

    with CaptureQueriesContext(connection) as capture, unit():
        ana, created = services.create_contact_for_identity(
            actor=None, kind=IdentityKind.EMAIL, value="ana@example.com"
        )
        one = services.create_contacts_for_identities(
            actor=None, kind=IdentityKind.EMAIL, people=[("luis@example.com", "")]
        )
    assert (
        created
        and ana.primary_email == "ana@example.com"
        and one["luis@example.com"].primary_email == "luis@example.com"
    )
    assert sum(q["sql"].startswith("SAVEPOINT") for q in capture.captured_queries) == 1  # the unit's alone
    # Another worker's row is not looked up here: the error reaches the unit, which rolls back whole.
    with pytest.raises(IntegrityError), unit():
        services.create_contact_for_identity(actor=None, kind=IdentityKind.EMAIL, value="new@example.com")
        services.create_contact_for_identity(actor=None, kind=IdentityKind.EMAIL, value="ana@example.com")
    assert not ContactIdentity.objects.filter(value="new@example.com").exists()
    with pytest.raises(IntegrityError), unit():
        services.create_contacts_for_identities(actor=None, kind=IdentityKind.EMAIL, people=[("luis@example.com", "")])
    assert Contact.objects.count() == 2
