"""Agent pages of the knowledge base: list, edit, workflow, revisions (diff, restore),
translations, attachments, draft from a ticket, deflection report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from atiende.core import clock
from atiende.kb import bot, search, selectors, services
from atiende.kb.choices import ArticleStatus, Language
from atiende.kb.forms import ArticleForm, DraftFromTicketForm
from atiende.kb.models import Article, ArticleRevision
from atiende.tickets import selectors as ticket_selectors
from atiende.tickets.views.common import add_service_errors, agent_required, viewer

PAGE = 50


def _article(request: HttpRequest, pk: int) -> Article:
    return get_object_or_404(
        selectors.articles_visible_to(viewer(request)).select_related("category", "owner", "organization"), pk=pk
    )


@agent_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    qs = selectors.articles_visible_to(user).select_related("category", "owner")
    status = request.GET.get("status", "")
    language = request.GET.get("language", "")
    query = request.GET.get("q", "").strip()[:200]
    if status in ArticleStatus.values:
        qs = qs.filter(status=status)
    if language in Language.values:
        qs = qs.filter(language=language)
    if request.GET.get("mine") == "1":
        qs = qs.filter(owner=user)
    if query:
        ids = [pk for pk, _ in search.ranked_ids(qs, query, PAGE)]
        articles = sorted(qs.filter(pk__in=ids), key=lambda a: ids.index(a.pk))
    else:
        articles = list(qs.order_by("-updated_at", "-id")[:PAGE])
    return render(
        request,
        "kb/agent/home.html",
        {
            "articles": articles,
            "status": status,
            "language": language,
            "query": query,
            "statuses": ArticleStatus.choices,
            "languages": Language.choices,
            "reminders": list(selectors.due_reminders(user)[:20]),
            "bot": bot.stats(),
        },
    )


def _form_values(form: ArticleForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data.pop("note", None)
    data.pop("language", None)
    if not data.get("slug"):
        data.pop("slug", None)
    return data


@agent_required
@require_http_methods(["GET", "POST"])
def article_new(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    form = ArticleForm(request.POST or None, initial={"language": user.language, "owner": user.pk})
    if request.method == "POST" and form.is_valid():
        values = _form_values(form)
        try:
            article = services.create_article(actor=user, language=form.cleaned_data["language"], **values)
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("kb:article", pk=article.pk)
    return render(request, "kb/agent/edit.html", {"form": form, "article": None}, status=400 if form.errors else 200)


@agent_required
@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = viewer(request)
    article = _article(request, pk)
    initial = {
        "title": article.title,
        "category": article.category_id,
        "language": article.language,
        "slug": article.slug,
        "body_html": article.body_html,
        "keywords": article.keywords,
        "tags": ", ".join(article.tags),
        "visibility": article.visibility,
        "organization": article.organization_id,
        "owner": article.owner_id,
        "pinned": article.pinned,
        "review_every_days": article.review_every_days,
    }
    form = ArticleForm(request.POST or None, initial=initial)
    form.fields["language"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.update_article(actor=user, article=article, note=form.cleaned_data["note"], **_form_values(form))
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Article saved."))
            return redirect("kb:article", pk=article.pk)
    return render(request, "kb/agent/edit.html", {"form": form, "article": article}, status=400 if form.errors else 200)


@agent_required
@require_GET
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = viewer(request)
    article = _article(request, pk)
    return render(
        request,
        "kb/agent/article.html",
        {
            "article": article,
            "revisions": list(article.revisions.select_related("author")[:30]),
            "translations": list(selectors.translations(article, user)),
            "missing_languages": [
                (code, label)
                for code, label in Language.choices
                if code != article.language
                and not Article.objects.filter(translation_group=article.translation_group, language=code).exists()
            ],
            "attachments": list(article.attachments.all()),
            "feedback": list(article.feedback.all()[:20]),
            "next_statuses": [(s, ArticleStatus(s).label) for s in ArticleStatus.values if s in _next(article.status)],
        },
    )


def _next(status: str) -> frozenset[str]:
    from atiende.kb.choices import TRANSITIONS

    return TRANSITIONS[status]


def _redirect_with_error(request: HttpRequest, pk: int, exc: ValidationError | PermissionDenied) -> HttpResponse:
    if isinstance(exc, ValidationError):
        for msgs in exc.message_dict.values():
            for msg in msgs:
                messages.error(request, msg)
    else:
        messages.error(request, str(exc) or _("Your role does not allow this."))
    return redirect("kb:article", pk=pk)


@agent_required
@require_POST
def article_status(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(request, pk)
    try:
        services.set_status(actor=viewer(request), article=article, status=request.POST.get("status", ""))
    except (ValidationError, PermissionDenied) as exc:
        return _redirect_with_error(request, pk, exc)
    messages.success(request, _("Status changed."))
    return redirect("kb:article", pk=pk)


@agent_required
@require_POST
def article_reviewed(request: HttpRequest, pk: int) -> HttpResponse:
    services.mark_reviewed(actor=viewer(request), article=_article(request, pk))
    messages.success(request, _("Marked as reviewed."))
    return redirect("kb:article", pk=pk)


@agent_required
@require_POST
def article_attach(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file."))
        return redirect("kb:article", pk=pk)
    try:
        services.add_attachment(
            actor=viewer(request), article=article, handle=upload, filename=upload.name or "file",
            content_type=upload.content_type or "",
        )  # fmt: skip
    except (ValidationError, PermissionDenied) as exc:
        return _redirect_with_error(request, pk, exc)
    messages.success(request, _("File attached."))
    return redirect("kb:article", pk=pk)


@agent_required
@require_POST
def article_translate(request: HttpRequest, pk: int) -> HttpResponse:
    """Start the translation of an article: a draft in the other language, linked to it."""
    article = _article(request, pk)
    language = request.POST.get("language", "")
    try:
        new = services.create_article(
            actor=viewer(request),
            category=article.category,
            title=article.title,
            body_html=article.body_html,
            language=language,
            keywords=article.keywords,
            tags=article.tags,
            visibility=article.visibility,
            organization=article.organization,
            owner=article.owner,
            translation_of=article,
        )
    except (ValidationError, PermissionDenied) as exc:
        return _redirect_with_error(request, pk, exc)
    messages.success(request, _("Translation draft created; translate the text and submit it for review."))
    return redirect("kb:article-edit", pk=new.pk)


@agent_required
@require_GET
def revision(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    article = _article(request, pk)
    rev = get_object_or_404(ArticleRevision, article=article, number=number)
    previous = ArticleRevision.objects.filter(article=article, number__lt=number).order_by("-number").first()
    diff = services.revision_diff(previous, rev)
    rows = [
        ("add" if line.startswith("+") else "del" if line.startswith("-") else "ctx", line)
        for line in diff
        if not line.startswith(("+++", "---"))
    ]
    return render(
        request, "kb/agent/revision.html", {"article": article, "rev": rev, "previous": previous, "rows": rows}
    )


@agent_required
@require_POST
def revision_restore(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    article = _article(request, pk)
    try:
        services.restore_revision(actor=viewer(request), article=article, number=number)
    except (ValidationError, PermissionDenied) as exc:
        return _redirect_with_error(request, pk, exc)
    messages.success(request, _("Revision restored as a new revision."))
    return redirect("kb:article", pk=pk)


@agent_required
@require_POST
def draft_from_ticket(request: HttpRequest, number: int) -> HttpResponse:
    user = viewer(request)
    ticket = ticket_selectors.tickets_visible_to(user).filter(number=number).first()
    if ticket is None:
        raise Http404
    form = DraftFromTicketForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a category for the new article."))
        return redirect("agent:ticket", number=number)
    try:
        article = services.draft_from_ticket(actor=user, ticket=ticket, category=form.cleaned_data["category"])
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, str(exc))
        return redirect("agent:ticket", number=number)
    messages.success(request, _("Draft article created from the ticket."))
    return redirect("kb:article-edit", pk=article.pk)


@agent_required
@require_GET
def deflection(request: HttpRequest) -> HttpResponse:
    days = request.GET.get("days", "30")
    days_n = int(days) if days.isdigit() and 0 < int(days) <= 365 else 30
    until = clock.now()
    since = until - timedelta(days=days_n)
    by = "category" if request.GET.get("by") == "category" else "article"
    return render(
        request,
        "kb/agent/deflection.html",
        {
            "rows": selectors.deflection_report(since=since, until=until, by=by)[:200],
            "totals": selectors.deflection_totals(since=since, until=until),
            "days": days_n,
            "by": by,
            "bot": bot.stats(),
        },
    )
