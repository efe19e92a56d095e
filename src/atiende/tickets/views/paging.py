"""Keyset (cursor) pagination for the ticket list page, with the API's cursor format.

Constant cost per page at any table size: ``WHERE (sort, id) < (last sort, last id)
ORDER BY sort, id LIMIT n + 1``, no ``COUNT(*)`` and no ``OFFSET``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from rest_framework.exceptions import ValidationError as DRFValidationError

from atiende.core.api.pagination import KeysetPagination
from atiende.tickets.models import Ticket

_codec = KeysetPagination()


def keyset_page(
    queryset: QuerySet[Ticket], *, ordering: str, cursor: str | None, size: int
) -> tuple[list[Ticket], str | None]:
    """One page of ``queryset`` sorted by ``ordering`` (``field`` or ``-field``) and the next cursor."""
    desc = ordering.startswith("-")
    field = ordering.lstrip("-")
    sign = "-" if desc else ""
    unique = field in ("id", "number")
    queryset = queryset.order_by(f"{sign}{field}", *([] if unique else [f"{sign}id"]))
    if cursor:
        try:
            value, pk = _codec.decode_cursor(cursor, Ticket, field)
        except DRFValidationError:
            value = pk = None  # a mangled cursor shows the first page
        if pk is not None:
            op = "lt" if desc else "gt"
            if unique:
                queryset = queryset.filter(**{f"{field}__{op}": value})
            else:
                queryset = queryset.filter(Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": pk}))
    rows = list(queryset[: size + 1])
    page = rows[:size]
    if len(rows) <= size or not page:
        return page, None
    last = page[-1]
    raw: Any = getattr(last, field)
    if hasattr(raw, "isoformat"):
        raw = raw.isoformat()
    return page, _codec.encode_cursor(raw, last.pk)
