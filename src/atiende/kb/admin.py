"""Django admin (administrators only). Categories and articles are written through the
services (revisions, audit, events); the deflection log, feedback and bot answers are
read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from atiende.kb import services
from atiende.kb.models import Article, ArticleFeedback, BotAnswer, KbCategory, SearchEvent, StaleReminder

CATEGORY_FIELDS = ("name", "name_en", "slug", "description", "description_en", "parent", "ticket_category", "position")
ARTICLE_FIELDS = ("title", "slug", "category", "body_html", "keywords", "tags", "visibility", "organization", "owner",
                  "pinned", "review_every_days")  # fmt: skip


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(KbCategory)
class KbCategoryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "name_en", "slug", "parent", "ticket_category", "position")
    fields = CATEGORY_FIELDS

    def save_model(self, request: HttpRequest, obj: KbCategory, form: Any, change: bool) -> None:
        values = {f: form.cleaned_data[f] for f in CATEGORY_FIELDS if f in form.cleaned_data}
        if change:
            services.update_category(actor=request.user, category=KbCategory.objects.get(pk=obj.pk), **values)  # type: ignore[arg-type]
        else:
            obj.pk = services.create_category(actor=request.user, **values).pk  # type: ignore[arg-type]

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "language", "status", "visibility", "category", "owner", "revision", "view_count")
    list_filter = ("status", "visibility", "language")
    search_fields = ("title", "slug", "keywords")
    fields = (*ARTICLE_FIELDS, "status", "language", "revision", "last_reviewed_at")
    readonly_fields = ("status", "language", "revision", "last_reviewed_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # new articles: the knowledge base pages (/kb/articles/new/) or the API

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # archive instead

    def save_model(self, request: HttpRequest, obj: Article, form: Any, change: bool) -> None:
        values = {f: form.cleaned_data[f] for f in ARTICLE_FIELDS if f in form.changed_data}
        services.update_article(actor=request.user, article=Article.objects.get(pk=obj.pk), **values)  # type: ignore[arg-type]


@admin.register(SearchEvent)
class SearchEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "source", "query", "language", "user", "outcome", "ticket")
    list_filter = ("source", "outcome", "language")


@admin.register(ArticleFeedback)
class ArticleFeedbackAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "article", "helpful", "comment")


@admin.register(BotAnswer)
class BotAnswerAdmin(ReadOnlyAdmin):
    list_display = ("answered_at", "ticket", "article", "score", "outcome")
    list_filter = ("outcome",)


@admin.register(StaleReminder)
class StaleReminderAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "article", "owner", "due_since", "done_at")
