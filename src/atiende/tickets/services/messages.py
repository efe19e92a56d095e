"""Add a public reply or an internal note, with the status rules of a real desk.

* A customer reply reopens a pending, on-hold or solved ticket (solved: within the
  reopen window); on a closed ticket — or a solved one past the window — it opens a
  follow-up ticket linked to the old one.
* An agent's public reply records the first response, counts replies, ends the
  customer's wait and moves a new ticket to open.
* Light agents add internal notes only; customers never see notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from atiende.accounts.models import User
from atiende.contacts.models import Contact
from atiende.core import clock
from atiende.core.html import html_to_text, sanitize_html
from atiende.core.units import atomic_service
from atiende.tickets.choices import Channel, LinkKind, MessageKind, Status
from atiende.tickets.models import CustomField, Message, Ticket, TicketLink
from atiende.tickets.services.attachments import announce_message, write_message
from atiende.tickets.services.common import append_search_text, changed, record_history, snapshot
from atiende.tickets.services.create import Upload, create_ticket_with_message
from atiende.tickets.services.update import apply_status, check_transition, stop_waiting


def _customer_contact(actor: User | None, author_contact: Contact | None, ticket: Ticket) -> Contact:
    if author_contact is not None:
        return author_contact
    if actor is not None:
        contact = Contact.objects.filter(user=actor).first()
        if contact is not None:
            return contact
    return ticket.requester


def _follow_up(
    *,
    actor: User | None,
    ticket: Ticket,
    contact: Contact,
    text: str,
    html: str,
    channel: str,
    attachments: Sequence[Upload],
    external_id: str,
) -> Message:
    values = dict(ticket.custom_fields or {})
    if actor is not None and not actor.is_agent:
        hidden = set(CustomField.objects.filter(key__in=values, agent_only=True).values_list("key", flat=True))
        values = {k: v for k, v in values.items() if k not in hidden}
    # Intake or agent: keep the routing of the original ticket (its team, even none), written
    # with the ticket so its audit row and ``ticket.created`` say so. A customer cannot set a
    # team: the category's default applies.
    keeps_routing = actor is None or actor.is_agent
    new, first = create_ticket_with_message(
        actor=actor,
        subject=ticket.subject,
        requester=contact if contact.pk == ticket.requester_id or actor is not None else ticket.requester,
        body=text,
        html=html,
        channel=channel,
        priority=ticket.priority,
        category=ticket.category if ticket.category is None or ticket.category.is_active else None,
        custom_fields=values,
        enforce_required=False,
        attachments=attachments,
        external_id=external_id,
        follow_up_of=ticket,
        team=ticket.team if keeps_routing else None,
        team_from_category=not keeps_routing,
    )
    TicketLink.objects.create(source=new, target=ticket, kind=LinkKind.RELATED, created_at=clock.now())
    return first


@atomic_service  # a savepoint, except inside a unit (intake's message), which is rolled back whole
def add_message(
    *,
    actor: User | None,
    ticket: Ticket,
    body: str = "",
    html: str = "",
    internal: bool = False,
    channel: str | None = None,
    author_contact: Contact | None = None,
    attachments: Sequence[Upload] = (),
    external_id: str = "",
    status: str | None = None,
) -> Message:
    """Add a message to ``ticket`` (or to its follow-up; see module docs).

    ``actor`` is the signed-in user, or ``None`` for channel intake, in which case
    ``author_contact`` says who wrote it.
    """
    is_agent = actor is not None and actor.is_agent
    if actor is None and author_contact is None:
        raise ValueError("add_message needs an actor or an author_contact")
    if internal and not is_agent:
        raise PermissionDenied(_("Only agents can add internal notes."))
    if is_agent and not internal and actor is not None and not actor.can_reply_publicly:
        raise PermissionDenied(_("Light agents can add internal notes but not public replies."))
    if status is not None and not is_agent:
        raise PermissionDenied(_("Only agents can change the status."))

    clean_html = sanitize_html(html)
    text = (body or "").strip() or html_to_text(clean_html)
    if not text and not attachments:
        raise ValidationError({"body": _("Write a message or attach a file.")})

    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    while ticket.merged_into_id is not None:
        ticket = Ticket.objects.select_for_update().get(pk=ticket.merged_into_id)
    channel = channel or (Channel.WEB if is_agent else Channel.PORTAL if actor is not None else ticket.channel)
    now = clock.now()

    if not is_agent:
        contact = _customer_contact(actor, author_contact, ticket)
        window = timedelta(days=settings.ATIENDE_REOPEN_WINDOW_DAYS)
        stale = ticket.status == Status.SOLVED and (ticket.solved_at is None or now - ticket.solved_at > window)
        if ticket.status == Status.CLOSED or stale:
            return _follow_up(
                actor=actor,
                ticket=ticket,
                contact=contact,
                text=text,
                html=clean_html,
                channel=channel,
                attachments=attachments,
                external_id=external_id,
            )
    elif ticket.status == Status.CLOSED:
        raise ValidationError({"ticket": _("Closed tickets are final; open a follow-up instead.")})

    before = snapshot(ticket, relations=False)
    message = write_message(
        ticket=ticket,
        kind=MessageKind.NOTE if internal else MessageKind.REPLY,
        channel=channel,
        actor=actor,
        author_contact=None if is_agent else contact,
        text=text,
        html=clean_html,
        external_id=external_id,
        at=now,
        attachments=attachments,
    )

    if not is_agent:
        ticket.customer_reply_count += 1
        ticket.last_customer_message_at = now
        if ticket.waiting_since is None:
            ticket.waiting_since = now
        if ticket.status in {Status.PENDING, Status.ON_HOLD, Status.SOLVED}:
            apply_status(ticket, Status.OPEN, now=now)
    elif not internal:
        if ticket.first_response_at is None:
            ticket.first_response_at = now
        ticket.agent_reply_count += 1
        ticket.last_agent_reply_at = now
        stop_waiting(ticket, now=now)
        if status is None and ticket.status == Status.NEW:
            apply_status(ticket, Status.OPEN, now=now)
    if status is not None:
        check_transition(ticket, status)
        apply_status(ticket, status, now=now)

    append_search_text(ticket, text)
    ticket.updated_at = now
    ticket.save()
    event = announce_message(ticket=ticket, message=message, actor=actor, by_agent=is_agent, channel=channel)
    diff = changed(before, snapshot(ticket, relations=False))
    if diff:
        record_history(ticket=ticket, actor=actor, changes=diff, at=now, event=event)
    return message
