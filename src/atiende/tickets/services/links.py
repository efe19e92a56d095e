"""Link tickets: parent/child, related, duplicate."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from atiende.accounts.models import User
from atiende.core import clock
from atiende.core.events import emit
from atiende.tickets.choices import LinkKind
from atiende.tickets.events import TicketLinked, TicketUnlinked
from atiende.tickets.models import Ticket, TicketHistory, TicketLink
from atiende.tickets.services.common import require_agent


def _is_ancestor(candidate: Ticket, of: Ticket) -> bool:
    """True when ``candidate`` is a parent (at any depth) of ``of``."""
    frontier = {of.pk}
    seen: set[int] = set()
    while frontier:
        parents = set(
            TicketLink.objects.filter(kind=LinkKind.PARENT, target_id__in=frontier).values_list("source_id", flat=True)
        )
        if candidate.pk in parents:
            return True
        seen |= frontier
        frontier = parents - seen
    return False


@transaction.atomic
def link_tickets(*, actor: User | None, source: Ticket, target: Ticket, kind: str) -> TicketLink:
    """``parent``: source is the parent of target; ``duplicate``: source duplicates target."""
    require_agent(actor)
    if kind not in LinkKind.values:
        raise ValidationError({"kind": _("Choose parent, related or duplicate.")})
    if source.pk == target.pk:
        raise ValidationError({"target": _("A ticket cannot be linked to itself.")})
    existing = TicketLink.objects.filter(
        Q(source=source, target=target) | Q(source=target, target=source), kind=kind
    ).first()
    if existing is not None:
        if kind != LinkKind.RELATED and existing.source_id != source.pk:
            raise ValidationError({"target": _("These tickets are already linked the other way round.")})
        return existing
    if kind == LinkKind.PARENT and _is_ancestor(target, source):
        raise ValidationError({"target": _("That would make a ticket its own ancestor.")})
    now = clock.now()
    try:
        with transaction.atomic():
            link = TicketLink.objects.create(source=source, target=target, kind=kind, created_by=actor, created_at=now)
    except IntegrityError:
        raise ValidationError({"target": _("These tickets are already linked.")}) from None
    event = emit(TicketLinked(source_id=source.pk, target_id=target.pk, kind=kind), subject=source, actor=actor)
    TicketHistory.objects.bulk_create(
        [
            TicketHistory(
                ticket=source,
                actor=actor,
                field=f"link.{kind}",
                new_value=target.number,
                at=now,
                event_id=event.pk if event else None,
            ),
            TicketHistory(
                ticket=target,
                actor=actor,
                field=f"linked_from.{kind}",
                new_value=source.number,
                at=now,
                event_id=event.pk if event else None,
            ),
        ]
    )
    return link


@transaction.atomic
def unlink_tickets(*, actor: User | None, link: TicketLink) -> None:
    require_agent(actor)
    source, target, kind = link.source, link.target, link.kind
    link.delete()
    now = clock.now()
    event = emit(TicketUnlinked(source_id=source.pk, target_id=target.pk, kind=kind), subject=source, actor=actor)
    TicketHistory.objects.create(
        ticket=source,
        actor=actor,
        field=f"link.{kind}",
        old_value=target.number,
        at=now,
        event_id=event.pk if event else None,
    )
