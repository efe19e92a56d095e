"""Routes of the kb API (mounted under /api/v1/ by ``atiende.api.urls``)."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from atiende.kb.api.views import ArticleViewSet, CategoryViewSet, DeflectionView, SearchView, SuggestionsView

router = SimpleRouter()
router.register("kb/categories", CategoryViewSet, basename="kb-category")
router.register("kb/articles", ArticleViewSet, basename="kb-article")

urlpatterns = [
    path("kb/search/", SearchView.as_view(), name="kb-search"),
    path("kb/suggestions/", SuggestionsView.as_view(), name="kb-suggestions"),
    path("kb/deflection/", DeflectionView.as_view(), name="kb-deflection"),
    *router.urls,
]
