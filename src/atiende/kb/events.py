"""Events the knowledge base emits. Payloads carry ids; subscribers load what they need."""

from __future__ import annotations

from dataclasses import dataclass

from atiende.core.events import Event, register_event


@register_event
@dataclass(frozen=True)
class ArticleChanged(Event):
    """An article was created, edited, restored or moved in the workflow."""

    type = "kb.article_changed"
    article_id: int
    status: str
    revision: int
    fields: list[str]


@register_event
@dataclass(frozen=True)
class ArticlePublished(Event):
    type = "kb.article_published"
    article_id: int
    language: str
    revision: int


@register_event
@dataclass(frozen=True)
class BotAnswered(Event):
    """The bot sent an article as the first answer to a new ticket."""

    type = "kb.bot_answered"
    ticket_id: int
    article_id: int
    score: float


@register_event
@dataclass(frozen=True)
class BotOutcomeRecorded(Event):
    """The customer answered the bot: ``solved`` (tier-0 resolution), ``declined`` or ``replied``.

    ``declined`` and ``replied`` mean the ticket now needs a human (routing may subscribe).
    """

    type = "kb.bot_outcome"
    ticket_id: int
    article_id: int | None
    outcome: str


@register_event
@dataclass(frozen=True)
class ArticleStale(Event):
    type = "kb.article_stale"
    article_id: int
    owner_id: int
