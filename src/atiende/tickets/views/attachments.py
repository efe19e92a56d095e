"""Attachment downloads for agents and customers, through the viewer-scoped selector.

Always served as a download (``Content-Disposition: attachment``) with ``nosniff``, and
HTML, SVG or XML never with their own type, so an uploaded file cannot run in our origin.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from atiende.tickets import selectors
from atiende.tickets.views.common import viewer

ACTIVE_TYPES = ("html", "svg", "xml", "javascript", "ecmascript", "xhtml")


@login_required
@require_GET
def download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = selectors.attachments_visible_to(viewer(request)).filter(pk=pk).first()
    if attachment is None or not attachment.blob.file:
        raise Http404
    content_type = attachment.content_type or "application/octet-stream"
    if any(kind in content_type.lower() for kind in ACTIVE_TYPES):
        content_type = "application/octet-stream"
    try:
        handle = attachment.blob.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
