"""Step 1 of the intake: store the raw message and its dedupe key, then let the source go.

:func:`receive` returns only after the database commit, so every driver acknowledges its
source (IMAP flag or move, SMTP ``250``, HTTP ``200`` to a provider) after it returns
and never before. Processing happens afterwards (a task, or inline for ``ingest-eml``);
a message that was stored but not processed — a worker killed in between — is picked up
again by the sweeper, and a source that re-delivers gets the stored row back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.message import Message
from typing import IO

from django.db import IntegrityError, transaction

from atiende.channels import conf
from atiende.channels.choices import Outcome
from atiende.channels.email import rawstore
from atiende.channels.email.parse import ParsedEmail, iter_addresses, parse_headers_only, read_envelope
from atiende.channels.email.text import header_text
from atiende.channels.models import InboundEmail, Inbox
from atiende.core import clock

logger = logging.getLogger(__name__)


@dataclass
class Received:
    inbound: InboundEmail
    created: bool  # False: the same message was stored before (a re-delivery)


def base_address(address: str) -> str:
    """``local+tag@Domain`` → ``local@domain``."""
    local, _, domain = (address or "").strip().strip("<>").lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}" if local else ""


def inbox_for(addresses: Iterable[str]) -> Inbox | None:
    wanted = [a for a in dict.fromkeys(base_address(a) for a in addresses) if a]
    if not wanted:
        return None
    found = {i.address.lower(): i for i in Inbox.objects.filter(address__in=wanted, is_active=True)}
    for address in wanted:
        if address in found:
            return found[address]
    return None


def default_inbox() -> Inbox | None:
    return Inbox.objects.filter(is_active=True, is_default=True).order_by("id").first()


def resolve_inbox(parsed: ParsedEmail, recipients: Sequence[str]) -> Inbox | None:
    return inbox_for(recipients) or inbox_for(a.address for a in iter_addresses(parsed)) or default_inbox()


def dedupe_key(message_id: str, sha256: str) -> str:
    return f"mid:{message_id}" if message_id else f"sha256:{sha256}"


@dataclass
class Stored:
    """A message whose raw bytes are on disk (flushed), not yet recorded in the database."""

    source: str
    inbox: Inbox | None
    headers: ParsedEmail
    path: str
    sha256: str
    size: int
    recipients: Sequence[str] = ()
    envelope_sender: str = ""
    source_ref: str = ""
    # The raw file's flush to disk, still running on a background thread; record() waits for it.
    saving: rawstore.Saving | None = None

    @property
    def key(self) -> str:
        return dedupe_key(self.headers.message_id, self.sha256)


def store(
    *,
    source: str,
    raw: bytes | IO[bytes],
    inbox: Inbox | None = None,
    recipients: Sequence[str] = (),
    envelope_sender: str = "",
    source_ref: str = "",
) -> Stored:
    """Write ``raw`` to the raw store and read what its row needs; no database write.

    The file's flush to disk runs on a background thread while the headers are read (and,
    in a batch, the next messages stored): :func:`record` waits for it before its
    transaction, so no row ever points at a file that is not on disk.
    """
    with rawstore.spool(raw) as spooled:
        saving = rawstore.save_later(spooled)
        try:
            limit = conf.get("ATIENDE_EMAIL_MAX_HEADER_BYTES")
            # With a known inbox only the dedupe key and a few listing fields are needed (fast);
            # finding the inbox needs every recipient header (parsed with policy.default).
            headers = (
                read_envelope(spooled.file, header_limit=limit)
                if inbox is not None
                else parse_headers_only(spooled.file, header_limit=limit)
            )
        except Exception:  # a parser bug must not lose the message: store it, keyed by its hash
            logger.exception("could not read the headers of an inbound message; storing it by hash")
            headers = ParsedEmail(headers=Message())
        if inbox is None:
            inbox = resolve_inbox(headers, recipients)
        return Stored(
            saving=saving,
            source=source,
            inbox=inbox,
            headers=headers,
            path=saving.name,
            sha256=spooled.sha256,
            size=spooled.size,
            recipients=recipients,
            envelope_sender=envelope_sender,
            source_ref=source_ref,
        )


def receive(
    *,
    source: str,
    raw: bytes | IO[bytes],
    inbox: Inbox | None = None,
    recipients: Sequence[str] = (),
    envelope_sender: str = "",
    source_ref: str = "",
    enqueue: bool = True,
) -> Received:
    """Store ``raw`` durably for ``inbox`` (found from the recipients when not given)."""
    stored = store(
        source=source,
        raw=raw,
        inbox=inbox,
        recipients=recipients,
        envelope_sender=envelope_sender,
        source_ref=source_ref,
    )
    return record([stored], enqueue=enqueue)[0]


def _fields(stored: Stored) -> dict[str, object]:
    headers = stored.headers
    return {
        "inbox": stored.inbox,
        "source": stored.source,
        "source_ref": header_text(stored.source_ref, limit=500),
        "envelope_sender": header_text(stored.envelope_sender, limit=320),
        "envelope_recipients": [header_text(r, limit=320) for r in stored.recipients][:100],
        "raw_path": stored.path,
        "raw_sha256": stored.sha256,
        "raw_size": stored.size,
        "message_id": headers.message_id,
        "thread_index": headers.thread_index,
        "from_address": headers.from_.key[:320] if headers.from_ else "",
        "subject": headers.subject[:255],
        "received_at": clock.now(),
    }


def _slot(inbox: Inbox | None, key: str) -> tuple[int | None, str]:
    return (inbox.pk if inbox is not None else None, key)


def record(batch: Sequence[Stored], *, enqueue: bool = True) -> list[Received]:
    """The rows of stored messages, in one transaction (one result per message, in order).

    The dedupe keys of the whole batch are looked up in one query and the new rows are
    inserted together. A message already received (same inbox and key, same bytes) gets
    its row back; the same Message-ID with other bytes (another route added its trace
    headers) is kept as a duplicate of the first and never processed into a ticket. If
    a concurrent receiver inserts one of the keys first, the batch falls back to one
    row at a time, where the unique constraint decides.

    Every raw file is flushed and in place before the transaction starts: no row ever
    points at a file that is not on disk, and no lock is held while the disk works.
    """
    for stored in batch:
        if stored.saving is not None:
            stored.saving.wait()
    return _record(batch, enqueue=enqueue)


@transaction.atomic
def _record(batch: Sequence[Stored], *, enqueue: bool) -> list[Received]:
    if not batch:
        return []
    wanted = {s.key for s in batch} | {f"{s.key}#{s.sha256}" for s in batch}
    known: dict[tuple[int | None, str], InboundEmail] = {
        (row.inbox_id, row.dedupe_key): row for row in InboundEmail.objects.filter(dedupe_key__in=wanted)
    }
    results: list[Received] = []
    firsts: list[InboundEmail] = []
    duplicates: list[tuple[InboundEmail, InboundEmail]] = []
    for stored in batch:
        slot = _slot(stored.inbox, stored.key)
        existing = known.get(slot)
        if existing is None:
            row = InboundEmail(**_fields(stored), dedupe_key=stored.key)
            known[slot] = row
            firsts.append(row)
            results.append(Received(row, created=True))
            continue
        if existing.raw_sha256 == stored.sha256:
            results.append(Received(existing, created=False))  # a re-delivery
            continue
        dup_slot = _slot(stored.inbox, f"{stored.key}#{stored.sha256}")
        again = known.get(dup_slot)
        if again is not None:
            results.append(Received(again, created=False))
            continue
        row = InboundEmail(
            **_fields(stored),
            dedupe_key=dup_slot[1],
            outcome=Outcome.DUPLICATE,
            processed_at=clock.now(),
        )
        known[dup_slot] = row
        duplicates.append((row, existing))
        results.append(Received(row, created=True))
    try:
        with transaction.atomic():
            InboundEmail.objects.bulk_create(firsts)
    except IntegrityError:  # a concurrent receiver won a key: decide one by one
        return [_record_one(stored, enqueue=enqueue) for stored in batch]
    for row, first in duplicates:
        row.duplicate_of = first
        row.ticket_id = first.ticket_id
    InboundEmail.objects.bulk_create([row for row, _first in duplicates])
    if enqueue and firsts:
        ids = [row.pk for row in firsts]
        transaction.on_commit(lambda: enqueue_processing(ids))
    return results


def _record_one(stored: Stored, *, enqueue: bool) -> Received:
    key = stored.key
    fields = _fields(stored)
    inbox = stored.inbox
    try:
        # The usual case is a new message: insert, and let the unique constraint find duplicates.
        with transaction.atomic():
            row = InboundEmail.objects.create(**fields, dedupe_key=key)
    except IntegrityError:
        existing = _existing(inbox, key)
        if existing is None:
            raise
        if existing.raw_sha256 == stored.sha256:
            return Received(existing, created=False)  # a re-delivery (or a concurrent receiver won)
        dup_key = f"{key}#{stored.sha256}"
        again = _existing(inbox, dup_key)
        if again is not None:
            return Received(again, created=False)
        row = InboundEmail.objects.create(
            **fields,
            dedupe_key=dup_key,
            outcome=Outcome.DUPLICATE,
            duplicate_of=existing,
            ticket=existing.ticket,
            processed_at=clock.now(),
        )
        return Received(row, created=True)
    if enqueue:
        row_id = row.pk
        transaction.on_commit(lambda: enqueue_processing([row_id]))
    return Received(row, created=True)


def _existing(inbox: Inbox | None, key: str) -> InboundEmail | None:
    qs = InboundEmail.objects.filter(dedupe_key=key)
    qs = qs.filter(inbox=inbox) if inbox is not None else qs.filter(inbox__isnull=True)
    return qs.order_by().first()


def enqueue_processing(inbound_ids: list[int]) -> None:
    """One task for the messages of one receiving transaction (a batch is processed together)."""
    from atiende.channels.tasks import process_inbound_emails

    try:
        process_inbound_emails.enqueue(inbound_ids)
    except Exception:  # the task backend is down: the sweeper processes them later
        logger.exception("could not enqueue processing of inbound email %s; the sweeper will", inbound_ids)
