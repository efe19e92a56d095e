"""Which ticket a message belongs to, and why.

In this order, the first match wins:

1. a signed reply token — in a recipient's plus-address, or in a Message-ID we issued
   that the message quotes in In-Reply-To / References;
2. the subject tag ``[#1042]``;
3. every stored Message-ID: In-Reply-To, then References (newest first), looked up in
   the mail we sent and received;
4. the conversation part of Outlook's Thread-Index.

The match is only a candidate: a message from someone who does not take part in that
ticket (requester, CC, author of a message, same organization, or a recipient of our
mail on it) does not join it. The inbox decides what happens instead: a new ticket
(the default) or hold for review.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, Value

from atiende.channels.choices import Outcome, ThreadReason
from atiende.channels.email import tokens
from atiende.channels.email.parse import ParsedEmail, iter_addresses
from atiende.channels.models import InboundEmail, OutboundEmail
from atiende.contacts.models import Contact
from atiende.tickets.models import Message, Ticket

SUBJECT_TAG = re.compile(r"\[#(\d{1,18})\]")
_THREADED = (Outcome.CREATED, Outcome.APPENDED, Outcome.LOOP_SUPPRESSED)


@dataclass
class ThreadMatch:
    ticket: Ticket
    reason: str
    detail: str


def _live(ticket: Ticket | None) -> Ticket | None:
    seen: set[int] = set()
    while ticket is not None and ticket.merged_into_id is not None and ticket.pk not in seen:
        seen.add(ticket.pk)
        ticket = Ticket.objects.filter(pk=ticket.merged_into_id).first()
    return ticket


def _by_token(parsed: ParsedEmail, recipients: Iterable[str]) -> ThreadMatch | None:
    for address in [*recipients, *(a.address for a in iter_addresses(parsed))]:
        token = tokens.token_from_address(address)
        ticket_id = tokens.verify_token(token) if token else None
        if ticket_id is not None:
            ticket = _live(Ticket.objects.filter(pk=ticket_id).first())
            if ticket is not None:
                return ThreadMatch(ticket, ThreadReason.REPLY_TOKEN, f"reply address {address[:200]}")
    for message_id in [*parsed.in_reply_to, *reversed(parsed.references)]:
        token = tokens.token_from_message_id(message_id)
        ticket_id = tokens.verify_token(token) if token else None
        if ticket_id is not None:
            ticket = _live(Ticket.objects.filter(pk=ticket_id).first())
            if ticket is not None:
                return ThreadMatch(ticket, ThreadReason.REPLY_TOKEN, f"our Message-ID {message_id[:200]}")
    return None


def _by_subject(parsed: ParsedEmail) -> ThreadMatch | None:
    for number in SUBJECT_TAG.findall(parsed.subject or ""):
        ticket = _live(Ticket.objects.filter(number=int(number)).first())
        if ticket is not None:
            return ThreadMatch(ticket, ThreadReason.SUBJECT_TAG, f"[#{number}] in the subject")
    return None


def ticket_for_message_ids(ids: list[str], *, exclude_inbound: int | None = None) -> dict[str, Ticket]:
    """Tickets of stored Message-IDs (ours and theirs), by Message-ID.

    Our outbound mail wins over received mail, which wins over ticket messages; the three
    look-ups are one statement (a UNION ALL, each part ranked).
    """
    if not ids:
        return {}
    outbound = OutboundEmail.objects.filter(message_id__in=ids, ticket__isnull=False)
    inbound = InboundEmail.objects.filter(message_id__in=ids, ticket__isnull=False, outcome__in=_THREADED)
    if exclude_inbound is not None:
        inbound = inbound.exclude(pk=exclude_inbound)
    messages = Message.objects.filter(external_id__in=ids)
    rows = (
        outbound.order_by()
        .annotate(rank=Value(0))
        .values_list("rank", "message_id", "ticket_id")
        .union(
            inbound.order_by().annotate(rank=Value(1)).values_list("rank", "message_id", "ticket_id"),
            messages.order_by().annotate(rank=Value(2)).values_list("rank", "external_id", "ticket_id"),
            all=True,
        )
    )
    found: dict[str, Ticket] = {}
    for _rank, mid, ticket_id in sorted(rows, key=lambda row: row[0]):
        found.setdefault(mid, Ticket(pk=ticket_id))
    return found


def _by_message_ids(parsed: ParsedEmail, exclude_inbound: int | None) -> ThreadMatch | None:
    candidates = [(m, ThreadReason.IN_REPLY_TO) for m in parsed.in_reply_to] + [
        (m, ThreadReason.REFERENCES) for m in reversed(parsed.references) if m not in parsed.in_reply_to
    ]
    if parsed.message_id:
        candidates = [c for c in candidates if c[0] != parsed.message_id]
    found = ticket_for_message_ids([m for m, _ in candidates], exclude_inbound=exclude_inbound)
    for message_id, reason in candidates:
        if message_id in found:
            ticket = _live(Ticket.objects.filter(pk=found[message_id].pk).first())
            if ticket is not None:
                label = "In-Reply-To" if reason == ThreadReason.IN_REPLY_TO else "References"
                return ThreadMatch(ticket, reason, f"{label} {message_id[:200]}")
    return None


def _by_thread_index(parsed: ParsedEmail, exclude_inbound: int | None) -> ThreadMatch | None:
    if not parsed.thread_index:
        return None
    qs = InboundEmail.objects.filter(thread_index=parsed.thread_index, ticket__isnull=False, outcome__in=_THREADED)
    if exclude_inbound is not None:
        qs = qs.exclude(pk=exclude_inbound)
    row = qs.select_related("ticket").order_by("-received_at").first()
    ticket = _live(row.ticket) if row is not None else None
    if ticket is None:
        return None
    return ThreadMatch(ticket, ThreadReason.THREAD_INDEX, f"Thread-Index conversation {parsed.thread_index[:40]}")


def find_thread(
    parsed: ParsedEmail, *, recipients: Iterable[str] = (), exclude_inbound: int | None = None
) -> ThreadMatch | None:
    return (
        _by_token(parsed, list(recipients))
        or _by_subject(parsed)
        or _by_message_ids(parsed, exclude_inbound)
        or _by_thread_index(parsed, exclude_inbound)
    )


def is_participant(contact: Contact, ticket: Ticket) -> bool:
    """Whether ``contact`` takes part in ``ticket`` (and may add to it by email)."""
    if contact.pk == ticket.requester_id:
        return True
    if contact.organization_id is not None and contact.organization_id == ticket.organization_id:
        return True
    if ticket.ccs.filter(pk=contact.pk).exists():
        return True
    if Message.objects.filter(ticket=ticket, author_contact=contact).exists():
        return True
    emails = list(contact.identities.filter(kind="email").values_list("value", flat=True))
    if not emails:
        return False
    query = Q()
    for email in emails:
        query |= Q(recipient=email) | Q(cc__icontains=f'"{email}"')
    return OutboundEmail.objects.filter(query, ticket=ticket).exists()
