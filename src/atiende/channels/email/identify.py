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

from atiende.accounts.choices import AGENT_ROLES
from atiende.accounts.models import User
from atiende.channels import conf
from atiende.channels.email.parse import Address, ParsedEmail
from atiende.contacts.choices import IdentityKind
from atiende.contacts.models import Contact
from atiende.contacts.normalize import normalize
from atiende.contacts.selectors import find_by_identities
from atiende.contacts.services import (
    create_contact_for_identity,
    create_contacts_for_identities,
    get_or_create_contact,
)
from atiende.core.memo import in_batch, memoized

# Every address a message's lookup asked about: its contact, or None when it has none yet.
Known = dict[str, Contact | None]


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


def look_up(addresses: Iterable[str]) -> Known:
    """The contacts of ``addresses`` with one query: the sender's candidates and the copies."""
    wanted = {email for address in addresses if (email := usable(address))}
    found = find_by_identities(IdentityKind.EMAIL, wanted)
    return {email: found.get(email) for email in wanted}


def identify_sender(
    parsed: ParsedEmail, *, envelope_sender: str = "", language: str = "", known: Known | None = None
) -> Contact | None:
    """The contact of the first usable sender address, created when unknown.

    ``known``: what :func:`look_up` found for the message's addresses (no second query);
    a contact created here is added to it, for :func:`copied`.
    """
    for candidate in sender_candidates(parsed, envelope_sender):
        email = usable(candidate.address)
        if not email:
            continue
        if known is None or email not in known:
            return contact_for(candidate, language=language)
        contact = known[email]
        if contact is None:
            contact, _created = create_contact_for_identity(
                actor=None, kind=IdentityKind.EMAIL, value=email, name=candidate.name[:200], language=language
            )
            known[email] = contact
        return contact
    return None


@dataclass
class Copies:
    contacts: list[Contact] = field(default_factory=list)
    agents: list[User] = field(default_factory=list)


def copy_addresses(parsed: ParsedEmail, own_addresses: Iterable[str]) -> list[Address]:
    """To and Cc without our inboxes (plus-addressed or not) and repeats, normalized, at most the limit."""
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
    return addresses[:limit]


def _agent_addresses() -> frozenset[str]:
    return frozenset(
        e.lower()
        for e in User.objects.filter(is_active=True, role__in=AGENT_ROLES).order_by().values_list("email", flat=True)
    )


def copied(parsed: ParsedEmail, *, sender: Contact, own_addresses: Iterable[str], known: Known | None = None) -> Copies:
    """The people on To/Cc besides the sender and our inboxes: agents and contacts.

    ``known``: what :func:`look_up` already found (addresses in it are not looked up again).
    """
    addresses = copy_addresses(parsed, own_addresses)
    if not addresses:
        return Copies()
    # In a batch the agents' addresses are read once: only copies to one of them need their user.
    agent_addresses = memoized("agent_addresses", None, _agent_addresses) if in_batch() else None
    candidates = [a.address for a in addresses if agent_addresses is None or a.address in agent_addresses]
    agents = (
        {u.email.lower(): u for u in User.objects.filter(email__in=candidates, is_active=True) if u.is_agent}
        if candidates
        else {}
    )
    result = Copies()
    people = [a for a in addresses if a.address not in agents]
    looked_up = known or {}
    contacts = {a.address: c for a in people if (c := looked_up.get(a.address)) is not None}
    missing = [a.address for a in people if a.address not in looked_up]
    if missing:
        contacts.update(find_by_identities(IdentityKind.EMAIL, missing))
    unknown = [(a.address, a.name[:200]) for a in people if a.address not in contacts]
    if unknown:
        contacts.update(create_contacts_for_identities(actor=None, kind=IdentityKind.EMAIL, people=unknown))
    for address in addresses:
        if address.address in agents:
            result.agents.append(agents[address.address])
            continue
        contact = contacts[address.address]
        if contact.pk != sender.pk and contact not in result.contacts:
            result.contacts.append(contact)
    return result
