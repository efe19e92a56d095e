"""Reactions of the knowledge base to events of the apps below it (and to its own)."""

from __future__ import annotations

from atiende.core.events import subscribe
from atiende.core.models import OutboxEvent
from atiende.kb import bot, services
from atiende.tickets.models import Ticket


@subscribe("ticket.created", name="kb.remember_searches")
def remember_searches(event: OutboxEvent) -> None:
    """Searches and suggestions of the requester in the last 24 h did not deflect this request."""
    ticket = Ticket.objects.filter(pk=event.payload.get("ticket_id")).select_related("requester").first()
    if ticket is None:
        return
    # The requester's own searches (an agent may have opened the ticket for them).
    user_id = ticket.requester.user_id if ticket.requester.user_id is not None else event.actor_id
    services.link_ticket(ticket=ticket, user_id=user_id)


@subscribe("ticket.created", name="kb.bot_answer_chat")
def bot_answer_chat(event: OutboxEvent) -> None:
    """Chat and WhatsApp tickets: answer on creation. Email waits for ``email.received``,
    which says whether the mail was written by a person."""
    if event.payload.get("channel") in {"email", None} or event.payload.get("assignee_id"):
        return
    bot.maybe_answer(ticket_id=int(event.payload["ticket_id"]))


@subscribe("email.received", name="kb.bot_answer_email")
def bot_answer_email(event: OutboxEvent) -> None:
    payload = event.payload
    if payload.get("outcome") != "created" or payload.get("kind") != "human" or not payload.get("ticket_id"):
        return  # auto-replies, bulk mail, bounces, loops and replies to existing tickets: never
    bot.maybe_answer(ticket_id=int(payload["ticket_id"]))


@subscribe("ticket.message_added", name="kb.bot_handoff_on_reply")
def bot_handoff_on_reply(event: OutboxEvent) -> None:
    if event.payload.get("author_kind") != "customer":
        return
    bot.customer_replied(ticket_id=int(event.payload["ticket_id"]))


def _has_embedder(event: OutboxEvent) -> bool:
    from atiende.kb import semantic

    return semantic.get_embedder() is not None


@subscribe("kb.article_published", "kb.article_changed", name="kb.index_embedding", when=_has_embedder)
def index_embedding(event: OutboxEvent) -> None:
    """Keep the semantic vector of a published article current (only with an embedder)."""
    from atiende.kb import semantic
    from atiende.kb.choices import ArticleStatus
    from atiende.kb.models import Article

    embedder = semantic.get_embedder()
    if embedder is None:
        return
    article = Article.objects.filter(pk=event.payload.get("article_id"), status=ArticleStatus.PUBLISHED).first()
    if article is not None:
        semantic.index_articles(embedder, [article])
