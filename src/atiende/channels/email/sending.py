"""Send one :class:`OutboundEmail` through Django's email backend (SMTP or anymail).

* A row is *claimed* (status ``sending``) with a conditional update, so two workers never
  send the same mail; a worker killed mid-send leaves a claim the sweeper releases.
* Temporary failures are retried with exponential backoff (``deferred``, then again);
  after ``ATIENDE_EMAIL_SEND_ATTEMPTS`` the mail is ``failed``. A recipient the server
  refuses permanently (5xx) is suppressed.
* Headers: our Message-ID (recorded for threading), In-Reply-To/References of the
  thread, the reply token in Reply-To, and on automatic mail ``Auto-Submitted:
  auto-generated`` (RFC 3834), ``X-Auto-Response-Suppress`` and ``X-Loop``. Every value
  was cleaned of CR/LF when the row was composed, and is checked again here.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q

from atiende.channels import conf
from atiende.channels.choices import AUTOMATIC_KINDS, DeliveryStatus, Security, SuppressionReason
from atiende.channels.email.bounces import is_suppressed, suppress
from atiende.channels.email.hosts import check_host
from atiende.channels.email.text import header_text
from atiende.channels.events import EmailDeliveryFailed, EmailSent
from atiende.channels.models import Inbox, OutboundEmail
from atiende.core import clock
from atiende.core.events import emit
from atiende.tickets.models import Attachment

logger = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=10)
SENDABLE = (DeliveryStatus.QUEUED, DeliveryStatus.DEFERRED)


class PermanentFailure(Exception):
    pass


def backoff(attempts: int) -> timedelta:
    base = conf.get("ATIENDE_EMAIL_SEND_BACKOFF")
    return timedelta(seconds=min(6 * 3600, base * 2 ** max(0, attempts - 1)))


def claim(outbound_id: int) -> OutboundEmail | None:
    now = clock.now()
    with transaction.atomic():
        claimed = (
            OutboundEmail.objects.filter(pk=outbound_id, status__in=SENDABLE)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .update(status=DeliveryStatus.SENDING, claimed_at=now, updated_at=now)
        )
    if not claimed:
        return None
    return OutboundEmail.objects.select_related("inbox", "ticket").get(pk=outbound_id)


def connection_for(inbox: Inbox | None) -> object:
    if inbox is None or not inbox.smtp_host:
        return get_connection()
    port = inbox.smtp_port or (465 if inbox.smtp_security == Security.SSL else 587)
    check_host(inbox.smtp_host, port)
    return get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host=inbox.smtp_host,
        port=port,
        username=inbox.smtp_username or None,
        password=inbox.smtp_password() or None,
        use_tls=inbox.smtp_security == Security.STARTTLS,
        use_ssl=inbox.smtp_security == Security.SSL,
        timeout=30,
    )


def build(outbound: OutboundEmail, *, to: list[str], cc: list[str]) -> EmailMultiAlternatives:
    headers = {"Message-ID": header_text(outbound.message_id)}
    if outbound.in_reply_to:
        headers["In-Reply-To"] = header_text(outbound.in_reply_to)
    if outbound.references:
        headers["References"] = header_text(outbound.references)
    if outbound.kind in AUTOMATIC_KINDS:
        headers["Auto-Submitted"] = "auto-generated"
        headers["X-Auto-Response-Suppress"] = "All"
        if outbound.inbox is not None:
            headers["X-Loop"] = header_text(outbound.inbox.address)
    email = EmailMultiAlternatives(
        subject=header_text(outbound.subject),
        body=outbound.body_text,
        from_email=header_text(outbound.from_address),
        to=[header_text(a) for a in to],
        cc=[header_text(a) for a in cc],
        reply_to=[header_text(outbound.reply_to)] if outbound.reply_to else None,
        headers=headers,
    )
    if outbound.body_html:
        email.attach_alternative(outbound.body_html, "text/html")
    if outbound.ticket_message_id is not None:
        for attachment in Attachment.objects.filter(message_id=outbound.ticket_message_id).select_related("blob"):
            with attachment.blob.file.open("rb") as handle:
                email.attach(header_text(attachment.filename, limit=200), handle.read(), attachment.content_type)
    return email


def _refused_permanently(exc: Exception) -> list[str] | None:
    """Recipients a server refused with a 5xx code; None when the failure is temporary."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = [addr for addr, (code, _msg) in exc.recipients.items() if 500 <= code < 600]
        return refused if len(refused) == len(exc.recipients) else None
    if isinstance(exc, (smtplib.SMTPDataError, smtplib.SMTPSenderRefused)) and 500 <= exc.smtp_code < 600:
        return []
    return None


def send(outbound_id: int) -> str:
    """Send one outbound mail if it is due; returns its status afterwards."""
    outbound = claim(outbound_id)
    if outbound is None:
        row = OutboundEmail.objects.filter(pk=outbound_id).values_list("status", flat=True).first()
        return row or ""
    to = [a for a in outbound.to if not is_suppressed(a)]
    cc = [a for a in outbound.cc if not is_suppressed(a)]
    if not to:
        return _finish(outbound, DeliveryStatus.SUPPRESSED, error="every recipient is suppressed")
    attempts = outbound.attempts + 1
    try:
        email = build(outbound, to=to, cc=cc)
        connection = connection_for(outbound.inbox)
        sent = connection.send_messages([email])  # type: ignore[attr-defined]
        if not sent:
            raise smtplib.SMTPException("the backend sent nothing")
    except Exception as exc:
        refused = _refused_permanently(exc)
        error = f"{exc.__class__.__name__}: {exc}"[:2000]
        if refused is not None:
            for address in refused:
                suppress(str(address), reason=SuppressionReason.REJECTED, detail=error)
            return _finish(outbound, DeliveryStatus.FAILED, error=error, attempts=attempts)
        if attempts >= conf.get("ATIENDE_EMAIL_SEND_ATTEMPTS"):
            return _finish(outbound, DeliveryStatus.FAILED, error=error, attempts=attempts)
        logger.warning("outbound email %s: attempt %s failed (%s); retrying", outbound.pk, attempts, error)
        return _finish(
            outbound,
            DeliveryStatus.DEFERRED,
            error=error,
            attempts=attempts,
            next_attempt_at=clock.now() + backoff(attempts),
        )
    status = getattr(email, "anymail_status", None)
    provider_id = str(getattr(status, "message_id", "") or "")[:255] if status is not None else ""
    return _finish(outbound, DeliveryStatus.SENT, attempts=attempts, provider_message_id=provider_id)


@transaction.atomic
def _finish(
    outbound: OutboundEmail,
    status: str,
    *,
    error: str = "",
    attempts: int | None = None,
    next_attempt_at: object = None,
    provider_message_id: str = "",
) -> str:
    now = clock.now()
    fields: dict[str, object] = {
        "status": status,
        "last_error": error,
        "next_attempt_at": next_attempt_at,
        "claimed_at": None,
        "updated_at": now,
    }
    if attempts is not None:
        fields["attempts"] = attempts
    if status == DeliveryStatus.SENT:
        fields["sent_at"] = now
        fields["provider_message_id"] = provider_message_id
    OutboundEmail.objects.filter(pk=outbound.pk).update(**fields)
    if status == DeliveryStatus.SENT:
        emit(
            EmailSent(outbound_id=outbound.pk, ticket_id=outbound.ticket_id, kind=outbound.kind),
            subject=outbound.ticket or outbound,
        )
    elif status in (DeliveryStatus.FAILED, DeliveryStatus.SUPPRESSED):
        emit(
            EmailDeliveryFailed(outbound_id=outbound.pk, ticket_id=outbound.ticket_id, status=status),
            subject=outbound.ticket or outbound,
        )
    return status


def due(limit: int = 100) -> list[int]:
    """Outbound mail to (re)send now, releasing claims of workers that died mid-send."""
    now = clock.now()
    OutboundEmail.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT).update(
        status=DeliveryStatus.DEFERRED, claimed_at=None, next_attempt_at=now, updated_at=now
    )
    stale = now - timedelta(seconds=60)
    return list(
        OutboundEmail.objects.filter(status__in=SENDABLE)
        .filter(
            Q(status=DeliveryStatus.DEFERRED, next_attempt_at__lte=now)
            | Q(status=DeliveryStatus.QUEUED, created_at__lte=stale)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
