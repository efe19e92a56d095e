"""Helpers shared by the ticket services: state snapshots, history rows, role checks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from atiende.accounts import audit
from atiende.accounts.models import User
from atiende.core.models import OutboxEvent
from atiende.tickets.choices import PRIORITY_NAMES
from atiende.tickets.models import Ticket, TicketHistory

SEARCH_TEXT_LIMIT = 64 * 1024


RELATION_FIELDS = frozenset({"tags", "ccs", "followers"})


def snapshot(ticket: Ticket, *, relations: bool | Mapping[str, list[Any]] = True) -> dict[str, Any]:
    """The tracked fields of a ticket, as plain JSON values.

    ``relations=False`` skips the many-to-many fields (three queries) for changes
    that cannot touch them; a mapping gives their values when the caller knows them
    (a ticket just created).
    """
    state: dict[str, Any] = {
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": PRIORITY_NAMES.get(ticket.priority, ticket.priority),
        "category": ticket.category_id,
        "tier": ticket.tier,
        "team": ticket.team_id,
        "assignee": ticket.assignee_id,
        "organization": ticket.organization_id,
        "requester": ticket.requester_id,
    }
    if isinstance(relations, Mapping):
        state.update({key: list(relations[key]) for key in ("tags", "ccs", "followers")})
    elif ticket.pk and relations:
        state["tags"] = sorted(ticket.tags.values_list("name", flat=True))
        state["ccs"] = sorted(ticket.ccs.values_list("pk", flat=True))
        state["followers"] = sorted(ticket.followers.values_list("pk", flat=True))
    for key, value in sorted((ticket.custom_fields or {}).items()):
        state[f"custom_fields.{key}"] = value
    return state


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    keys = sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def record_history(
    *,
    ticket: Ticket,
    actor: User | None,
    changes: dict[str, list[Any]],
    at: datetime,
    event: OutboxEvent | None,
) -> None:
    TicketHistory.objects.bulk_create(
        [
            TicketHistory(
                ticket=ticket,
                actor=actor,
                field=field,
                old_value=old,
                new_value=new,
                at=at,
                event_id=event.pk if event is not None else None,
            )
            for field, (old, new) in changes.items()
        ]
    )


def record_audit(*, actor: User | None, action: str, ticket: Ticket, changes: dict[str, list[Any]]) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=ticket,
        before={k: v[0] for k, v in changes.items()},
        after={k: v[1] for k, v in changes.items()},
    )


def require_agent(actor: User | None, *, full: bool = True) -> None:
    """Agents (and, unless ``full``, light agents) may do this; the system (None) may too."""
    if actor is None:
        return
    if not actor.is_agent or (full and not actor.can_reply_publicly):
        raise PermissionDenied(_("Your role does not allow this."))


def append_search_text(ticket: Ticket, text: str) -> None:
    if text:
        ticket.search_text = (ticket.search_text + "\n" + text)[:SEARCH_TEXT_LIMIT]


def clean_subject(subject: str) -> str:
    subject = " ".join((subject or "").split())  # no CR/LF: it may end up in a mail header
    if not subject:
        raise ValidationError({"subject": _("This field is required.")})
    return subject[:255]
