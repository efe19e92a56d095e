"""SLAs pages (mounted at /sla/ by ``atiende.web.urls``)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from atiende.sla import views

app_name = "sla"

urlpatterns: list[URLPattern | URLResolver] = [
    path("backtest/", views.backtest, name="backtest"),
]
