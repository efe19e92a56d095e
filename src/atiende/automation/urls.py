"""Automation pages (mounted at /automation/ by ``atiende.web.urls``)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "automation"

urlpatterns: list[URLPattern | URLResolver] = []
