from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from atiende.core.views import healthz

admin.site.site_header = "atiende"
admin.site.site_title = "atiende"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/", include("atiende.api.urls")),
    path("admin/", admin.site.urls),
    path("webhooks/", include("atiende.channels.urls")),  # provider webhooks (email)
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("atiende.web.urls")),  # web UI: sign-in, agent workspace, portal
]

handler404 = "atiende.core.api.errors.not_found"
handler500 = "atiende.core.api.errors.server_error"
