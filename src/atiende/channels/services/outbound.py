"""Outbound email that is not an agent reply: notifications for the apps above (automation, SLA)."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from atiende.channels.choices import OutboundKind
from atiende.channels.email.compose import create_outbound, inbox_for_ticket, subject_for, thread_headers
from atiende.channels.models import Inbox, OutboundEmail
from atiende.tickets.models import Ticket


def send_notification(
    *,
    ticket: Ticket,
    to: Sequence[str],
    body: str,
    subject: str = "",
    inbox: Inbox | None = None,
) -> OutboundEmail:
    """Queue an automatic email about ``ticket`` (marked ``Auto-Submitted: auto-generated``).

    It threads with the ticket's mail and is sent after the commit, with retries;
    suppressed recipients are skipped.
    """
    inbox = inbox or inbox_for_ticket(ticket)
    if inbox is None:
        raise ValidationError({"inbox": _("There is no inbox to send this email from.")})
    in_reply_to, references = thread_headers(ticket)
    return create_outbound(
        kind=OutboundKind.NOTIFICATION,
        inbox=inbox,
        ticket=ticket,
        to=list(to),
        subject=subject or subject_for(ticket),
        body_text=body,
        in_reply_to=in_reply_to,
        references=references,
    )
