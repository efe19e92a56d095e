"""Workforce management pages (mounted at /wfm/ by ``atiende.web.urls``)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "wfm"

urlpatterns: list[URLPattern | URLResolver] = []
