"""Inline images: ``<img src="cid:…">`` in a message points at the stored attachment.

Attachments are stored by the tickets service in the order they are given, so the
n-th stored attachment of the message is the n-th upload; the ``cid:`` references of
the sanitized HTML are rewritten to that attachment's download URL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import unquote

from django.urls import NoReverseMatch, reverse

from atiende.tickets.models import Attachment, Message

_CID = re.compile(r"""(src\s*=\s*["']?)cid:([^"'\s>]+)""", re.IGNORECASE)


def download_url(attachment_id: int) -> str:
    try:
        return reverse("attachment-download", args=[attachment_id])
    except NoReverseMatch:
        return f"/api/v1/attachments/{attachment_id}/download/"


def resolve_cids(message: Message, content_ids: Sequence[str]) -> str:
    """Rewrite ``cid:`` references in ``message.body_html``; returns the new HTML (saved)."""
    html = message.body_html
    if not html or "cid:" not in html.lower() or not any(content_ids):
        return html
    stored = list(Attachment.objects.filter(message=message).order_by("id").values_list("pk", flat=True))
    urls = {cid.lower(): download_url(pk) for cid, pk in zip(content_ids, stored, strict=False) if cid}

    def replace(match: re.Match[str]) -> str:
        cid = unquote(match.group(2)).strip("<>").lower()
        url = urls.get(cid)
        return f"{match.group(1)}{url}" if url else match.group(0)

    new = _CID.sub(replace, html)
    if new != html:
        # The message was created a moment ago in this same transaction by the tickets
        # service; only the URLs of its own attachments change.
        Message.objects.filter(pk=message.pk).update(body_html=new)
        message.body_html = new
    return new
