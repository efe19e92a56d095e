"""The public help center (mounted at /help/ by ``atiende.web.urls``): es/en, clean URLs."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from atiende.kb.views import public

app_name = "kb-help"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", public.root, name="root"),
    path("suggest/", public.suggest, name="suggest"),
    path("bot/<str:token>/<str:answer>/", public.bot_feedback, name="bot-feedback"),
    path("files/<int:pk>/", public.attachment, name="attachment"),
    path("<str:language>/", public.home, name="home"),
    path("<str:language>/search/", public.search_page, name="search"),
    path("<str:language>/autocomplete/", public.autocomplete, name="autocomplete"),
    path("<str:language>/categories/<slug:slug>/", public.category, name="category"),
    path("<str:language>/articles/<slug:slug>/", public.article, name="article"),
    path("<str:language>/articles/<slug:slug>/feedback/", public.feedback, name="feedback"),
]
