"""Routes of the sla API (mounted under /api/v1/ by ``atiende.api.urls``)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

router = SimpleRouter()

urlpatterns = router.urls
