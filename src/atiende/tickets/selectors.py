"""Read side of tickets. Every queryset is scoped by the viewer's role, teams and organization.

* admins and supervisors: every ticket;
* agents and light agents: tickets of their teams, assigned to them, or with no team;
* customers: tickets they requested or are CC'd on, plus their organization's when the
  organization allows it; never internal notes or agent-only fields.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from atiende.accounts.models import User
from atiende.contacts.models import Contact
from atiende.core.models import OutboxEvent
from atiende.core.search import filter_full_text
from atiende.tickets.choices import MessageKind
from atiende.tickets.models import (
    Attachment,
    Category,
    CustomField,
    Message,
    Tag,
    Ticket,
    TicketHistory,
    TicketLink,
)


def ticket_scope(viewer: User) -> Q:
    if not viewer.is_active:
        return Q(pk__in=[])
    if viewer.sees_all_tickets:
        return Q()
    if viewer.is_agent:
        team_ids = list(viewer.teams.values_list("pk", flat=True))
        return Q(team_id__in=team_ids) | Q(assignee_id=viewer.pk) | Q(team__isnull=True)
    contact_ids = list(Contact.objects.filter(user=viewer).values_list("pk", flat=True))
    scope = Q(requester_id__in=contact_ids) | Q(
        pk__in=Ticket.ccs.through.objects.filter(contact_id__in=contact_ids).values("ticket_id")
    )
    org = viewer.organization
    if org is not None and org.members_see_org_tickets:
        scope |= Q(organization_id=org.pk)
    return scope


def tickets_visible_to(viewer: User) -> QuerySet[Ticket]:
    return Ticket.objects.filter(ticket_scope(viewer))


def ticket_list_rows(viewer: User) -> QuerySet[Ticket]:
    """Visible tickets with their foreign keys joined; many-to-many relations not loaded."""
    return (
        tickets_visible_to(viewer)
        .select_related("requester", "organization", "category", "team", "assignee")
        .defer("search_text")
    )


def ticket_list(viewer: User) -> QuerySet[Ticket]:
    """Visible tickets with what a list page shows loaded in a fixed number of queries."""
    return ticket_list_rows(viewer).prefetch_related("tags")


def ticket_detail(viewer: User) -> QuerySet[Ticket]:
    return ticket_list(viewer).prefetch_related("ccs", "followers")


def search_tickets(queryset: QuerySet[Ticket], query: str) -> QuerySet[Ticket]:
    """``#1042`` or a bare number matches the ticket number; other text is full-text."""
    text = query.strip()
    if text.startswith("#") and text[1:].isdigit():
        return queryset.filter(number=int(text[1:]))
    if text.isdigit():
        matches = filter_full_text(Ticket.objects.all(), "search_text", text).values("pk")
        return queryset.filter(Q(number=int(text)) | Q(pk__in=matches))
    return filter_full_text(queryset, "search_text", text)


def messages_visible_to(viewer: User, ticket: Ticket) -> QuerySet[Message]:
    qs = (
        Message.objects.filter(ticket=ticket)
        .select_related("author_user", "author_contact")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.select_related("blob")))
    )
    if not viewer.is_agent:
        qs = qs.exclude(kind=MessageKind.NOTE)
    return qs.order_by("created_at", "id")


def attachments_visible_to(viewer: User) -> QuerySet[Attachment]:
    qs = Attachment.objects.filter(ticket__in=tickets_visible_to(viewer)).select_related("blob", "message")
    if not viewer.is_agent:
        qs = qs.exclude(message__kind=MessageKind.NOTE)
    return qs


def history_visible_to(viewer: User, ticket: Ticket) -> QuerySet[TicketHistory]:
    if not viewer.is_agent:
        return TicketHistory.objects.none()
    return TicketHistory.objects.filter(ticket=ticket).select_related("actor").order_by("at", "id")


def events_of(viewer: User, ticket: Ticket) -> QuerySet[OutboxEvent]:
    if not viewer.is_agent:
        return OutboxEvent.objects.none()
    return OutboxEvent.objects.filter(subject_type="tickets.ticket", subject_id=str(ticket.pk)).order_by("created_at")


def links_of(viewer: User, ticket: Ticket) -> QuerySet[TicketLink]:
    visible = tickets_visible_to(viewer)
    return (
        TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket))
        .filter(source__in=visible, target__in=visible)
        .select_related("source", "target")
    )


def categories_visible_to(viewer: User) -> QuerySet[Category]:
    qs = Category.objects.select_related("parent", "default_team").prefetch_related("form__field")
    return qs if viewer.is_agent else qs.filter(is_active=True)


def custom_fields_visible_to(viewer: User) -> QuerySet[CustomField]:
    qs = CustomField.objects.all()
    return qs if viewer.is_agent else qs.filter(is_active=True, agent_only=False)


def tags_visible_to(viewer: User) -> QuerySet[Tag]:
    return Tag.objects.all() if viewer.is_agent else Tag.objects.none()
