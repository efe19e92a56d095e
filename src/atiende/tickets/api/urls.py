"""Routes of the tickets API (mounted under /api/v1/ by ``atiende.api.urls``)."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from atiende.tickets.api.views import (
    AttachmentDownloadView,
    CategoryViewSet,
    CustomFieldViewSet,
    TagViewSet,
    TicketEventViewSet,
    TicketHistoryViewSet,
    TicketLinkViewSet,
    TicketMessageViewSet,
    TicketViewSet,
)

router = SimpleRouter()
router.register("tickets", TicketViewSet, basename="ticket")
router.register("categories", CategoryViewSet, basename="category")
router.register("custom-fields", CustomFieldViewSet, basename="customfield")
router.register("tags", TagViewSet, basename="tag")

urlpatterns = [
    *router.urls,
    path(
        "tickets/<int:ticket_pk>/messages/",
        TicketMessageViewSet.as_view({"get": "list", "post": "create"}),
        name="ticket-messages",
    ),
    path("tickets/<int:ticket_pk>/history/", TicketHistoryViewSet.as_view({"get": "list"}), name="ticket-history"),
    path("tickets/<int:ticket_pk>/events/", TicketEventViewSet.as_view({"get": "list"}), name="ticket-events"),
    path(
        "tickets/<int:ticket_pk>/links/",
        TicketLinkViewSet.as_view({"get": "list", "post": "create"}),
        name="ticket-links",
    ),
    path(
        "tickets/<int:ticket_pk>/links/<int:pk>/",
        TicketLinkViewSet.as_view({"delete": "destroy"}),
        name="ticket-link-detail",
    ),
    path("attachments/<int:pk>/download/", AttachmentDownloadView.as_view(), name="attachment-download"),
]
