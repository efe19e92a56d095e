"""Periodic jobs of the knowledge base."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from atiende.core.periodic import periodic
from atiende.kb import services


@periodic(every=timedelta(minutes=15), name="kb.settle_deflection")
@task()
def settle_deflection() -> int:
    """Searches and suggestions older than 24 h with no request after them: deflected."""
    return services.settle_deflection()


@periodic(every=timedelta(hours=6), name="kb.remind_stale")
@task()
def remind_stale() -> int:
    """Remind owners of published articles that are due for review (in-app notice)."""
    return services.remind_stale()


@periodic(every=timedelta(hours=1), name="kb.index_embeddings")
@task()
def index_embeddings() -> int:
    """With the semantic extra: vectors for published articles that have none or an old one
    (articles published before the extra was installed, a model change). No-op without it."""
    from atiende.kb import semantic
    from atiende.kb.choices import ArticleStatus
    from atiende.kb.models import Article

    embedder = semantic.get_embedder()
    if embedder is None:
        return 0
    done = 0
    articles = list(Article.objects.filter(status=ArticleStatus.PUBLISHED).order_by("id"))
    for start in range(0, len(articles), 64):
        done += semantic.index_articles(embedder, articles[start : start + 64])
    return done
