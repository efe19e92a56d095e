"""Customer portal URLs (mounted at /portal/ by atiende.web.urls)."""

from __future__ import annotations

from django.urls import path

from atiende.tickets.views import portal

app_name = "portal"

urlpatterns = [
    path("", portal.home, name="home"),
    path("requests/new/", portal.new_request, name="new"),
    path("requests/new/fields/", portal.category_fields, name="category-fields"),
    path("requests/<int:number>/", portal.request_page, name="request"),
    path("requests/<int:number>/reply/", portal.reply, name="reply"),
    path("requests/<int:number>/solve/", portal.solve, name="solve"),
    path("requests/<int:number>/reopen/", portal.reopen, name="reopen"),
]
