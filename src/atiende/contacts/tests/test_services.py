from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from atiende.accounts.tests.factories import make_organization, make_user
from atiende.contacts import selectors, services
from atiende.contacts.choices import IdentityKind
from atiende.contacts.models import Contact, ContactIdentity
from atiende.contacts.tests.factories import make_contact
from atiende.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def test_email_domain_puts_contact_in_organization():
    org = make_organization(domains=["acme.example"])
    contact = make_contact(email="Ana@ACME.example")
    assert contact.organization == org
    assert contact.primary_email == "ana@acme.example"


def test_one_contact_across_channels():
    contact = make_contact(email="luis@example.com")
    services.add_identity(actor=None, contact=contact, kind=IdentityKind.WHATSAPP, value="0034 600-111-222")
    services.add_identity(actor=None, contact=contact, kind=IdentityKind.CHAT, value="visitor-abc")
    assert selectors.find_by_identity(IdentityKind.WHATSAPP, "+34600111222") == contact
    assert selectors.find_by_identity(IdentityKind.EMAIL, "LUIS@example.com") == contact
    found, created = services.get_or_create_contact(actor=None, kind=IdentityKind.CHAT, value="visitor-abc")
    assert found == contact and not created


def test_identity_belongs_to_one_contact():
    make_contact(email="shared@example.com")
    other = make_contact()
    with pytest.raises(ValidationError) as exc:
        services.add_identity(actor=None, contact=other, kind=IdentityKind.EMAIL, value="shared@example.com")
    assert "value" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.add_identity(actor=None, contact=other, kind=IdentityKind.PHONE, value="call me")
    assert "value" in exc.value.message_dict


def test_merge_moves_identities_and_tickets():
    source = make_contact(email="old@example.com")
    target = make_contact(email="new@example.com")
    ticket = make_ticket(requester=source)
    cc_ticket = make_ticket(ccs=[source])
    services.merge_contacts(actor=None, source=source, target=target)
    source.refresh_from_db()
    assert source.merged_into == target
    assert set(target.identities.values_list("value", flat=True)) == {"old@example.com", "new@example.com"}
    ticket.refresh_from_db()
    assert ticket.requester == target
    assert list(cc_ticket.ccs.all()) == [target]
    # Mail from the old address now finds the surviving contact.
    assert selectors.find_by_identity(IdentityKind.EMAIL, "old@example.com") == target
    with pytest.raises(ValidationError):
        services.merge_contacts(actor=None, source=source, target=target)


def test_ensure_contact_for_user_links_existing_contact():
    contact = make_contact(email="cliente@example.com")
    user = make_user(role="customer", email="cliente@example.com")
    assert services.ensure_contact_for_user(actor=None, user=user) == contact
    contact.refresh_from_db()
    assert contact.user == user
    assert Contact.objects.count() == 1
    assert ContactIdentity.objects.count() == 1
