"""Merge two tickets into one, or split messages off into a new ticket."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from atiende.accounts import audit
from atiende.accounts.models import User
from atiende.core import clock
from atiende.core.events import emit
from atiende.core.sequences import next_value
from atiende.tickets.choices import LinkKind, MessageKind, Status
from atiende.tickets.events import TicketMerged, TicketSplit
from atiende.tickets.models import Attachment, Message, Ticket, TicketHistory, TicketLink
from atiende.tickets.services.common import append_search_text, clean_subject, require_agent
from atiende.tickets.services.update import apply_status


def _note(ticket: Ticket, actor: User | None, text: str, now: datetime) -> Message:
    return Message.objects.create(
        ticket=ticket, kind=MessageKind.NOTE, channel=ticket.channel, author_user=actor, body_text=text, created_at=now
    )


@transaction.atomic
def merge_tickets(*, actor: User | None, source: Ticket, target: Ticket) -> Ticket:
    """Move every message of ``source`` into ``target``; close ``source`` pointing at it."""
    require_agent(actor)
    source = Ticket.objects.select_for_update().get(pk=source.pk)
    target = Ticket.objects.select_for_update().get(pk=target.pk)
    if source.pk == target.pk:
        raise ValidationError({"target": _("A ticket cannot be merged into itself.")})
    if source.merged_into_id is not None or source.status == Status.CLOSED:
        raise ValidationError({"source": _("Closed or merged tickets cannot be merged.")})
    if target.merged_into_id is not None or target.status == Status.CLOSED:
        raise ValidationError({"target": _("Cannot merge into a closed or merged ticket.")})
    now = clock.now()
    moved = list(Message.objects.filter(ticket=source).values_list("pk", flat=True))
    Message.objects.filter(pk__in=moved).update(ticket=target)
    Attachment.objects.filter(ticket=source).update(ticket=target)
    cc_ids = set(source.ccs.values_list("pk", flat=True))
    if source.requester_id != target.requester_id:
        cc_ids.add(source.requester_id)
    cc_ids.discard(target.requester_id)
    target.ccs.add(*cc_ids)
    target.followers.add(*source.followers.all())
    append_search_text(target, source.search_text)
    target.customer_reply_count += source.customer_reply_count
    target.agent_reply_count += source.agent_reply_count
    if source.waiting_since and (target.waiting_since is None or source.waiting_since < target.waiting_since):
        target.waiting_since = source.waiting_since
    target.updated_at = now
    target.save()
    _note(target, actor, _("Ticket #%(n)s was merged into this ticket.") % {"n": source.number}, now)
    _note(source, actor, _("This ticket was merged into #%(n)s.") % {"n": target.number}, now)
    old_status = source.status
    source.merged_into = target
    apply_status(source, Status.CLOSED, now=now)
    source.updated_at = now
    source.save()
    TicketLink.objects.get_or_create(
        source=source, target=target, kind=LinkKind.DUPLICATE, defaults={"created_by": actor, "created_at": now}
    )
    event = emit(
        TicketMerged(source_id=source.pk, target_id=target.pk),
        subject=target,
        actor=actor,
        changes={"merged_from": [None, source.number]},
    )
    event_id = event.pk if event else None
    TicketHistory.objects.bulk_create(
        [
            TicketHistory(
                ticket=source,
                actor=actor,
                field="status",
                old_value=old_status,
                new_value=Status.CLOSED,
                at=now,
                event_id=event_id,
            ),
            TicketHistory(
                ticket=source, actor=actor, field="merged_into", new_value=target.number, at=now, event_id=event_id
            ),
            TicketHistory(
                ticket=target, actor=actor, field="merged_from", new_value=source.number, at=now, event_id=event_id
            ),
        ]
    )
    audit.record(
        actor=actor, action="ticket.merged", obj=target, after={"source": source.number, "messages": len(moved)}
    )
    return target


@transaction.atomic
def split_ticket(*, actor: User | None, ticket: Ticket, message_ids: Sequence[int], subject: str = "") -> Ticket:
    """Move the given messages of ``ticket`` into a new ticket with the same requester."""
    require_agent(actor)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.status == Status.CLOSED:
        raise ValidationError({"ticket": _("Closed tickets cannot be split.")})
    ids = sorted(set(int(i) for i in message_ids))
    if not ids:
        raise ValidationError({"message_ids": _("Choose at least one message.")})
    owned = set(Message.objects.filter(ticket=ticket, pk__in=ids).values_list("pk", flat=True))
    if owned != set(ids):
        raise ValidationError({"message_ids": _("Every message must belong to this ticket.")})
    if Message.objects.filter(ticket=ticket).exclude(pk__in=ids).count() == 0:
        raise ValidationError({"message_ids": _("Leave at least one message on the original ticket.")})
    now = clock.now()
    first = Message.objects.filter(pk__in=ids).order_by("created_at", "id").first()
    new = Ticket.objects.create(
        number=next_value("ticket_number", start=settings.ATIENDE_TICKET_NUMBER_START),
        subject=clean_subject(subject or ticket.subject),
        requester=ticket.requester,
        organization=ticket.organization,
        channel=ticket.channel,
        status=Status.OPEN,
        priority=ticket.priority,
        category=ticket.category,
        tier=ticket.tier,
        team=ticket.team,
        assignee=ticket.assignee,
        custom_fields=dict(ticket.custom_fields or {}),
        created_at=first.created_at if first else now,
        updated_at=now,
        status_changed_at=now,
    )
    Message.objects.filter(pk__in=ids).update(ticket=new)
    Attachment.objects.filter(message_id__in=ids).update(ticket=new)
    new.tags.set(ticket.tags.all())
    append_search_text(new, new.subject)
    for text in Message.objects.filter(pk__in=ids).values_list("body_text", flat=True):
        append_search_text(new, text)
    new.save()
    _note(ticket, actor, _("Messages were split off into #%(n)s.") % {"n": new.number}, now)
    _note(new, actor, _("Split from #%(n)s.") % {"n": ticket.number}, now)
    ticket.updated_at = now
    ticket.save(update_fields=["updated_at"])
    TicketLink.objects.create(source=ticket, target=new, kind=LinkKind.RELATED, created_by=actor, created_at=now)
    event = emit(TicketSplit(source_id=ticket.pk, new_ticket_id=new.pk, message_ids=ids), subject=ticket, actor=actor)
    event_id = event.pk if event else None
    TicketHistory.objects.bulk_create(
        [
            TicketHistory(
                ticket=ticket, actor=actor, field="split_into", new_value=new.number, at=now, event_id=event_id
            ),
            TicketHistory(
                ticket=new, actor=actor, field="split_from", new_value=ticket.number, at=now, event_id=event_id
            ),
        ]
    )
    audit.record(actor=actor, action="ticket.split", obj=ticket, after={"new": new.number, "messages": ids})
    return new
