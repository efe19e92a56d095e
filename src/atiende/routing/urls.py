"""Routing pages (mounted at /routing/ by ``atiende.web.urls``)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from atiende.routing import views

app_name = "routing"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.overview, name="overview"),
    path("presence/", views.presence, name="presence"),
    path("take-next/", views.take_next, name="take-next"),
    path("tickets/<int:number>/escalate/", views.escalate, name="escalate"),
    path("shadow/<int:pk>/", views.shadow_report, name="shadow"),
]
