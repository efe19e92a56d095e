"""Factories for the channels tests: inboxes through the real service, messages as real bytes."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime, make_msgid
from typing import Any

from atiende.channels import services
from atiende.channels.choices import Source
from atiende.channels.email import pipeline
from atiende.channels.email.intake import receive
from atiende.channels.models import InboundEmail, Inbox
from atiende.core import clock
from atiende.tickets.models import Message, Ticket

_seq = itertools.count(1)


def make_inbox(*, address: str | None = None, name: str | None = None, **extra: Any) -> Inbox:
    n = next(_seq)
    return services.create_inbox(
        actor=None,
        name=name or f"Soporte {n}",
        address=address or f"soporte{n}@desk{n}.example",
        **extra,
    )


def build_email(
    *,
    sender: str = "Ana Cliente <ana@cliente.example>",
    to: str | Sequence[str] = "soporte@desk.example",
    subject: str = "No puedo entrar",
    body: str = "Hola, no puedo entrar a mi cuenta.",
    html: str | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    cc: Sequence[str] = (),
    headers: dict[str, str] | None = None,
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> bytes:
    msg = EmailMessage(policy=default_policy)
    msg["From"] = sender
    msg["To"] = to if isinstance(to, str) else ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(clock.now())
    msg["Message-ID"] = message_id or make_msgid(domain="cliente.example")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = " ".join(references)
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for filename, data, content_type in attachments:
        maintype, subtype = content_type.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def deliver(
    raw: bytes, *, inbox: Inbox | None = None, source: str = Source.FILE, recipients: Sequence[str] = ()
) -> InboundEmail:
    """Receive and process ``raw`` now (what a driver plus a worker do)."""
    received = receive(source=source, raw=raw, inbox=inbox, recipients=recipients, enqueue=False)
    return pipeline.process(received.inbound.pk)


def ticket_of(row: InboundEmail) -> Ticket:
    """The ticket a processed message went to (fails the test when there is none)."""
    if row.ticket is None:
        raise AssertionError(f"inbound email {row.pk} has no ticket ({row.outcome}: {row.reason[:200]})")
    return row.ticket


def message_of(row: InboundEmail) -> Message:
    if row.ticket_message is None:
        raise AssertionError(f"inbound email {row.pk} has no message ({row.outcome}: {row.reason[:200]})")
    return row.ticket_message
