"""Bounces and complaints: find the mail they are about, mark it, suppress the recipient.

A delivery report is attached to the ticket of the original message (the inbound row
points at it and the outbound mail gets status ``bounced``); no message is added to the
ticket, so nothing reopens and nobody is notified. A permanent failure or a complaint
puts the recipient on the suppression list; temporary ones ("delayed") do not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from atiende.channels.choices import DeliveryStatus, MailKind, SuppressionReason
from atiende.channels.email.detect import Verdict
from atiende.channels.email.threading import ticket_for_message_ids
from atiende.channels.models import InboundEmail, OutboundEmail, Suppression
from atiende.core import clock
from atiende.tickets.models import Ticket


@dataclass
class BounceResult:
    ticket: Ticket | None
    outbound: OutboundEmail | None
    suppressed: list[str] = field(default_factory=list)
    detail: str = ""


def suppress(address: str, *, reason: str, detail: str = "", inbound: InboundEmail | None = None) -> bool:
    """Put ``address`` on the suppression list; False when it already was."""
    address = (address or "").strip().lower()
    if not address or "@" not in address:
        return False
    _row, created = Suppression.objects.get_or_create(
        address=address[:320],
        defaults={"reason": reason, "detail": detail[:2000], "inbound": inbound, "created_at": clock.now()},
    )
    return created


def is_suppressed(address: str) -> bool:
    return Suppression.objects.filter(address=(address or "").strip().lower()).exists()


def our_message_ids(verdict: Verdict) -> list[str]:
    """The Message-IDs we issued (``<atd.…@…>``) that a report names.

    Only those can lead to our mail: bounces of mail we never sent (backscatter) need no
    lookup at all, and nothing in the database changes for them.
    """
    return [m for m in verdict.original_message_ids if m.lower().startswith("<atd.")]


def handle(verdict: Verdict, *, inbound: InboundEmail) -> BounceResult:
    ids = verdict.original_message_ids
    ours = our_message_ids(verdict)
    outbound = OutboundEmail.objects.filter(message_id__in=ours).order_by("-id").first() if ours else None
    ticket: Ticket | None = None
    if outbound is not None and outbound.ticket_id is not None:
        ticket = Ticket.objects.filter(pk=outbound.ticket_id).first()
    elif ours:
        found = ticket_for_message_ids(ours, exclude_inbound=inbound.pk)
        for message_id in ours:
            if message_id in found:
                ticket = Ticket.objects.filter(pk=found[message_id].pk).first()
                break
    suppressed: list[str] = []
    if outbound is not None:
        # Only addresses this mail went to: a forged report cannot silence anyone else,
        # and it cannot name our Message-ID (it carries a signed token) without having it.
        sent_to = {outbound.recipient.lower(), *(c.lower() for c in outbound.cc), *(t.lower() for t in outbound.to)}
        failed = [a for a in verdict.failed_recipients if a in sent_to]
        if not verdict.failed_recipients and verdict.permanent:
            failed = [outbound.recipient.lower()]
        if verdict.permanent or verdict.kind == MailKind.COMPLAINT:
            OutboundEmail.objects.filter(pk=outbound.pk).update(
                status=DeliveryStatus.BOUNCED, last_error="; ".join(verdict.reasons)[:2000], updated_at=clock.now()
            )
            reason = SuppressionReason.COMPLAINT if verdict.kind == MailKind.COMPLAINT else SuppressionReason.BOUNCE
            for address in failed:
                if suppress(address, reason=reason, detail="; ".join(verdict.reasons), inbound=inbound):
                    suppressed.append(address)
    if outbound is not None:
        detail = f"about our message {outbound.message_id[:200]}"
    elif ids:
        detail = f"about {ids[0][:200]} (not a message we sent: nothing suppressed)"
    else:
        detail = "original message not found: nothing suppressed"
    return BounceResult(ticket=ticket, outbound=outbound, suppressed=suppressed, detail=detail)
