"""Receive, process, replay and import email (the entry points of the intake pipeline)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from atiende.accounts import audit
from atiende.accounts.models import User
from atiende.channels.choices import Outcome, Source
from atiende.channels.email import pipeline
from atiende.channels.email.intake import Received, Stored, receive, record, store
from atiende.channels.models import InboundEmail, Inbox

MBOX_SEPARATOR = b"From "


def receive_email(
    *,
    source: str,
    raw: bytes | IO[bytes],
    inbox: Inbox | None = None,
    recipients: Sequence[str] = (),
    envelope_sender: str = "",
    source_ref: str = "",
) -> Received:
    """Store a message durably and queue its processing (returns after the commit)."""
    return receive(
        source=source,
        raw=raw,
        inbox=inbox,
        recipients=recipients,
        envelope_sender=envelope_sender,
        source_ref=source_ref,
    )


def process_email(inbound: InboundEmail) -> InboundEmail:
    return pipeline.process(inbound.pk)


def replay_email(*, actor: User | None, inbound: InboundEmail, accept: bool = False) -> InboundEmail:
    """Run a quarantined message through the pipeline again.

    ``accept`` releases a reply held because its sender is not part of the matched
    ticket: the message joins that ticket (and the sender becomes a CC).
    """
    if actor is not None and actor.role != "admin":
        raise PermissionDenied(_("Only administrators can replay quarantined email."))
    if inbound.outcome != Outcome.QUARANTINED:
        return inbound
    result = pipeline.process(inbound.pk, replay=True, allow_non_participant=accept)
    audit.record(
        actor=actor,
        action="email.replayed",
        obj=result,
        before={"outcome": Outcome.QUARANTINED, "reason_code": inbound.reason_code},
        after={"outcome": result.outcome, "ticket_id": result.ticket_id, "accepted": accept},
    )
    return result


# --- importing files, directories and mboxes ---------------------------------------------------------


@dataclass
class IngestResult:
    file: str
    outcome: str
    ticket: int | None
    reason: str
    inbound: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "outcome": self.outcome,
            "ticket": self.ticket,
            "reason": self.reason,
            "inbound": self.inbound,
        }


def _mbox_messages(path: Path) -> Iterator[tuple[str, IO[bytes]]]:
    """Split an mbox into messages, streaming each one into a temporary file.

    A message starts at a ``From `` line at the start of the file or after a blank line;
    ``>From `` lines (escaped by the writer) are unescaped.
    """
    index = 0
    current: IO[bytes] | None = None
    previous_blank = True
    with path.open("rb") as handle:
        for line in handle:
            if line.startswith(MBOX_SEPARATOR) and previous_blank:
                if current is not None:
                    current.seek(0)
                    index += 1
                    yield f"{path}#{index}", current
                    current.close()
                current = tempfile.TemporaryFile()
                previous_blank = False
                continue
            if current is None:
                current = tempfile.TemporaryFile()
            previous_blank = line in (b"\n", b"\r\n")
            if line.startswith(b">") and line.lstrip(b">").startswith(MBOX_SEPARATOR):
                line = line[1:]
            current.write(line)
    if current is not None:
        current.seek(0)
        index += 1
        yield f"{path}#{index}", current
        current.close()


def _is_mbox(path: Path, handle: IO[bytes]) -> bool:
    """An mbox by its name, or by its first 64 KB (read from the open ``handle``, then rewound)."""
    if path.suffix.lower() in (".mbox", ".mbx"):
        return True
    head = handle.read(64 * 1024)
    handle.seek(0)
    return head.startswith(MBOX_SEPARATOR) and head.count(b"\n" + MBOX_SEPARATOR) >= 1


def iter_messages(paths: Iterable[str]) -> Iterator[tuple[str, IO[bytes]]]:
    """(label, binary handle) of every message in files, directories (recursively) and mboxes."""
    for raw_path in paths:
        path = Path(raw_path)
        if path.is_dir():
            files = sorted(
                p for p in path.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.parts)
            )
        else:
            files = [path]
        for file in files:
            with file.open("rb") as handle:  # one open to tell an mbox and to read a message
                if not _is_mbox(file, handle):
                    yield str(file), handle
                    continue
            yield from _mbox_messages(file)


def _result(label: str, inbound: InboundEmail, outcome: str | None = None) -> IngestResult:
    outcome = outcome or inbound.outcome
    if inbound.outcome == Outcome.QUARANTINED:
        reason = f"{inbound.reason_code}: {inbound.reason.splitlines()[0] if inbound.reason else ''}".strip(": ")
    elif outcome == Outcome.DUPLICATE:
        reason = f"already received as inbound email {inbound.duplicate_of_id or inbound.pk}"
    elif inbound.outcome in (Outcome.CREATED, Outcome.APPENDED):
        reason = inbound.thread_reason + (f": {inbound.thread_detail}" if inbound.thread_detail else "")
    else:
        reason = inbound.reason.splitlines()[0] if inbound.reason else inbound.kind
    return IngestResult(
        file=label.encode("utf-8", "surrogateescape").decode("utf-8", "replace"),
        outcome=str(outcome),
        ticket=inbound.ticket.number if inbound.ticket else None,
        reason=reason[:300],
        inbound=inbound.pk,
    )


INGEST_BATCH = 100


def ingest_one(label: str, handle: IO[bytes], *, inbox: Inbox | None) -> IngestResult:
    return ingest_batch([(label, store(source=Source.FILE, raw=handle, inbox=inbox, source_ref=label[:500]))])[0]


def ingest_batch(batch: Sequence[tuple[str, Stored]]) -> list[IngestResult]:
    """Record stored messages in one transaction, then process the new ones in another."""
    received = record([stored for _label, stored in batch], enqueue=False)
    # Pending rows include re-deliveries of messages a killed worker never processed.
    pending = [r.inbound.pk for r in received if r.inbound.outcome == Outcome.PENDING]
    processed = {row.pk: row for row in pipeline.process_many(pending)}
    results = []
    for (label, _stored), got in zip(batch, received, strict=True):
        inbound = processed.pop(got.inbound.pk, None)  # the first of the batch to bring it reports it
        if inbound is not None:
            results.append(_result(label, inbound))
        elif not got.created or got.inbound.outcome == Outcome.DUPLICATE:
            results.append(_result(label, got.inbound, Outcome.DUPLICATE))
        else:
            results.append(_result(label, got.inbound))
    return results


def ingest_paths(
    paths: Iterable[str], *, inbox: Inbox | None = None, batch_size: int = INGEST_BATCH
) -> Iterator[IngestResult]:
    """Import messages (migrations, replays of exported mail); one result per message.

    Messages go through in batches: each raw file is written (and flushed to disk) as it
    is read, then a batch is recorded in one transaction and processed in another (a
    savepoint per message), so a large import pays a commit per batch, not per message.
    A result is printed only after its batch committed.
    """
    batch: list[tuple[str, Stored]] = []
    for label, handle in iter_messages(paths):
        batch.append((label, store(source=Source.FILE, raw=handle, inbox=inbox, source_ref=label[:500])))
        if len(batch) >= batch_size:
            yield from ingest_batch(batch)
            batch = []
    if batch:
        yield from ingest_batch(batch)


def replay_quarantined(*, ids: Sequence[int] = (), accept: bool = False) -> Iterator[IngestResult]:
    qs = InboundEmail.objects.filter(outcome=Outcome.QUARANTINED).order_by("id")
    if ids:
        qs = qs.filter(pk__in=ids)
    for inbound_id in list(qs.values_list("pk", flat=True)):
        inbound = InboundEmail.objects.get(pk=inbound_id)
        result = replay_email(actor=None, inbound=inbound, accept=accept)
        yield _result(f"inbound:{inbound_id}", result)
