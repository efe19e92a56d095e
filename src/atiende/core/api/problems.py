"""RFC 9457 problem details for every API error.

Each body has ``type``, ``title``, ``status`` and ``detail``; validation errors add
``errors``: a list of ``{"field": "requester.email", "message": ..., "code": ...}``
so a client can point at the offending input.
"""

from __future__ import annotations

import math
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "https://atiende.dev/problems/"


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, str | None]]:
    if isinstance(detail, dict):
        out: list[dict[str, str | None]] = []
        for key, value in detail.items():
            name = "" if key in ("non_field_errors", "__all__") else str(key)
            path = f"{prefix}.{name}" if prefix and name else (prefix or name)
            out.extend(_flatten(value, path))
        return out
    if isinstance(detail, list):
        out = []
        for index, item in enumerate(detail):
            if isinstance(item, (dict, list)):
                path = f"{prefix}.{index}" if prefix else str(index)
                out.extend(_flatten(item, path))
            else:
                out.extend(_flatten(item, prefix))
        return out
    code = getattr(detail, "code", None)
    return [{"field": prefix or None, "message": str(detail), "code": str(code) if code else None}]


def problem_body(status: int, *, detail: str, code: str, errors: list[Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code.replace("_", "-"),
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return body


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        first = errors[0] if errors else None
        summary = f"{first['field']}: {first['message']}" if first and first["field"] else (first or {}).get("message")
        body = problem_body(
            response.status_code, detail=summary or "Invalid input.", code="validation_error", errors=errors
        )
    else:
        api_exc = exc if isinstance(exc, exceptions.APIException) else exceptions.APIException()
        codes = api_exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        body = problem_body(response.status_code, detail=str(api_exc.detail), code=code)
        wait = getattr(exc, "wait", None)
        if isinstance(exc, exceptions.Throttled) and wait is not None:
            seconds = max(1, math.ceil(wait))
            body["retry_after"] = seconds
            response["Retry-After"] = str(seconds)
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def problem_response(request: HttpRequest, status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse(
        problem_body(status, detail=detail, code=code), status=status, content_type=PROBLEM_CONTENT_TYPE
    )
