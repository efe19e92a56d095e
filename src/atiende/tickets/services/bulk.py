"""Bulk actions of the ticket list: the same services, once per ticket.

Each ticket changes in its own transaction (through ``update_ticket`` or
``merge_tickets``), so one ticket that cannot change (closed, a bad transition) does not
undo the others; the result says which ones failed and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from atiende.accounts.models import User
from atiende.tickets.models import Ticket
from atiende.tickets.services.common import require_agent
from atiende.tickets.services.merge import merge_tickets
from atiende.tickets.services.update import update_ticket

MAX_BULK = 500


@dataclass
class BulkResult:
    changed: list[int] = field(default_factory=list)  # ticket numbers
    failed: dict[int, str] = field(default_factory=dict)  # number → reason


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or exc.__class__.__name__


def _check(actor: User, tickets: Sequence[Ticket]) -> None:
    require_agent(actor)
    if not tickets:
        raise ValidationError({"tickets": _("Select at least one ticket.")})
    if len(tickets) > MAX_BULK:
        raise ValidationError({"tickets": _("Select at most %(n)d tickets at a time.") % {"n": MAX_BULK}})


def bulk_update_tickets(*, actor: User, tickets: Sequence[Ticket], **changes: Any) -> BulkResult:
    """Apply the same ``update_ticket`` changes to every ticket."""
    _check(actor, tickets)
    if not changes:
        raise ValidationError({"action": _("Choose what to change.")})
    result = BulkResult()
    for ticket in tickets:
        try:
            update_ticket(actor=actor, ticket=ticket, **changes)
        except (ValidationError, PermissionDenied) as exc:
            result.failed[ticket.number] = _reason(exc)
        else:
            result.changed.append(ticket.number)
    return result


def bulk_merge_tickets(*, actor: User, tickets: Sequence[Ticket], target: Ticket) -> BulkResult:
    """Merge every ticket but ``target`` into ``target``."""
    _check(actor, tickets)
    result = BulkResult()
    for ticket in tickets:
        if ticket.pk == target.pk:
            continue
        try:
            merge_tickets(actor=actor, source=ticket, target=target)
        except (ValidationError, PermissionDenied) as exc:
            result.failed[ticket.number] = _reason(exc)
        else:
            result.changed.append(ticket.number)
    return result
