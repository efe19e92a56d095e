"""Serializers of the knowledge-base API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from atiende.accounts.models import Organization, User
from atiende.kb.choices import Language, Visibility
from atiende.kb.models import Article, ArticleRevision, KbCategory
from atiende.tickets.models import Category


class KbCategorySerializer(serializers.ModelSerializer[KbCategory]):
    class Meta:
        model = KbCategory
        fields = ("id", "slug", "name", "name_en", "description", "description_en", "parent", "ticket_category",
                  "position", "created_at")  # fmt: skip
        read_only_fields = fields


class KbCategoryWriteSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=150)
    slug = serializers.CharField(max_length=80, required=False, allow_blank=True)
    name_en = serializers.CharField(max_length=150, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    description_en = serializers.CharField(required=False, allow_blank=True)
    parent = serializers.PrimaryKeyRelatedField(queryset=KbCategory.objects.all(), required=False, allow_null=True)  # type: ignore[assignment]
    ticket_category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), required=False, allow_null=True
    )
    position = serializers.IntegerField(min_value=0, required=False)


class ArticleSerializer(serializers.ModelSerializer[Article]):
    url = serializers.SerializerMethodField()
    status = serializers.CharField(read_only=True, help_text="draft, review, published or archived")
    translations = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = ("id", "slug", "language", "title", "body_html", "keywords", "tags", "category", "status",
                  "visibility", "organization", "owner", "pinned", "revision", "view_count", "helpful_count",
                  "not_helpful_count", "review_every_days", "last_reviewed_at", "published_at", "created_at",
                  "updated_at", "translation_group", "translations", "url")  # fmt: skip
        read_only_fields = fields

    def get_url(self, obj: Article) -> str:
        from django.urls import reverse

        return reverse("kb-help:article", kwargs={"language": obj.language, "slug": obj.slug})

    def get_translations(self, obj: Article) -> dict[str, int]:
        """Ids of the same article in other languages (``{"en": 12}``)."""
        group: dict[Any, dict[str, int]] = self.context.setdefault("_translations", {})  # type: ignore[attr-defined]
        if obj.translation_group not in group:
            group[obj.translation_group] = dict(
                Article.objects.filter(translation_group=obj.translation_group).values_list("language", "id")
            )
        return {lang: pk for lang, pk in group[obj.translation_group].items() if pk != obj.pk}


class ArticleWriteSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200)
    category = serializers.PrimaryKeyRelatedField(queryset=KbCategory.objects.all())
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    slug = serializers.CharField(max_length=120, required=False, allow_blank=True)
    body_html = serializers.CharField(required=False, allow_blank=True)
    keywords = serializers.CharField(required=False, allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), required=False, allow_null=True
    )
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
    pinned = serializers.BooleanField(required=False)
    review_every_days = serializers.IntegerField(min_value=1, max_value=3650, required=False)
    translation_of = serializers.PrimaryKeyRelatedField(queryset=Article.objects.all(), required=False)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class RevisionSerializer(serializers.ModelSerializer[ArticleRevision]):
    diff = serializers.SerializerMethodField()

    class Meta:
        model = ArticleRevision
        fields = ("number", "title", "body_html", "keywords", "tags", "note", "author", "created_at", "diff")
        read_only_fields = fields

    def get_diff(self, obj: ArticleRevision) -> list[str]:
        """Unified diff against the previous revision."""
        from atiende.kb.services import revision_diff

        previous = self.context.get("previous", {}).get(obj.number)
        return revision_diff(previous, obj)


class StatusSerializer(serializers.Serializer[Any]):
    status = serializers.CharField(max_length=12, help_text="draft, review, published or archived")


class RestoreSerializer(serializers.Serializer[Any]):
    revision = serializers.IntegerField(min_value=1)


class FeedbackSerializer(serializers.Serializer[Any]):
    helpful = serializers.BooleanField()
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ArticleHitSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="article.pk")
    title = serializers.CharField(source="article.title")
    slug = serializers.CharField(source="article.slug")
    language = serializers.CharField(source="article.language")
    visibility = serializers.CharField(source="article.visibility")
    score = serializers.FloatField()
    confidence = serializers.FloatField()
    snippet = serializers.CharField(help_text="HTML: escaped text with matches in <mark>.")


class TicketHitSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="ticket.pk")
    number = serializers.IntegerField(source="ticket.number")
    subject = serializers.CharField(source="ticket.subject")
    status = serializers.CharField(source="ticket.status")
    snippet = serializers.CharField(allow_null=True, help_text="Agents only; null for customers.")


class SearchResultsSerializer(serializers.Serializer[Any]):
    query = serializers.CharField()
    articles = ArticleHitSerializer(many=True)
    tickets = TicketHitSerializer(many=True)


class DeflectionRowSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    slug = serializers.CharField()
    language = serializers.CharField()
    shown = serializers.IntegerField()
    opened = serializers.IntegerField()
    deflected = serializers.IntegerField()
    tickets = serializers.IntegerField()
    deflection_rate = serializers.FloatField()


class DeflectionReportSerializer(serializers.Serializer[Any]):
    by = serializers.CharField()
    days = serializers.IntegerField()
    totals = serializers.DictField(child=serializers.IntegerField())
    bot = serializers.DictField()
    rows = DeflectionRowSerializer(many=True)
