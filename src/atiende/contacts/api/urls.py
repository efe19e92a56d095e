"""Routes of the contacts API (mounted under /api/v1/ by ``atiende.api.urls``)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from atiende.contacts.api.views import ContactViewSet

router = SimpleRouter()
router.register("contacts", ContactViewSet, basename="contact")

urlpatterns = router.urls
