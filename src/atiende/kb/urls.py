"""Knowledge base pages for agents (mounted at /kb/ by ``atiende.web.urls``)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from atiende.kb.views import agent

app_name = "kb"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", agent.home, name="home"),
    path("articles/new/", agent.article_new, name="article-new"),
    path("articles/<int:pk>/", agent.article_detail, name="article"),
    path("articles/<int:pk>/edit/", agent.article_edit, name="article-edit"),
    path("articles/<int:pk>/status/", agent.article_status, name="article-status"),
    path("articles/<int:pk>/reviewed/", agent.article_reviewed, name="article-reviewed"),
    path("articles/<int:pk>/attachments/", agent.article_attach, name="article-attach"),
    path("articles/<int:pk>/translate/", agent.article_translate, name="article-translate"),
    path("articles/<int:pk>/revisions/<int:number>/", agent.revision, name="revision"),
    path("articles/<int:pk>/revisions/<int:number>/restore/", agent.revision_restore, name="revision-restore"),
    path("tickets/<int:number>/draft/", agent.draft_from_ticket, name="draft-from-ticket"),
    path("deflection/", agent.deflection, name="deflection"),
]
