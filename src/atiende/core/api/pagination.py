"""Keyset (cursor) pagination: constant cost per page at any table size.

Views list the sortable fields in ``ordering_fields`` (non-null columns only). The
cursor is an opaque token with the last row's sort value and primary key; no
``COUNT(*)`` is ever run.
"""

from __future__ import annotations

import base64
import json
from collections import OrderedDict
from typing import Any

from django.db.models import Model, Q, QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView


class KeysetPagination(BasePagination):
    page_size = 25
    max_page_size = 100
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    ordering_query_param = "ordering"
    default_ordering = "-id"

    def __init__(self) -> None:
        self.next_url: str | None = None

    def _page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            raise ValidationError({self.page_size_query_param: ["A whole number is required."]}) from None
        if size < 1:
            raise ValidationError({self.page_size_query_param: ["Must be at least 1."]})
        return min(size, self.max_page_size)

    def _ordering(self, request: Request, view: APIView | None) -> tuple[str, bool]:
        allowed = (*getattr(view, "ordering_fields", ()), "id")
        raw = str(
            request.query_params.get(self.ordering_query_param)
            or getattr(view, "default_ordering", self.default_ordering)
        )
        desc = raw.startswith("-")
        field = raw.lstrip("-")
        if field not in allowed:
            raise ValidationError(
                {
                    self.ordering_query_param: [
                        f"Sort by one of: {', '.join(sorted(allowed))} (prefix - for descending)."
                    ]
                }
            )
        return field, desc

    @staticmethod
    def encode_cursor(value: Any, pk: Any) -> str:
        raw = json.dumps({"v": value, "pk": pk}, default=str, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def decode_cursor(self, token: str, model: type[Model], field: str) -> tuple[Any, Any]:
        try:
            padded = token + "=" * (-len(token) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode()))
            pk = model._meta.pk.to_python(data["pk"])
            value = getattr(model._meta.get_field(field), "to_python")(data["v"]) if field != "id" else pk  # noqa: B009
        except Exception:
            raise ValidationError({self.cursor_query_param: ["Invalid cursor."]}) from None
        return value, pk

    def paginate_queryset(  # type: ignore[override]
        self, queryset: QuerySet[Any], request: Request, view: APIView | None = None
    ) -> list[Any]:
        size = self._page_size(request)
        field, desc = self._ordering(request, view)
        sign = "-" if desc else ""
        order = [f"{sign}id"] if field == "id" else [f"{sign}{field}", f"{sign}id"]
        queryset = queryset.order_by(*order)
        token = request.query_params.get(self.cursor_query_param)
        if token:
            value, pk = self.decode_cursor(token, queryset.model, field)
            op = "lt" if desc else "gt"
            if field == "id":
                queryset = queryset.filter(**{f"id__{op}": pk})
            else:
                queryset = queryset.filter(Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": pk}))
        rows = list(queryset[: size + 1])
        page = rows[:size]
        self.next_url = None
        if len(rows) > size and page:
            last = page[-1]
            value = last.pk if field == "id" else getattr(last, field)
            if hasattr(value, "isoformat"):
                value = value.isoformat()
            self.next_url = replace_query_param(
                request.build_absolute_uri(), self.cursor_query_param, self.encode_cursor(value, last.pk)
            )
        return page

    def get_paginated_response(self, data: Any) -> Response:
        return Response(OrderedDict([("next", self.next_url), ("results", data)]))

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        fields = (*getattr(view, "ordering_fields", ()), "id")
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "schema": {"type": "string"},
                "description": "Opaque cursor from the previous page's `next` link.",
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
            {
                "name": self.ordering_query_param,
                "required": False,
                "in": "query",
                "schema": {"type": "string", "enum": [p + f for f in fields for p in ("", "-")]},
            },
        ]
