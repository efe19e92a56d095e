from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from atiende.core.context import request_context


def client_ip_of(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is set by clients and cannot be trusted
    # unless a proxy in front rewrites REMOTE_ADDR (uvicorn --proxy-headers).
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_context(ip=client_ip_of(request)):
            return self.get_response(request)
