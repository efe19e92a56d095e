"""In-app notifications (the bell) and the notices customers get about their tickets."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import override

from atiende.accounts.models import Organization, User
from atiende.automation.choices import CustomerNotice, NotificationKind
from atiende.automation.models import (
    CustomerNoticeSent,
    CustomerOptOut,
    Notification,
    NotificationTemplate,
)
from atiende.automation.templating import render, ticket_context
from atiende.contacts.models import Contact
from atiende.core import clock
from atiende.tickets.models import Ticket

logger = logging.getLogger(__name__)


# --- in-app ------------------------------------------------------------------------------------------


def notify(
    *,
    recipient: User,
    title: str,
    body: str = "",
    ticket: Ticket | None = None,
    url: str = "",
    kind: str = NotificationKind.RULE,
) -> Notification:
    return Notification.objects.create(
        recipient=recipient,
        kind=kind,
        title=title[:200],
        body=body,
        ticket=ticket,
        url=url[:500],
        created_at=clock.now(),
    )


def notify_admins(*, title: str, body: str = "", url: str = "", kind: str = NotificationKind.SYSTEM) -> int:
    admins = list(User.objects.filter(role="admin", is_active=True))
    for admin in admins:
        notify(recipient=admin, title=title, body=body, url=url, kind=kind)
    return len(admins)


def mark_read(*, actor: User, ids: list[int] | None = None) -> int:
    """Mark ``actor``'s notifications read (all when ``ids`` is None). Returns how many."""
    qs = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=clock.now())


# --- customer notices -------------------------------------------------------------------------------------------


def default_template(notice: str) -> tuple[str, str]:
    """The built-in subject and text of a notice, in the active language."""
    if notice == CustomerNotice.RECEIVED:
        return (
            _("We received your request [#{{ ticket.number }}]"),
            _(
                'Hello {{ requester.first_name | default:"there" }},\n\n'
                "We have received your request and opened ticket #{{ ticket.number }}: “{{ ticket.subject }}”.\n"
                "You can follow it here: {{ ticket.url }}\n"
            ),
        )
    if notice == CustomerNotice.AGENT_REPLIED:
        return (
            _("New reply on your request [#{{ ticket.number }}]"),
            _('Hello {{ requester.first_name | default:"there" }},\n\nWe replied to your request: {{ ticket.url }}\n'),
        )
    if notice == CustomerNotice.WAITING:
        return (
            _("We are waiting for your answer [#{{ ticket.number }}]"),
            _(
                'Hello {{ requester.first_name | default:"there" }},\n\n'
                "To go on with your request #{{ ticket.number }} we need an answer from you. "
                "Reply to this email or write here: {{ ticket.url }}\n"
            ),
        )
    return (
        _("Your request was solved [#{{ ticket.number }}]"),
        _(
            'Hello {{ requester.first_name | default:"there" }},\n\n'
            "We have solved your request #{{ ticket.number }}: “{{ ticket.subject }}”.\n"
            "If something is still wrong, reopen it here: {{ ticket.url }}\n"
            "Tell us how we did: {{ ticket.url }}#rate\n"
        ),
    )


def template_for(
    *, notice: str, language: str, inbox_id: int | None, organization_id: int | None
) -> NotificationTemplate | None:
    """The most specific template: inbox and organization, organization, inbox, desk-wide."""
    rows = list(
        NotificationTemplate.objects.filter(notice=notice, language=language)
        .filter(Q(inbox_id=inbox_id) | Q(inbox__isnull=True))
        .filter(Q(organization_id=organization_id) | Q(organization__isnull=True))
    )
    rows.sort(key=lambda t: (t.organization_id is not None, t.inbox_id is not None), reverse=True)
    return rows[0] if rows else None


def language_for(ticket: Ticket, inbox_language: str = "") -> str:
    lang = ticket.requester.language or inbox_language or "es"
    return "en" if lang.startswith("en") else "es"


def send_customer_notice(*, ticket: Ticket, notice: str, event_id: Any) -> int | None:
    """Send ``notice`` about ``ticket`` to its requester, by email (the channel used so far).

    Skipped when the requester opted out, has no email, no inbox can send, the scope's
    template is disabled, or this event already sent it. Returns the outbound id.
    """
    from atiende.channels.email.compose import email_of, inbox_for_ticket
    from atiende.channels.services.outbound import send_notification

    if CustomerOptOut.objects.filter(contact_id=ticket.requester_id, notice=notice).exists():
        return None
    address = email_of(ticket.requester)
    if not address:
        return None
    inbox = inbox_for_ticket(ticket)
    if inbox is None:
        return None
    language = language_for(ticket, inbox.language)
    template = template_for(notice=notice, language=language, inbox_id=inbox.pk, organization_id=ticket.organization_id)
    if template is not None and not template.is_enabled:
        return None
    with override(language):
        subject_t, body_t = default_template(notice)
        if template is not None:
            subject_t = template.subject or subject_t
            body_t = template.body or body_t
        values = ticket_context(ticket)
        subject = render(subject_t, values)
        body = render(body_t, values)
    try:
        with transaction.atomic():
            sent = CustomerNoticeSent.objects.create(
                ticket=ticket, notice=notice, event_id=event_id, created_at=clock.now()
            )
            outbound = send_notification(ticket=ticket, to=[address], subject=subject, body=body, inbox=inbox)
            sent.outbound_id = outbound.pk
            sent.save(update_fields=["outbound_id"])
    except IntegrityError:
        return None
    except ValidationError:
        logger.warning("no inbox to send the %s notice of ticket %s", notice, ticket.pk)
        return None
    return int(outbound.pk)


@transaction.atomic
def save_template(
    *,
    actor: User | None,
    notice: str,
    language: str,
    subject: str = "",
    body: str = "",
    is_enabled: bool = True,
    inbox: Any = None,
    organization: Organization | None = None,
    template: NotificationTemplate | None = None,
) -> NotificationTemplate:
    if actor is not None and not actor.is_manager:
        raise PermissionDenied(_("Only supervisors and administrators can change automation."))
    errors: dict[str, str] = {}
    if notice not in CustomerNotice.values:
        errors["notice"] = _("Unknown notice.")
    if language not in {"es", "en"}:
        errors["language"] = _("Use es or en.")
    if errors:
        raise ValidationError(errors)
    row = template or NotificationTemplate()
    row.notice, row.language, row.subject, row.body = notice, language, subject.strip()[:255], body
    row.is_enabled, row.inbox, row.organization = is_enabled, inbox, organization
    row.updated_at = clock.now()
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ValidationError(
            {"notice": _("There is already a template for this notice, language and scope.")}
        ) from None
    return row


@transaction.atomic
def set_opt_out(*, contact: Contact, notice: str, opted_out: bool) -> None:
    if notice not in CustomerNotice.values or notice == CustomerNotice.RECEIVED:
        raise ValidationError({"notice": _("This notice cannot be turned off.")})
    if opted_out:
        CustomerOptOut.objects.get_or_create(contact=contact, notice=notice, defaults={"created_at": clock.now()})
    else:
        CustomerOptOut.objects.filter(contact=contact, notice=notice).delete()
