"""The inbound SMTP server (``atiende smtpd``), built on aiosmtpd.

* ``RCPT TO`` is checked against the inboxes (plus-addresses included): unknown
  recipients get ``550``, so the sender learns it at once.
* ``DATA`` larger than ``ATIENDE_EMAIL_SMTPD_MAX_BYTES`` gets ``552`` (aiosmtpd).
* The message is stored — one row per inbox it is addressed to, in one transaction —
  and only after the commit does the server answer ``250``. A database or storage
  failure answers ``451``, so the sending server keeps the message and retries.
"""

from __future__ import annotations

import logging
import ssl
from collections import defaultdict
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.db import close_old_connections, connections, transaction

from atiende.channels import conf
from atiende.channels.choices import Source
from atiende.channels.email.intake import base_address, inbox_for, receive
from atiende.channels.models import Inbox

logger = logging.getLogger(__name__)

TEMPORARY_FAILURE = "451 4.3.0 Temporary failure, please try again later"


def _inbox_for_recipient(address: str) -> Inbox | None:
    close_old_connections()
    try:
        return inbox_for([address])
    finally:
        connections.close_all()  # this runs in a worker thread: leave no connection behind


def store(content: bytes, recipients: list[str], mail_from: str) -> list[int]:
    """Store the message for every inbox it is addressed to; all or nothing."""
    close_old_connections()
    try:
        by_inbox: dict[int, tuple[Inbox, list[str]]] = {}
        grouped: dict[int, list[str]] = defaultdict(list)
        for address in recipients:
            inbox = inbox_for([address])
            if inbox is None:
                continue
            by_inbox[inbox.pk] = (inbox, grouped[inbox.pk])
            grouped[inbox.pk].append(address)
        ids = []
        with transaction.atomic():
            for inbox, addresses in by_inbox.values():
                received = receive(
                    source=Source.SMTP,
                    raw=content,
                    inbox=inbox,
                    recipients=addresses,
                    envelope_sender=mail_from,
                    source_ref=f"smtp:{base_address(addresses[0])}",
                )
                ids.append(received.inbound.pk)
        return ids
    finally:
        connections.close_all()


class IntakeHandler:
    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        try:
            inbox = await sync_to_async(_inbox_for_recipient, thread_sensitive=False)(address)
        except Exception:
            logger.exception("smtpd: recipient check failed")
            return TEMPORARY_FAILURE
        if inbox is None:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", errors="surrogateescape")
        try:
            ids = await sync_to_async(store, thread_sensitive=False)(
                content or b"", list(envelope.rcpt_tos), envelope.mail_from or ""
            )
        except Exception:
            logger.exception("smtpd: could not store a message; answering 451 so the sender retries")
            return TEMPORARY_FAILURE
        if not ids:
            return "550 5.1.1 No such mailbox here"
        return f"250 2.0.0 OK: queued as {','.join(str(i) for i in ids)}"


def make_controller(*, host: str, port: int, tls_cert: str = "", tls_key: str = "", **kwargs: Any) -> Controller:
    tls_context = None
    if tls_cert:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(tls_cert, tls_key or None)
    return Controller(
        IntakeHandler(),
        hostname=host,
        port=port,
        data_size_limit=conf.get("ATIENDE_EMAIL_SMTPD_MAX_BYTES"),
        tls_context=tls_context,
        require_starttls=False,
        ident="atiende smtpd",
        decode_data=False,
        enable_SMTPUTF8=True,
        **kwargs,
    )
