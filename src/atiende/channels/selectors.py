"""Read side of the channels app, scoped by the viewer.

Inboxes, the quarantine and the suppression list are for administrators. Agents see
the email records (threading reason, delivery status) of the tickets they can see.
"""

from __future__ import annotations

from django.db.models import QuerySet

from atiende.accounts.choices import Role
from atiende.accounts.models import User
from atiende.channels.choices import Outcome
from atiende.channels.models import InboundEmail, Inbox, OutboundEmail, Suppression
from atiende.tickets.selectors import tickets_visible_to


def is_admin(viewer: User) -> bool:
    return viewer.is_active and viewer.role == Role.ADMIN


def inboxes_visible_to(viewer: User) -> QuerySet[Inbox]:
    qs = Inbox.objects.select_related("team", "mailbox_state")
    return qs if is_admin(viewer) else qs.none()


def quarantine_visible_to(viewer: User) -> QuerySet[InboundEmail]:
    qs = InboundEmail.objects.filter(outcome=Outcome.QUARANTINED).select_related("inbox", "ticket")
    return qs if is_admin(viewer) else qs.none()


def inbound_visible_to(viewer: User) -> QuerySet[InboundEmail]:
    """Received email of the tickets the viewer sees (agents only; admins see all)."""
    qs = InboundEmail.objects.select_related("inbox", "ticket")
    if is_admin(viewer):
        return qs
    if not viewer.is_agent:
        return qs.none()
    return qs.filter(ticket__in=tickets_visible_to(viewer))


def outbound_visible_to(viewer: User) -> QuerySet[OutboundEmail]:
    qs = OutboundEmail.objects.select_related("inbox", "ticket")
    if is_admin(viewer):
        return qs
    if not viewer.is_agent:
        return qs.none()
    return qs.filter(ticket__in=tickets_visible_to(viewer))


def suppressions_visible_to(viewer: User) -> QuerySet[Suppression]:
    qs = Suppression.objects.all()
    return qs if is_admin(viewer) else qs.none()
