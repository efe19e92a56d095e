"""Read side of contacts, scoped by the viewer."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from atiende.accounts.models import User
from atiende.contacts.models import Contact, ContactIdentity
from atiende.contacts.normalize import normalize


def contacts_visible_to(viewer: User) -> QuerySet[Contact]:
    """Agents see every contact; a customer sees only their own contact record."""
    qs = Contact.objects.select_related("organization").prefetch_related(
        Prefetch("identities", queryset=ContactIdentity.objects.order_by("kind", "-is_primary", "id"))
    )
    if viewer.is_agent:
        return qs.filter(merged_into__isnull=True)
    return qs.filter(user=viewer)


def _surviving(contact: Contact) -> Contact:
    """The contact a merged one was folded into (following the chain), else itself."""
    seen = {contact.pk}
    while contact.merged_into_id is not None and contact.merged_into_id not in seen:
        contact = Contact.objects.get(pk=contact.merged_into_id)
        seen.add(contact.pk)
    return contact


def find_by_identity(kind: str, value: str) -> Contact | None:
    return find_by_identities(kind, [value]).get(normalize(kind, value))


def find_by_identities(kind: str, values: Iterable[str]) -> dict[str, Contact]:
    """The contacts owning ``(kind, value)`` identities, by normalized value; unknown values are left out.

    One query for all the values (email intake looks up every CC address at once);
    merged contacts are followed to the surviving one like :func:`find_by_identity` does.
    """
    normalized = {normalize(kind, value) for value in values}
    if not normalized:
        return {}
    # No ORDER BY (the model orders by kind and primary first): a dict is built from the rows.
    identities = ContactIdentity.objects.select_related("contact").filter(kind=kind, value__in=normalized).order_by()
    return {identity.value: _surviving(identity.contact) for identity in identities}


def contact_of_user(user: User) -> Contact | None:
    return Contact.objects.filter(user=user).first()
