"""Choices of the knowledge base."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


# Allowed workflow moves: draft → review → published; review can go back to draft;
# a published article can be archived or sent back to draft; archived can be restored to draft.
TRANSITIONS: dict[str, frozenset[str]] = {
    ArticleStatus.DRAFT: frozenset({ArticleStatus.REVIEW, ArticleStatus.ARCHIVED}),
    ArticleStatus.REVIEW: frozenset({ArticleStatus.DRAFT, ArticleStatus.PUBLISHED, ArticleStatus.ARCHIVED}),
    ArticleStatus.PUBLISHED: frozenset({ArticleStatus.DRAFT, ArticleStatus.ARCHIVED}),
    ArticleStatus.ARCHIVED: frozenset({ArticleStatus.DRAFT}),
}


class Visibility(models.TextChoices):
    """Who may read an article, from the widest audience to the narrowest."""

    PUBLIC = "public", _("Everyone (public)")
    CUSTOMERS = "customers", _("Signed-in customers")
    ORGANIZATION = "organization", _("One organization")
    AGENTS = "agents", _("Agents only (internal)")


class Language(models.TextChoices):
    ES = "es", _("Spanish")
    EN = "en", _("English")


class SearchSource(models.TextChoices):
    HELP_CENTER = "help_center", _("Help center search")
    SUGGESTION = "suggestion", _("Suggestions on the request form")
    AGENT = "agent", _("Agent search")
    API = "api", _("API")


class SearchOutcome(models.TextChoices):
    PENDING = "pending", _("Waiting (less than 24 hours)")
    DEFLECTED = "deflected", _("No request followed (deflected)")
    TICKET = "ticket", _("A request followed")


class BotOutcome(models.TextChoices):
    PENDING = "pending", _("Waiting for the customer")
    SOLVED = "solved", _("Solved by the article")
    DECLINED = "declined", _("Customer said it did not help")
    REPLIED = "replied", _("Customer replied")
