"""Change ticket fields with validated status transitions and full field history."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from atiende.accounts.models import Organization, Team, User
from atiende.contacts.models import Contact
from atiende.core import clock
from atiende.core.events import emit
from atiende.tickets import custom_fields as cf
from atiende.tickets.choices import TRANSITIONS, Status
from atiende.tickets.events import TicketUpdated
from atiende.tickets.models import Category, Ticket
from atiende.tickets.services.catalog import get_or_create_tags
from atiende.tickets.services.common import (
    changed,
    clean_subject,
    record_audit,
    record_history,
    require_agent,
    snapshot,
)
from atiende.tickets.services.create import check_assignment, check_tier, parse_priority

UPDATABLE = frozenset(
    {
        "subject",
        "status",
        "priority",
        "category",
        "tier",
        "team",
        "assignee",
        "organization",
        "requester",
        "tags",
        "add_tags",
        "remove_tags",
        "custom_fields",
        "ccs",
        "followers",
    }
)
CUSTOMER_UPDATABLE = frozenset({"status"})


def check_transition(ticket: Ticket, new_status: str) -> None:
    if new_status not in Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    if new_status == ticket.status:
        return
    if new_status not in TRANSITIONS[ticket.status]:
        if ticket.status == Status.CLOSED:
            raise ValidationError({"status": _("Closed tickets are final; reply to open a follow-up.")})
        raise ValidationError(
            {"status": _("A ticket cannot go from %(old)s to %(new)s.") % {"old": ticket.status, "new": new_status}}
        )


def apply_status(ticket: Ticket, new_status: str, *, now: Any) -> None:
    """Set the status and the timestamps and counters that depend on it."""
    old = ticket.status
    if new_status == old:
        return
    ticket.status = new_status
    ticket.status_changed_at = now
    if new_status == Status.SOLVED:
        ticket.solved_at = now
        stop_waiting(ticket, now=now)
    elif new_status == Status.CLOSED:
        ticket.closed_at = now
        if ticket.solved_at is None:
            ticket.solved_at = now
        stop_waiting(ticket, now=now)
    elif old == Status.SOLVED:
        ticket.reopen_count += 1


def stop_waiting(ticket: Ticket, *, now: Any) -> None:
    if ticket.waiting_since is not None:
        ticket.customer_wait_seconds += max(0, int((now - ticket.waiting_since).total_seconds()))
        ticket.waiting_since = None


def _check_customer_status(ticket: Ticket, new_status: str, now: Any) -> None:
    if new_status == Status.SOLVED and ticket.status in {Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD}:
        return
    if new_status == Status.OPEN and ticket.status == Status.SOLVED:
        window = timedelta(days=settings.ATIENDE_REOPEN_WINDOW_DAYS)
        if ticket.solved_at is not None and now - ticket.solved_at <= window:
            return
        raise ValidationError({"status": _("This request was solved too long ago to reopen; reply to open a new one.")})
    raise PermissionDenied(_("You can only mark your request as solved or reopen it."))


@transaction.atomic
def update_ticket(*, actor: User | None, ticket: Ticket, **changes: Any) -> Ticket:
    """Change fields of ``ticket``. Accepted keys are listed in ``UPDATABLE``.

    ``tags`` replaces the tags, ``add_tags``/``remove_tags`` edit them;
    ``custom_fields`` is a partial update (``None`` clears a key).
    """
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed.")})
    if actor is not None and not actor.is_agent:
        if set(changes) - CUSTOMER_UPDATABLE:
            raise PermissionDenied(_("You can only mark your request as solved or reopen it."))
    else:
        require_agent(actor)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.status == Status.CLOSED:
        raise ValidationError({"status": _("Closed tickets are final; reply to open a follow-up.")})
    now = clock.now()
    relations = bool(set(changes) & {"tags", "add_tags", "remove_tags", "ccs", "followers"})
    before = snapshot(ticket, relations=relations)

    if "subject" in changes:
        ticket.subject = clean_subject(changes["subject"])
    if "priority" in changes:
        ticket.priority = parse_priority(changes["priority"])
    if "tier" in changes:
        ticket.tier = check_tier(changes["tier"])
    if "requester" in changes:
        requester: Contact = changes["requester"]
        ticket.requester = requester
        if "organization" not in changes:
            ticket.organization = requester.organization
    if "organization" in changes:
        org: Organization | None = changes["organization"]
        ticket.organization = org
    category_changed = False
    if "category" in changes:
        category: Category | None = changes["category"]
        if category is not None and not category.is_active and category.pk != ticket.category_id:
            raise ValidationError({"category": _("This category is not available.")})
        category_changed = category != ticket.category
        ticket.category = category
    if "team" in changes:
        team: Team | None = changes["team"]
        ticket.team = team
        if "assignee" not in changes and ticket.assignee is not None:
            # Moving to a team the assignee is not in leaves the ticket unassigned.
            if (
                team is not None
                and not ticket.assignee.sees_all_tickets
                and not team.members.filter(pk=ticket.assignee_id).exists()
            ):
                ticket.assignee = None
    if "assignee" in changes:
        ticket.assignee = changes["assignee"]
    if "team" in changes or "assignee" in changes:
        check_assignment(ticket.team, ticket.assignee)
    if "custom_fields" in changes or category_changed:
        raw = changes.get("custom_fields") or {}
        if not isinstance(raw, dict):
            raise ValidationError({"custom_fields": _("Expected an object of field keys and values.")})
        ticket.custom_fields = cf.validate(category=ticket.category, current=ticket.custom_fields or {}, changes=raw)
    if "status" in changes:
        new_status = changes["status"]
        if actor is not None and not actor.is_agent:
            _check_customer_status(ticket, new_status, now)
        check_transition(ticket, new_status)
        apply_status(ticket, new_status, now=now)
    elif ticket.status == Status.NEW and "assignee" in changes and ticket.assignee is not None:
        apply_status(ticket, Status.OPEN, now=now)

    ticket.updated_at = now
    ticket.save()
    if "tags" in changes:
        ticket.tags.set(get_or_create_tags(_names(changes["tags"])))
    if changes.get("add_tags"):
        ticket.tags.add(*get_or_create_tags(_names(changes["add_tags"])))
    if changes.get("remove_tags"):
        ticket.tags.remove(
            *ticket.tags.filter(name__in=[t.name for t in get_or_create_tags(_names(changes["remove_tags"]))])
        )
    if "ccs" in changes:
        ticket.ccs.set([c for c in changes["ccs"] if c.pk != ticket.requester_id])
    if "followers" in changes:
        followers = list(changes["followers"])
        if any(not f.is_agent for f in followers):
            raise ValidationError({"followers": _("Only agents can follow tickets.")})
        ticket.followers.set(followers)

    diff = changed(before, snapshot(ticket, relations=relations))
    if diff:
        event = emit(TicketUpdated(ticket_id=ticket.pk, fields=sorted(diff)), subject=ticket, actor=actor, changes=diff)
        record_history(ticket=ticket, actor=actor, changes=diff, at=now, event=event)
        record_audit(actor=actor, action="ticket.updated", ticket=ticket, changes=diff)
    return ticket


def _names(value: Any) -> Iterable[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValidationError({"tags": _("Expected a list of tags.")})
    return [str(v) for v in value]
