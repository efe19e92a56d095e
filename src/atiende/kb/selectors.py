"""Read side of the knowledge base, scoped by the viewer.

* anonymous visitors: published public articles;
* customers: published public and signed-in-customer articles, plus their organization's;
* agents (any agent role): every article in every status, internal SOPs included.

Search (:mod:`atiende.kb.search`) starts from these querysets, so visibility is part of
the SQL of every search, never a filter applied afterwards.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet

from atiende.accounts.models import User
from atiende.core import clock
from atiende.kb.choices import ArticleStatus, SearchOutcome, Visibility
from atiende.kb.models import Article, KbCategory, SearchEvent, SearchImpression, StaleReminder

Viewer = User | AnonymousUser | None


def as_user(viewer: Viewer) -> User | None:
    if isinstance(viewer, User) and viewer.is_active:
        return viewer
    return None


def is_agent(viewer: Viewer) -> bool:
    user = as_user(viewer)
    return user is not None and user.is_agent


def article_scope(viewer: Viewer) -> Q:
    user = as_user(viewer)
    if user is None:
        return Q(visibility=Visibility.PUBLIC)
    if user.is_agent:
        return Q()
    scope = Q(visibility__in=[Visibility.PUBLIC, Visibility.CUSTOMERS])
    if user.organization_id is not None:
        scope |= Q(visibility=Visibility.ORGANIZATION, organization_id=user.organization_id)
    return scope


def articles_visible_to(viewer: Viewer) -> QuerySet[Article]:
    """Every article the viewer may open: agents see drafts too, others only published ones."""
    qs = Article.objects.filter(article_scope(viewer))
    if not is_agent(viewer):
        qs = qs.filter(status=ArticleStatus.PUBLISHED)
    return qs


def published_articles(viewer: Viewer, language: str | None = None) -> QuerySet[Article]:
    """Published articles the viewer may read (what search and suggestions draw from)."""
    qs = Article.objects.filter(article_scope(viewer), status=ArticleStatus.PUBLISHED)
    if language:
        qs = qs.filter(language=language)
    return qs


def categories(viewer: Viewer, language: str | None = None) -> QuerySet[KbCategory]:
    """Top-level categories with at least one readable article (agents: all)."""
    qs = KbCategory.objects.filter(parent__isnull=True)
    if is_agent(viewer):
        return qs
    readable = published_articles(viewer, language)
    return qs.filter(Q(articles__in=readable) | Q(sections__articles__in=readable)).distinct()


def category_articles(viewer: Viewer, category: KbCategory, language: str | None = None) -> QuerySet[Article]:
    return (
        published_articles(viewer, language)
        .filter(Q(category=category) | Q(category__parent=category))
        .select_related("category")
        .order_by("-pinned", "category__position", "title")
    )


def pinned_sops(viewer: Viewer, ticket_category_id: int | None) -> QuerySet[Article]:
    """Agent-only SOP articles pinned to the KB category linked to a service-catalog category."""
    if not is_agent(viewer) or ticket_category_id is None:
        return Article.objects.none()
    return Article.objects.filter(
        Q(category__ticket_category_id=ticket_category_id) | Q(category__parent__ticket_category_id=ticket_category_id),
        pinned=True,
        status=ArticleStatus.PUBLISHED,
    ).order_by("title")


def translations(article: Article, viewer: Viewer) -> QuerySet[Article]:
    return articles_visible_to(viewer).filter(translation_group=article.translation_group).exclude(pk=article.pk)


def related_articles(article: Article, viewer: Viewer, limit: int = 5) -> list[Article]:
    """Same section first, then shared tags, in the same language."""
    base = published_articles(viewer, article.language).exclude(pk=article.pk)
    same = list(base.filter(category=article.category).order_by("-helpful_count", "title")[:limit])
    if len(same) < limit and article.category.parent_id is not None:
        same += list(
            base.filter(category__parent_id=article.category.parent_id)
            .exclude(pk__in=[a.pk for a in same])
            .order_by("-helpful_count", "title")[: limit - len(same)]
        )
    return same


def due_reminders(owner: User) -> QuerySet[StaleReminder]:
    return StaleReminder.objects.filter(owner=owner, done_at__isnull=True).select_related("article")


def stale_articles(now: Any = None) -> list[Article]:
    """Published articles whose last review (or publication) is older than their review period."""
    now = now or clock.now()
    out = []
    for article in Article.objects.filter(status=ArticleStatus.PUBLISHED, owner__isnull=False).only(
        "id", "owner_id", "last_reviewed_at", "published_at", "review_every_days", "created_at", "title"
    ):
        reviewed = article.last_reviewed_at or article.published_at or article.created_at
        if reviewed + timedelta(days=article.review_every_days) <= now:
            out.append(article)
    return out


def deflection_report(
    *, since: Any, until: Any, by: str = "article", language: str | None = None
) -> list[dict[str, Any]]:
    """Searches and suggestions settled in [since, until), grouped per article or category.

    A shown article counts as deflecting when no request followed within 24 hours.
    """
    events = SearchEvent.objects.filter(at__gte=since, at__lt=until).exclude(outcome=SearchOutcome.PENDING)
    if language:
        events = events.filter(language=language)
    impressions = SearchImpression.objects.filter(event__in=events)
    key = "article_id" if by == "article" else "article__category_id"
    rows = impressions.values(key).annotate(
        shown=Count("id"),
        opened=Count("id", filter=Q(opened=True)),
        deflected=Count("id", filter=Q(event__outcome=SearchOutcome.DEFLECTED)),
        tickets=Count("id", filter=Q(event__outcome=SearchOutcome.TICKET)),
    )
    ids = [r[key] for r in rows]
    if by == "article":
        names = {a.pk: (a.title, a.slug, a.language) for a in Article.objects.filter(pk__in=ids)}
    else:
        names = {c.pk: (c.name, c.slug, "") for c in KbCategory.objects.filter(pk__in=ids)}
    out = []
    for r in rows:
        title, slug, lang = names.get(r[key], ("", "", ""))
        shown = r["shown"]
        out.append(
            {
                "id": r[key],
                "title": title,
                "slug": slug,
                "language": lang,
                "shown": shown,
                "opened": r["opened"],
                "deflected": r["deflected"],
                "tickets": r["tickets"],
                "deflection_rate": round(r["deflected"] / shown, 3) if shown else 0.0,
            }
        )
    out.sort(key=lambda r: (-r["deflected"], -r["shown"], r["title"]))
    return out


def deflection_totals(*, since: Any, until: Any) -> dict[str, int]:
    events = SearchEvent.objects.filter(at__gte=since, at__lt=until)
    counts = dict(events.values_list("outcome").annotate(n=Count("id")).values_list("outcome", "n"))
    return {o: int(counts.get(o, 0)) for o in SearchOutcome.values}
