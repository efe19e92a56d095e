"""Open a ticket with its first message."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import IO, Any, ParamSpec

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from atiende.accounts import audit
from atiende.accounts.models import Team, User
from atiende.contacts.models import Contact
from atiende.core import clock
from atiende.core.events import emit
from atiende.core.html import html_to_text, sanitize_html
from atiende.core.sequences import next_value
from atiende.core.units import in_unit
from atiende.tickets import custom_fields as cf
from atiende.tickets.choices import PRIORITY_BY_NAME, PRIORITY_NAMES, Channel, MessageKind, Priority, Status, Tier
from atiende.tickets.events import TicketCreated
from atiende.tickets.models import Category, Message, Ticket
from atiende.tickets.services.attachments import announce_message, write_message
from atiende.tickets.services.catalog import get_or_create_tags, normalize_tag
from atiende.tickets.services.common import append_search_text, clean_subject, snapshot

Upload = tuple[IO[bytes], str, str]  # (file handle, file name, content type)
P = ParamSpec("P")


def parse_priority(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value in PRIORITY_NAMES:
        return value
    if isinstance(value, str) and value in PRIORITY_BY_NAME:
        return PRIORITY_BY_NAME[value]
    raise ValidationError({"priority": _("Choose one of: low, normal, high, urgent.")})


def check_assignment(team: Team | None, assignee: User | None) -> None:
    if assignee is None:
        return
    if not assignee.is_agent or not assignee.is_active:
        raise ValidationError({"assignee": _("Tickets can only be assigned to active agents.")})
    if team is not None and not assignee.sees_all_tickets and not team.members.filter(pk=assignee.pk).exists():
        raise ValidationError({"assignee": _("The assignee is not a member of the team.")})


def check_tier(tier: Any) -> int:
    if isinstance(tier, bool) or tier not in Tier.values:
        raise ValidationError({"tier": _("Choose a tier from 0 to 4.")})
    return int(tier)


def create_ticket_with_message(
    *,
    actor: User | None,
    subject: str,
    requester: Contact,
    body: str = "",
    html: str = "",
    channel: str = Channel.API,
    priority: Any = Priority.NORMAL,
    status: str | None = None,
    category: Category | None = None,
    tier: int = Tier.FIRST,
    team: Team | None = None,
    assignee: User | None = None,
    tags: Iterable[str] = (),
    custom_fields: dict[str, Any] | None = None,
    ccs: Iterable[Contact] = (),
    attachments: Sequence[Upload] = (),
    external_id: str = "",
    follow_up_of: Ticket | None = None,
    enforce_required: bool = True,
    team_from_category: bool = True,
) -> tuple[Ticket, Message]:
    """Create a ticket and its first message (the description); both are returned.

    ``actor`` is the signed-in user (agent or customer) or ``None`` for channel
    intake; a customer can only open tickets for their own contact.
    ``enforce_required=False`` is for follow-ups and intake, where a message must be
    accepted even when the category's form has required fields nobody filled in.
    Without a ``team`` the category's default team is used, unless
    ``team_from_category=False`` (a follow-up keeps its original's team, even none).

    Everything that can be refused is checked before the first write, so the writes
    join the caller's transaction without a savepoint of their own (a savepoint is two
    statements, and intake opens tickets by the thousand): a failure after the first
    write rolls back the caller's transaction or savepoint with them. Files are the
    exception (too large, disk full): with attachments the writes keep a savepoint, so a
    caller that catches the error can carry on — except inside a
    :func:`~atiende.core.units.unit`, which is rolled back whole.
    """
    is_agent = actor is not None and actor.is_agent
    if actor is not None and not is_agent:
        own = Contact.objects.filter(user=actor).values_list("pk", flat=True)
        if requester.pk not in set(own):
            raise PermissionDenied(_("Customers can only open tickets for themselves."))
        if team is not None or assignee is not None or status is not None or tier != Tier.FIRST:
            raise PermissionDenied(_("Customers cannot set team, assignee, status or tier."))
    if requester.merged_into_id is not None:
        requester = Contact.objects.get(pk=requester.merged_into_id)
    subject = clean_subject(subject)
    clean_html = sanitize_html(html)
    text = (body or "").strip() or html_to_text(clean_html)
    if not text and not attachments:
        raise ValidationError({"message.body": _("Write a message or attach a file.")})
    prio = parse_priority(priority)
    tier = check_tier(tier)
    if category is not None and not category.is_active:
        raise ValidationError({"category": _("This category is not available.")})
    if team is None and category is not None and team_from_category:
        team = category.default_team
    check_assignment(team, assignee)
    if status is not None and status not in Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    if status == Status.CLOSED:
        raise ValidationError({"status": _("A new ticket cannot be closed.")})
    fields = (
        cf.validate(
            category=category,
            current={},
            changes=dict(custom_fields or {}),
            allow_agent_only=actor is None or is_agent,
            enforce_required=enforce_required,
        )
        if custom_fields or enforce_required
        else {}  # nothing to validate: no need to read the form
    )
    tags = list(tags)
    for name in tags:
        normalize_tag(name)  # refused before any write
    with transaction.atomic(savepoint=bool(attachments) and not in_unit()):
        now = clock.now()
        from_customer = not is_agent
        ticket = Ticket(
            number=next_value("ticket_number", start=settings.ATIENDE_TICKET_NUMBER_START),
            subject=subject,
            requester=requester,
            organization=requester.organization,
            channel=channel,
            status=status or (Status.OPEN if assignee is not None else Status.NEW),
            priority=prio,
            category=category,
            tier=tier,
            team=team,
            assignee=assignee,
            custom_fields=fields,
            follow_up_of=follow_up_of,
            created_at=now,
            updated_at=now,
            status_changed_at=now,
            solved_at=now if status == Status.SOLVED else None,
        )
        if from_customer:
            ticket.last_customer_message_at = now
            ticket.waiting_since = now
        append_search_text(ticket, subject)
        append_search_text(ticket, text)
        ticket.save(force_insert=True)  # complete before the INSERT: no second write of the row
        tag_objects = get_or_create_tags(tags) if tags else []
        if tag_objects:
            ticket.tags.add(*tag_objects)
        cc_list = list({c.pk: c for c in ccs if c.pk != requester.pk}.values())
        if cc_list:
            ticket.ccs.add(*cc_list)
        message = write_message(
            ticket=ticket,
            kind=MessageKind.REPLY,
            channel=channel,
            actor=actor,
            author_contact=requester,
            text=text,
            html=clean_html,
            external_id=external_id,
            at=now,
            attachments=attachments,
        )
        state = snapshot(
            ticket,
            relations={
                "tags": sorted(t.name for t in tag_objects),
                "ccs": sorted(c.pk for c in cc_list),
                "followers": [],
            },
        )
        audit.record(actor=actor, action="ticket.created", obj=ticket, after=state)
        emit(
            TicketCreated(
                ticket_id=ticket.pk,
                number=ticket.number,
                channel=ticket.channel,
                status=ticket.status,
                priority=PRIORITY_NAMES[ticket.priority],
                team_id=ticket.team_id,
                assignee_id=ticket.assignee_id,
                category_id=ticket.category_id,
            ),
            subject=ticket,
            actor=actor,
            changes={k: [None, v] for k, v in state.items() if v not in (None, [], "")},
        )
        announce_message(ticket=ticket, message=message, actor=actor, by_agent=not from_customer, channel=channel)
        return ticket, message


def _ticket_only(create: Callable[P, tuple[Ticket, Message]]) -> Callable[P, Ticket]:
    def create_ticket(*args: P.args, **kwargs: P.kwargs) -> Ticket:
        return create(*args, **kwargs)[0]

    create_ticket.__doc__ = (
        "Create a ticket and its first message; returns the ticket (see create_ticket_with_message)."
    )
    return create_ticket


# The same parameters (checked by mypy), for the callers that need only the ticket.
create_ticket = _ticket_only(create_ticket_with_message)
