"""Knowledge base pages (mounted at /kb/ by ``atiende.web.urls``)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "kb"

urlpatterns: list[URLPattern | URLResolver] = []
