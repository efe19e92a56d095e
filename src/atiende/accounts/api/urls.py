"""Routes of the accounts API (mounted under /api/v1/ by ``atiende.api.urls``)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from atiende.accounts.api.views import ApiTokenViewSet, OrganizationViewSet, TeamViewSet, UserViewSet

router = SimpleRouter()
router.register("users", UserViewSet, basename="user")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("teams", TeamViewSet, basename="team")
router.register("tokens", ApiTokenViewSet, basename="token")

urlpatterns = router.urls
