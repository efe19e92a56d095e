"""Outbound mail as rows: what to send, to whom, with which thread headers.

Composing and sending are separate so a reply is recorded in the same transaction as
the event that caused it, and sent (and retried) afterwards by a task. Everything that
goes into a header passes :func:`~.text.header_text`: no CR/LF from an inbound subject,
name or address ever reaches an outbound header.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from email.utils import formataddr
from html import escape

from django.db import IntegrityError, transaction

from atiende.accounts.models import User
from atiende.channels.choices import DeliveryStatus, OutboundKind, Outcome
from atiende.channels.email import tokens
from atiende.channels.email.bounces import is_suppressed
from atiende.channels.email.intake import default_inbox
from atiende.channels.email.text import header_text
from atiende.channels.models import InboundEmail, Inbox, OutboundEmail
from atiende.contacts.choices import IdentityKind
from atiende.contacts.models import Contact
from atiende.core import clock
from atiende.tickets.choices import MessageKind
from atiende.tickets.models import Message, Ticket

MAX_REFERENCES = 20


def inbox_for_ticket(ticket: Ticket) -> Inbox | None:
    """The inbox the ticket came in through, else its team's, else the default inbox."""
    row = (
        InboundEmail.objects.filter(ticket=ticket, inbox__is_active=True)
        .exclude(outcome=Outcome.QUARANTINED)
        .select_related("inbox")
        .order_by("-received_at", "-id")
        .first()
    )
    if row is not None and row.inbox is not None:
        return row.inbox
    if ticket.team_id is not None:
        inbox = Inbox.objects.filter(team_id=ticket.team_id, is_active=True).order_by("-is_default", "id").first()
        if inbox is not None:
            return inbox
    return default_inbox() or (
        Inbox.objects.filter(is_active=True).order_by("id").first()
        if Inbox.objects.filter(is_active=True).count() == 1
        else None
    )


def email_of(contact: Contact) -> str:
    identity = contact.identities.filter(kind=IdentityKind.EMAIL).order_by("-is_primary", "id").first()
    return identity.value if identity is not None else ""


def thread_ids(ticket: Ticket) -> list[tuple[object, str]]:
    """Every Message-ID of the ticket's mail, oldest first, with when it happened."""
    ids: list[tuple[object, str]] = []
    ids += [
        (at, mid)
        for at, mid in InboundEmail.objects.filter(ticket=ticket, outcome__in=[Outcome.CREATED, Outcome.APPENDED])
        .exclude(message_id="")
        .values_list("received_at", "message_id")
    ]
    ids += [
        (at, mid) for at, mid in OutboundEmail.objects.filter(ticket=ticket).values_list("created_at", "message_id")
    ]
    ids.sort(key=lambda pair: pair[0])  # type: ignore[arg-type,return-value]
    return ids


def thread_headers(ticket: Ticket) -> tuple[str, list[str]]:
    """(In-Reply-To, References) for the next mail of the ticket."""
    inbound = (
        InboundEmail.objects.filter(ticket=ticket, outcome__in=[Outcome.CREATED, Outcome.APPENDED])
        .exclude(message_id="")
        .order_by("-received_at", "-id")
        .values_list("message_id", flat=True)
        .first()
    )
    ordered = list(dict.fromkeys(mid for _at, mid in thread_ids(ticket)))
    if len(ordered) > MAX_REFERENCES:
        ordered = ordered[:1] + ordered[-(MAX_REFERENCES - 1) :]
    parent = inbound or (ordered[-1] if ordered else "")
    if parent and parent not in ordered:
        ordered.append(parent)
    return parent, ordered


def subject_for(ticket: Ticket) -> str:
    subject = header_text(ticket.subject, limit=400)
    tag = f"[#{ticket.number}]"
    return subject if tag in subject else f"{tag} {subject}"


def _text_to_html(text: str) -> str:
    return "<p>" + escape(text).replace("\n\n", "</p><p>").replace("\n", "<br>") + "</p>"


def _with_signature(text: str, html: str, signature: str) -> tuple[str, str]:
    if not signature.strip():
        return text, html
    return f"{text}\n\n-- \n{signature}", f'{html}<div class="signature">-- <br>{_text_to_html(signature)}</div>'


def sender_address(inbox: Inbox, display_name: str = "") -> str:
    name = header_text(display_name or inbox.name, limit=150)
    return formataddr((name, inbox.address))


def create_outbound(
    *,
    kind: str,
    inbox: Inbox,
    ticket: Ticket | None,
    to: Sequence[str],
    subject: str,
    body_text: str,
    body_html: str = "",
    cc: Sequence[str] = (),
    message: Message | None = None,
    from_name: str = "",
    in_reply_to: str = "",
    references: Sequence[str] = (),
    suppression_checked: bool = False,
    enqueue: bool = True,
) -> OutboundEmail:
    """One outbound row (a single INSERT), sent by a task after the commit.

    ``suppression_checked``: the caller has just found the recipients unsuppressed in this
    transaction (the auto-acknowledgement does, in the statement that picks the address).
    ``enqueue=False``: the caller queues the sending itself (a batch, with
    :func:`enqueue_send_many` after its commit).
    """
    to_list = [header_text(a, limit=320).lower() for a in to if a]
    cc_list = [header_text(a, limit=320).lower() for a in cc if a and a.lower() not in to_list]
    now = clock.now()
    unique = uuid.uuid4().hex[:20]
    row = OutboundEmail(
        ticket=ticket,
        ticket_message=message,
        inbox=inbox,
        kind=kind,
        recipient=to_list[0] if to_list else "",
        to=to_list,
        cc=cc_list,
        from_address=sender_address(inbox, from_name),
        reply_to=tokens.reply_address(inbox.address, ticket.pk)
        if ticket is not None and inbox.use_reply_address
        else "",
        subject=header_text(subject, limit=500),
        body_text=body_text,
        body_html=body_html,
        message_id=tokens.make_message_id(ticket.pk if ticket is not None else None, inbox.domain, unique),
        in_reply_to=header_text(in_reply_to, limit=998),
        references=" ".join(header_text(r, limit=998) for r in references),
        status=DeliveryStatus.SUPPRESSED
        if not suppression_checked and all(is_suppressed(a) for a in to_list)
        else DeliveryStatus.QUEUED,
        created_at=now,
        updated_at=now,
    )
    row.save(force_insert=True)
    if enqueue and row.status == DeliveryStatus.QUEUED:
        row_id = row.pk
        transaction.on_commit(lambda: enqueue_send(row_id))
    return row


def enqueue_send(outbound_id: int) -> None:
    import logging

    from atiende.channels.tasks import send_outbound_email

    try:
        send_outbound_email.enqueue(outbound_id)
    except Exception:  # the task backend is down: the outbound sweeper sends it later
        logging.getLogger(__name__).exception("could not enqueue sending of outbound email %s", outbound_id)


def enqueue_send_many(outbound_ids: list[int]) -> None:
    """One task for several outbound emails (the auto-acknowledgements of an intake batch)."""
    import logging

    from atiende.channels.tasks import send_outbound_emails

    if not outbound_ids:
        return
    try:
        send_outbound_emails.enqueue(outbound_ids)
    except Exception:  # the task backend is down: the outbound sweeper sends them later
        logging.getLogger(__name__).exception("could not enqueue sending of outbound email %s", outbound_ids)


def reply_for(message: Message) -> OutboundEmail | None:
    """The email for a public agent reply, if its ticket's requester has an address (idempotent)."""
    if message.kind != MessageKind.REPLY or message.author_user_id is None:
        return None
    existing = OutboundEmail.objects.filter(ticket_message=message, kind=OutboundKind.REPLY).first()
    if existing is not None:
        return existing
    ticket = message.ticket
    to = email_of(ticket.requester)
    if not to:
        return None
    inbox = inbox_for_ticket(ticket)
    if inbox is None:
        return None
    agent: User | None = message.author_user
    own = {a.lower() for a in Inbox.objects.values_list("address", flat=True)}
    cc = [email for c in ticket.ccs.all() if (email := email_of(c)) and email.lower() not in own and email != to]
    in_reply_to, references = thread_headers(ticket)
    signature = inbox.signature.replace("{agent}", agent.name if agent is not None else "")
    text, html = _with_signature(message.body_text, message.body_html or _text_to_html(message.body_text), signature)
    try:
        with transaction.atomic():
            return create_outbound(
                kind=OutboundKind.REPLY,
                inbox=inbox,
                ticket=ticket,
                message=message,
                to=[to],
                cc=cc,
                subject=subject_for(ticket),
                body_text=text,
                body_html=html,
                from_name=f"{agent.name or agent.email} ({inbox.name})" if agent is not None else inbox.name,
                in_reply_to=in_reply_to,
                references=references,
            )
    except IntegrityError:
        return OutboundEmail.objects.filter(ticket_message=message, kind=OutboundKind.REPLY).first()
