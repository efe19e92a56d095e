"""Knowledge base data: categories and sections, articles and their revisions, translations,
attachments, feedback, search/suggestion log (deflection), bot answers and stale reminders.

Write through :mod:`atiende.kb.services`; read through :mod:`atiende.kb.selectors`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from atiende.kb.choices import ArticleStatus, BotOutcome, Language, SearchOutcome, SearchSource, Visibility


class KbCategory(models.Model):
    """A help-center category; a category with a ``parent`` is a section of it."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name (Spanish)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    description = models.TextField(_("description (Spanish)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="sections", verbose_name=_("category")
    )
    ticket_category = models.ForeignKey(
        "tickets.Category",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("service-catalog category"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("knowledge base category")
        verbose_name_plural = _("knowledge base categories")
        ordering = ["position", "name", "id"]

    def __str__(self) -> str:
        return self.name

    def label(self, language: str) -> str:
        return self.name_en if language == Language.EN and self.name_en else self.name

    def text(self, language: str) -> str:
        return self.description_en if language == Language.EN and self.description_en else self.description


class Article(models.Model):
    """One article in one language. Translations share ``translation_group``."""

    category = models.ForeignKey(
        KbCategory, on_delete=models.PROTECT, related_name="articles", verbose_name=_("category or section")
    )
    slug = models.SlugField(_("slug"), max_length=120)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.ES)
    translation_group = models.UUIDField(_("translation group"), default=uuid.uuid4, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    body_html = models.TextField(_("body (sanitized HTML)"), blank=True)
    body_text = models.TextField(_("body (text)"), blank=True)
    keywords = models.TextField(_("keywords and synonyms"), blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT)
    visibility = models.CharField(_("visibility"), max_length=14, choices=Visibility.choices, default=Visibility.PUBLIC)
    organization = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organization"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("owner"),
    )  # fmt: skip
    pinned = models.BooleanField(_("pinned in its category (SOP)"), default=False)
    source_ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("written from ticket"),
    )  # fmt: skip
    revision = models.PositiveIntegerField(_("revision"), default=0)
    view_count = models.PositiveIntegerField(_("views"), default=0)
    helpful_count = models.PositiveIntegerField(_("helpful"), default=0)
    not_helpful_count = models.PositiveIntegerField(_("not helpful"), default=0)
    review_every_days = models.PositiveIntegerField(_("review every (days)"), default=180)
    last_reviewed_at = models.DateTimeField(_("last reviewed"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["language", "slug"], name="kb_article_language_slug"),
            models.UniqueConstraint(fields=["translation_group", "language"], name="kb_article_one_per_language"),
        ]
        indexes = [
            models.Index(fields=["status", "visibility", "language"], name="kb_article_status_vis"),
            models.Index(fields=["category", "pinned"], name="kb_article_category_pin"),
        ]

    def __str__(self) -> str:
        return self.title


class ArticleRevision(models.Model):
    """What an article looked like after each saved change (number = the article's revision)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    title = models.CharField(_("title"), max_length=200)
    body_html = models.TextField(_("body (sanitized HTML)"), blank=True)
    keywords = models.TextField(_("keywords and synonyms"), blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("article revision")
        verbose_name_plural = _("article revisions")
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="kb_revision_number")]

    def __str__(self) -> str:
        return f"{self.article_id}#{self.number}"


class ArticleAttachment(models.Model):
    """An image or file of an article, stored once per SHA-256 in the tickets' blob store."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    blob = models.ForeignKey("tickets.StoredFile", on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=150)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("article attachment")
        verbose_name_plural = _("article attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class ArticleFeedback(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visitor = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.article_id}: {'+' if self.helpful else '-'}"


class SearchEvent(models.Model):
    """A help-center search or a set of suggestions shown to a customer (deflection log).

    ``outcome`` stays pending for 24 hours; then it is ``ticket`` when the same person
    created a request in that window, else ``deflected`` (``kb.tasks.settle_deflection``).
    """

    at = models.DateTimeField(_("at"), db_index=True)
    source = models.CharField(_("source"), max_length=12, choices=SearchSource.choices)
    query = models.CharField(_("query"), max_length=300)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.ES)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visitor = models.CharField(max_length=40, blank=True, db_index=True)
    articles = models.ManyToManyField(Article, through="SearchImpression", related_name="+")
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("request that followed"),
    )  # fmt: skip
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=SearchOutcome.choices, default=SearchOutcome.PENDING
    )

    class Meta:
        verbose_name = _("search or suggestion")
        verbose_name_plural = _("searches and suggestions")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["user", "at"], name="kb_search_user_at"),
            models.Index(fields=["outcome", "at"], name="kb_search_outcome_at"),
        ]

    def __str__(self) -> str:
        return self.query


class SearchImpression(models.Model):
    event = models.ForeignKey(SearchEvent, on_delete=models.CASCADE, related_name="impressions")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="impressions")
    position = models.PositiveSmallIntegerField()
    opened = models.BooleanField(default=False)

    class Meta:
        ordering = ["event", "position"]
        constraints = [models.UniqueConstraint(fields=["event", "article"], name="kb_impression_once")]

    def __str__(self) -> str:
        return f"{self.event_id}:{self.article_id}"


class BotAnswer(models.Model):
    """The article the bot sent as the first answer to a new email or chat ticket."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(Article, on_delete=models.SET_NULL, null=True, related_name="bot_answers")
    message = models.ForeignKey("tickets.Message", on_delete=models.SET_NULL, null=True, related_name="+")
    score = models.FloatField(_("confidence"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=BotOutcome.choices, default=BotOutcome.PENDING)
    answered_at = models.DateTimeField(_("answered at"))
    outcome_at = models.DateTimeField(_("outcome at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bot answer")
        verbose_name_plural = _("bot answers")
        ordering = ["-answered_at"]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.outcome}"


class StaleReminder(models.Model):
    """An in-app notice to an article's owner that it is due for review."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reminders")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    due_since = models.DateTimeField(_("due since"))
    created_at = models.DateTimeField(_("created at"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review reminder")
        verbose_name_plural = _("review reminders")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["article", "due_since"], name="kb_reminder_once_per_due_date"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} → {self.owner_id}"


class ArticleEmbedding(models.Model):
    """The semantic-search vector of an article (only with the ``semantic`` extra)."""

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="embedding")
    model = models.CharField(max_length=100)
    vector = models.BinaryField()  # float32, L2-normalized
    revision = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.article_id} ({self.model})"
