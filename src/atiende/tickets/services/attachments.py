"""Store uploaded files once per SHA-256 and attach them to a ticket message."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from atiende.accounts.models import User
from atiende.contacts.models import Contact
from atiende.core import clock
from atiende.core.events import emit
from atiende.core.models import OutboxEvent
from atiende.core.units import atomic_service
from atiende.tickets.events import MessageAdded
from atiende.tickets.models import Attachment, Message, StoredFile, Ticket, blob_path

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]+")
CHUNK = 1024 * 1024


def clean_filename(name: str) -> str:
    """A display name without path parts or control characters (CR/LF included)."""
    name = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/")))
    name = _UNSAFE.sub("_", name).strip(" .")
    if not name:
        name = "attachment"
    if len(name) > 200:
        stem, ext = os.path.splitext(name)
        name = stem[: 200 - len(ext[:20])] + ext[:20]
    return name


def _digest(handle: IO[bytes], limit: int) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    handle.seek(0)
    while chunk := handle.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise ValidationError(
                {"attachments": _("Files may be at most %(mb)s MB.") % {"mb": round(limit / 1024 / 1024, 1)}}
            )
        sha.update(chunk)
    handle.seek(0)
    return sha.hexdigest(), size


def _store_blob(handle: IO[bytes], digest: str, size: int) -> StoredFile:
    """The blob for ``digest``, writing the file if it is not stored yet.

    A file written here whose transaction then rolls back is left without a row;
    ``tickets.tasks.collect_orphan_blobs`` removes such files later.
    """
    existing = StoredFile.objects.filter(pk=digest).first()
    if existing is not None and existing.file.name and default_storage.exists(existing.file.name):
        return existing
    blob = existing or StoredFile(sha256=digest, size=size, created_at=clock.now())
    path = blob_path(blob, "")
    if not default_storage.exists(path):
        try:
            path = default_storage.save(path, File(handle))
        except OSError:
            # Disk full or unwritable: leave no partial file behind.
            if default_storage.exists(path):
                default_storage.delete(path)
            raise
    blob.file.name = path
    if existing is None:
        blob.save(force_insert=True)  # one INSERT (a plain save() of a set primary key tries an UPDATE first)
    else:
        blob.save(update_fields=["file"])
    return blob


@atomic_service  # a savepoint, except inside a unit (intake's message), which is rolled back whole
def store_attachment(
    *,
    actor: User | None,
    ticket: Ticket,
    message: Message | None,
    handle: IO[bytes],
    filename: str,
    content_type: str = "",
) -> Attachment:
    limit = settings.ATTACHMENT_MAX_BYTES
    digest, size = _digest(handle, limit)
    name = clean_filename(filename)
    ctype = (content_type or "").split(";")[0].strip().lower()
    if not ctype or "/" not in ctype or len(ctype) > 150:
        ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    blob = _store_blob(handle, digest, size)
    return Attachment.objects.create(
        ticket=ticket,
        message=message,
        blob=blob,
        filename=name,
        content_type=ctype,
        size=size,
        uploaded_by=actor,
        created_at=clock.now(),
    )


def write_message(
    *,
    ticket: Ticket,
    kind: str,
    channel: str,
    actor: User | None,
    author_contact: Contact | None,
    text: str,
    html: str,
    external_id: str,
    at: datetime,
    attachments: Sequence[tuple[IO[bytes], str, str]] = (),
) -> Message:
    """Insert a message (checked and sanitized by the caller) and store its files.

    Written by an agent (``actor`` is one) or by ``author_contact``; the one place a
    new ticket's description and a later message are written.
    """
    is_agent = actor is not None and actor.is_agent
    message = Message.objects.create(
        ticket=ticket,
        kind=kind,
        channel=channel,
        author_user=actor if is_agent else None,
        author_contact=None if is_agent else author_contact,
        body_text=text,
        body_html=html,
        external_id=external_id,
        created_at=at,
    )
    for handle, filename, content_type in attachments:
        store_attachment(
            actor=actor, ticket=ticket, message=message, handle=handle, filename=filename, content_type=content_type
        )
    return message


def announce_message(
    *, ticket: Ticket, message: Message, actor: User | None, by_agent: bool, channel: str
) -> OutboxEvent | None:
    """``ticket.message_added`` for a message :func:`write_message` wrote (new ticket or reply)."""
    return emit(
        MessageAdded(
            ticket_id=ticket.pk,
            message_id=message.pk,
            kind=message.kind,
            author_kind="agent" if by_agent else "customer",
            channel=channel,
        ),
        subject=ticket,
        actor=actor,
    )
