"""The public help center: home, categories, articles (feedback, related, translations),
search with search-as-you-type, suggestions on the portal's request form, bot yes/no links.

Everything reads through :mod:`atiende.kb.selectors`, so a visitor sees public articles,
a customer also signed-in and own-organization ones, agents everything published.
"""

from __future__ import annotations

import secrets

from django.core.cache import cache
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from atiende.accounts.models import User
from atiende.kb import bot, search, selectors, services
from atiende.kb.choices import BotOutcome, Language, SearchSource
from atiende.kb.forms import FeedbackForm
from atiende.kb.models import Article, ArticleAttachment, KbCategory, SearchEvent

RESULTS = 20
SUGGESTIONS = 5
LOG_LIMIT = 120  # logged searches/suggestions per visitor and window
LOG_WINDOW_SECONDS = 3600


def _language(language: str) -> str:
    if language not in Language.values:
        raise Http404
    translation.activate(language)
    return language


def visitor_id(request: HttpRequest) -> str:
    """A random id kept in the session, so a search before signing in counts for the person."""
    vid = request.session.get("kb_visitor")
    if not vid:
        vid = secrets.token_hex(10)
        request.session["kb_visitor"] = vid
    return str(vid)


def _user(request: HttpRequest) -> User | None:
    return selectors.as_user(request.user)  # type: ignore[arg-type]


def _log(request: HttpRequest, *, source: str, query: str, language: str, hits: list[search.ArticleHit]) -> int | None:
    """Log customers' searches for deflection (agents' own searches are not customers')."""
    user = _user(request)
    if (user is not None and user.is_agent) or not query.strip():
        return None
    visitor = visitor_id(request)
    key = f"kb:log:{visitor}"
    cache.add(key, 0, LOG_WINDOW_SECONDS)
    if cache.incr(key) > LOG_LIMIT:
        return None  # a script hammering the search: serve it, do not let it flood the report
    event = services.record_search(
        source=source,
        query=query,
        language=language,
        articles=[h.article for h in hits],
        user=user,
        visitor=visitor,
    )
    return event.pk


@require_GET
def root(request: HttpRequest) -> HttpResponse:
    language = translation.get_language() or Language.ES
    return redirect("kb-help:home", language=language[:2] if language[:2] in Language.values else Language.ES)


@require_GET
def home(request: HttpRequest, language: str) -> HttpResponse:
    language = _language(language)
    viewer = request.user
    cats = list(selectors.categories(viewer, language).order_by("position", "name"))  # type: ignore[arg-type]
    popular = list(selectors.published_articles(viewer, language).order_by("-view_count", "title")[:8])  # type: ignore[arg-type]
    return render(request, "kb/help/home.html", {"language": language, "categories": cats, "popular": popular})


@require_GET
def category(request: HttpRequest, language: str, slug: str) -> HttpResponse:
    language = _language(language)
    cat = get_object_or_404(KbCategory, slug=slug)
    articles = list(selectors.category_articles(request.user, cat, language))  # type: ignore[arg-type]
    if not articles and not selectors.is_agent(request.user):  # type: ignore[arg-type]
        raise Http404
    sections: dict[int, list[Article]] = {}
    for a in articles:
        sections.setdefault(a.category_id, []).append(a)
    section_rows = [(s, sections.get(s.pk, [])) for s in cat.sections.all() if sections.get(s.pk)]
    return render(
        request,
        "kb/help/category.html",
        {"language": language, "category": cat, "direct": sections.get(cat.pk, []), "sections": section_rows},
    )


@require_GET
def article(request: HttpRequest, language: str, slug: str) -> HttpResponse:
    language = _language(language)
    obj = get_object_or_404(
        selectors.published_articles(request.user, language).select_related("category", "category__parent"),  # type: ignore[arg-type]
        slug=slug,
    )
    services.record_view(article=obj)
    event = request.GET.get("s", "")
    if event.isdigit():
        owned = SearchEvent.objects.filter(pk=int(event), visitor=request.session.get("kb_visitor") or "-")
        if owned.exists():
            services.record_open(event_id=int(event), article=obj)
    return render(
        request,
        "kb/help/article.html",
        {
            "language": language,
            "article": obj,
            "related": selectors.related_articles(obj, request.user),  # type: ignore[arg-type]
            "translations": list(selectors.translations(obj, request.user).filter(status="published")),  # type: ignore[arg-type]
            "attachments": list(obj.attachments.all()),
            "form": FeedbackForm(),
            "thanks": request.GET.get("thanks") == "1",
        },
    )


@require_POST
def feedback(request: HttpRequest, language: str, slug: str) -> HttpResponse:
    language = _language(language)
    obj = get_object_or_404(selectors.published_articles(request.user, language), slug=slug)  # type: ignore[arg-type]
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "kb/help/article.html",
            {
                "language": language,
                "article": obj,
                "related": selectors.related_articles(obj, request.user),  # type: ignore[arg-type]
                "translations": [],
                "attachments": list(obj.attachments.all()),
                "form": form,
            },
            status=400,
        )
    services.leave_feedback(
        article=obj,
        helpful=form.cleaned_data["helpful"],
        comment=form.cleaned_data["comment"],
        user=_user(request),
        visitor=visitor_id(request),
    )
    return HttpResponseRedirect(reverse("kb-help:article", kwargs={"language": language, "slug": slug}) + "?thanks=1")


@require_GET
def search_page(request: HttpRequest, language: str) -> HttpResponse:
    language = _language(language)
    query = request.GET.get("q", "").strip()[:200]
    hits = search.hybrid_search(request.user, query, language=language, limit=RESULTS) if query else []  # type: ignore[arg-type]
    event_id = _log(request, source=SearchSource.HELP_CENTER, query=query, language=language, hits=hits)
    return render(
        request, "kb/help/search.html", {"language": language, "query": query, "hits": hits, "event_id": event_id}
    )


@require_GET
def autocomplete(request: HttpRequest, language: str) -> HttpResponse:
    """Titles as the visitor types (htmx partial); not logged."""
    language = _language(language)
    query = request.GET.get("q", "").strip()[:200]
    hits = search.search_articles(request.user, query, language=language, limit=6) if len(query) >= 2 else []  # type: ignore[arg-type]
    return render(request, "kb/help/_autocomplete.html", {"language": language, "hits": hits})


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """Articles matching what a customer is typing on the portal's new-request form (htmx).

    Each distinct set of suggestions is logged once per visitor, so the request created
    afterwards remembers what was shown (``kb.remember_searches``), and a form abandoned
    for 24 hours counts as deflected.
    """
    text = f"{request.GET.get('subject', '')} {request.GET.get('body', '')}".strip()[:1000]
    language = (translation.get_language() or Language.ES)[:2]
    language = language if language in Language.values else Language.ES
    hits = search.search_articles(request.user, text, language=language, limit=SUGGESTIONS) if len(text) >= 4 else []  # type: ignore[arg-type]
    hits = [h for h in hits if h.confidence >= 0.3]
    event_id = None
    shown = ",".join(str(h.article.pk) for h in hits)
    if hits and request.session.get("kb_last_suggested") != shown:
        event_id = _log(request, source=SearchSource.SUGGESTION, query=text, language=language, hits=hits)
        request.session["kb_last_suggested"] = shown
    return render(request, "kb/help/_suggestions.html", {"hits": hits, "event_id": event_id})


@require_GET
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    att = get_object_or_404(ArticleAttachment.objects.select_related("blob", "article"), pk=pk)
    if not selectors.articles_visible_to(request.user).filter(pk=att.article_id).exists():  # type: ignore[arg-type]
        raise Http404
    response = FileResponse(att.blob.file.open("rb"), as_attachment=True, filename=att.filename)
    response["Content-Type"] = att.content_type or "application/octet-stream"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
def bot_feedback(request: HttpRequest, token: str, answer: str) -> HttpResponse:
    """The "did this solve your problem?" links. GET asks to confirm (mail scanners follow
    links), POST records the answer. The signed token is the only credential."""
    if answer not in {"yes", "no"}:
        raise Http404
    bot_answer = bot.read_token(token)
    if bot_answer is None:
        raise Http404
    done = bot_answer.outcome != BotOutcome.PENDING
    if request.method == "POST" and not done:
        bot_answer = bot.answer_feedback(answer=bot_answer, solved=answer == "yes")
        done = True
    return render(
        request,
        "kb/help/bot_feedback.html",
        {"answer": answer, "bot_answer": bot_answer, "done": done, "token": token},
    )
