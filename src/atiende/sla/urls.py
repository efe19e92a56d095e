"""SLAs pages (mounted at /sla/ by ``atiende.web.urls``)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "sla"

urlpatterns: list[URLPattern | URLResolver] = []
