"""Routes of the channels API (mounted under /api/v1/ by ``atiende.api.urls``)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from atiende.channels.api.views import (
    InboundEmailViewSet,
    InboxViewSet,
    OutboundEmailViewSet,
    QuarantineViewSet,
    SuppressionViewSet,
)

router = SimpleRouter()
router.register("inboxes", InboxViewSet, basename="inbox")
router.register("email/quarantine", QuarantineViewSet, basename="email-quarantine")
router.register("email/inbound", InboundEmailViewSet, basename="email-inbound")
router.register("email/outbound", OutboundEmailViewSet, basename="email-outbound")
router.register("email/suppressions", SuppressionViewSet, basename="email-suppression")

urlpatterns = router.urls
