"""Mounts every app's API router under /api/v1/ and serves the OpenAPI schema."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

v1 = [
    path("", include("atiende.accounts.api.urls")),
    path("", include("atiende.contacts.api.urls")),
    path("", include("atiende.tickets.api.urls")),
    path("", include("atiende.channels.api.urls")),
    path("", include("atiende.routing.api.urls")),
    path("", include("atiende.sla.api.urls")),
    path("", include("atiende.kb.api.urls")),
    path("", include("atiende.automation.api.urls")),
    path("", include("atiende.wfm.api.urls")),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
