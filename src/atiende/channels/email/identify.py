"""Who wrote the message, and who else was on it: contacts by address, organizations by domain.

The sender is the ``From`` address (falling back to ``Sender``, ``Reply-To`` and the
envelope sender when it is missing or unusable). Known addresses give the existing
contact; new ones create a contact, which the contacts service places in the
organization that claims the address's domain. A ``From`` header never makes anyone an
agent: a message is always written *as a contact*.

Carbon copies: addresses of our own inboxes are dropped; agents become followers of the
ticket, everyone else a CC contact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from atiende.accounts.models import User
from atiende.channels import conf
from atiende.channels.email.parse import Address, ParsedEmail
from atiende.contacts.choices import IdentityKind
from atiende.contacts.models import Contact
from atiende.contacts.normalize import normalize
from atiende.contacts.selectors import find_by_identities
from atiende.contacts.services import create_contacts_for_identities, get_or_create_contact


def usable(address: str) -> str:
    """The normalized address, or "" when the contacts app would not accept it."""
    try:
        return normalize(IdentityKind.EMAIL, address)
    except ValidationError:
        return ""


def contact_for(address: Address, *, language: str = "") -> Contact | None:
    """The contact of ``address``, created when unknown (and by another worker at the same time)."""
    email = usable(address.address)
    if not email:
        return None
    contact, _created = get_or_create_contact(
        actor=None, kind=IdentityKind.EMAIL, value=email, name=address.name[:200], language=language
    )
    return contact


def sender_candidates(parsed: ParsedEmail, envelope_sender: str = "") -> list[Address]:
    found: list[Address] = []
    if parsed.from_ is not None:
        found.append(parsed.from_)
    if parsed.sender is not None:
        found.append(parsed.sender)
    found += parsed.reply_to
    if envelope_sender:
        found.append(Address("", envelope_sender))
    if parsed.return_path:
        found.append(Address("", parsed.return_path))
    return found


def identify_sender(parsed: ParsedEmail, *, envelope_sender: str = "", language: str = "") -> Contact | None:
    for candidate in sender_candidates(parsed, envelope_sender):
        contact = contact_for(candidate, language=language)
        if contact is not None:
            return contact
    return None


@dataclass
class Copies:
    contacts: list[Contact] = field(default_factory=list)
    agents: list[User] = field(default_factory=list)


def copied(parsed: ParsedEmail, *, sender: Contact, own_addresses: Iterable[str]) -> Copies:
    """The people on To/Cc besides the sender and our inboxes: agents and contacts."""
    own = {a.lower() for a in own_addresses}
    limit = conf.get("ATIENDE_EMAIL_MAX_CCS")
    seen: set[str] = set()
    addresses: list[Address] = []
    for address in [*parsed.to, *parsed.cc]:
        email = usable(address.address)
        base = email.split("@", 1)
        if not email or email in seen or (len(base) == 2 and f"{base[0].split('+', 1)[0]}@{base[1]}" in own):
            continue
        seen.add(email)
        addresses.append(Address(address.name, email))
    addresses = addresses[:limit]
    if not addresses:
        return Copies()
    agents = {
        u.email.lower(): u
        for u in User.objects.filter(email__in=[a.address for a in addresses], is_active=True)
        if u.is_agent
    }
    result = Copies()
    people = [a for a in addresses if a.address not in agents]
    known = find_by_identities(IdentityKind.EMAIL, [a.address for a in people])
    unknown = [(a.address, a.name[:200]) for a in people if a.address not in known]
    if unknown:
        known.update(create_contacts_for_identities(actor=None, kind=IdentityKind.EMAIL, people=unknown))
    for address in addresses:
        if address.address in agents:
            result.agents.append(agents[address.address])
            continue
        contact = known[address.address]
        if contact.pk != sender.pk and contact not in result.contacts:
            result.contacts.append(contact)
    return result
