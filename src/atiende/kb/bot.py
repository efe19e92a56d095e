"""Bot answers: the first reply to a new email or chat ticket, when a published public
article answers it with enough confidence.

* Triggered by ``email.received`` (outcome ``created`` and kind ``human`` only — never an
  auto-reply, bulk mail, bounce or loop) and by ``ticket.created`` for chat/WhatsApp.
* Never when the ticket is older than ``ATIENDE_KB_BOT_MAX_AGE_MINUTES``, already has an assignee or an agent reply, is a follow-up, or was
  answered by the bot before (one ``BotAnswer`` per ticket, unique).
* The reply is a public message by the bot user (an inactive agent account that can never
  sign in) with signed "yes / no" links. Yes solves the ticket at tier 0; no, or any
  customer reply, hands it to a human (status open) and emits ``kb.bot_outcome``.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from atiende.accounts.choices import Role
from atiende.accounts.models import User
from atiende.core import clock
from atiende.core.events import emit
from atiende.kb import conf
from atiende.kb.choices import BotOutcome, Language
from atiende.kb.events import BotAnswered, BotOutcomeRecorded
from atiende.kb.models import BotAnswer
from atiende.kb.search import ArticleHit, search_articles
from atiende.tickets.choices import MessageKind, Status, Tier
from atiende.tickets.models import Ticket

logger = logging.getLogger(__name__)
SALT = "atiende.kb.bot"
TOKEN_MAX_AGE = 60 * 60 * 24 * 30

_ES_HINTS = frozenset("el la los las de que y en por para con una mi no se como puedo hola gracias cuenta".split())
_EN_HINTS = frozenset("the to and of in my is it for how can i hello thanks account you".split())


def guess_language(text: str, default: str = Language.ES) -> str:
    words = text.lower().split()
    es = sum(1 for w in words if w in _ES_HINTS)
    en = sum(1 for w in words if w in _EN_HINTS)
    if es == en:
        return default
    return Language.ES if es > en else Language.EN


def bot_user() -> User:
    """The account bot replies are written by: an agent role (so replies are public agent
    messages the channels deliver) that is inactive, has no password and no team."""
    from atiende.accounts import services as accounts

    email = conf.get("ATIENDE_KB_BOT_EMAIL")
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = accounts.create_user(actor=None, email=email, name=_("Virtual assistant"), role=Role.AGENT)
        user = accounts.update_user(actor=None, user=user, is_active=False)
    return user


def make_token(answer: BotAnswer) -> str:
    return signing.dumps({"b": answer.pk, "t": answer.ticket_id}, salt=SALT, compress=True)


def read_token(token: str) -> BotAnswer | None:
    try:
        data = signing.loads(token, salt=SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    return (
        BotAnswer.objects.select_related("ticket", "article").filter(pk=data.get("b"), ticket_id=data.get("t")).first()
    )


def _absolute(path: str) -> str:
    return str(conf.get("ATIENDE_PUBLIC_URL")).rstrip("/") + path


def skip_reason(ticket: Ticket) -> str | None:
    """Why the bot must not answer ``ticket`` (``None``: it may)."""
    if not conf.get("ATIENDE_KB_BOT_ENABLED"):
        return "disabled"
    if ticket.channel not in conf.get("ATIENDE_KB_BOT_CHANNELS"):
        return "channel"
    if ticket.assignee_id is not None:
        return "assigned"
    if clock.now() - ticket.created_at > timedelta(minutes=int(conf.get("ATIENDE_KB_BOT_MAX_AGE_MINUTES"))):
        return "too_old"
    if ticket.agent_reply_count or ticket.first_response_at is not None:
        return "answered"
    if ticket.follow_up_of_id is not None or ticket.merged_into_id is not None:
        return "follow_up"
    if ticket.status not in {Status.NEW, Status.OPEN}:
        return "status"
    if BotAnswer.objects.filter(ticket=ticket).exists():
        return "already_answered"
    return None


def best_article(ticket: Ticket) -> tuple[ArticleHit | None, str]:
    first = ticket.messages.filter(kind=MessageKind.REPLY).order_by("id").first()
    text = f"{ticket.subject}\n{first.body_text if first else ''}"[:2000]
    language = guess_language(text)
    hits = search_articles(None, text, language=language, limit=5)  # anonymous: public articles only
    threshold = float(conf.get("ATIENDE_KB_BOT_CONFIDENCE"))
    good = [h for h in hits if h.confidence >= threshold]
    good.sort(key=lambda h: (-h.confidence, -h.score))
    return (good[0] if good else None), language


def _body(hit: ArticleHit, answer: BotAnswer, language: str) -> str:
    article = hit.article
    token = make_token(answer)
    url = _absolute(reverse("kb-help:article", kwargs={"language": article.language, "slug": article.slug}))
    yes = _absolute(reverse("kb-help:bot-feedback", kwargs={"token": token, "answer": "yes"}))
    no = _absolute(reverse("kb-help:bot-feedback", kwargs={"token": token, "answer": "no"}))
    summary = article.body_text.strip()
    if len(summary) > 700:
        summary = summary[:700].rsplit(" ", 1)[0] + "…"
    with translation.override(language):
        return "\n\n".join(
            [
                _("Hello, this article may answer your question:"),
                f"{article.title}\n{summary}\n{url}",
                _("Did this solve your problem?"),
                _("Yes, it is solved: %(url)s") % {"url": yes},
                _("No, I need a person: %(url)s") % {"url": no},
                _("If you reply to this message, an agent will take over."),
            ]
        )


@transaction.atomic
def maybe_answer(*, ticket_id: int) -> BotAnswer | None:
    """Answer a new ticket with an article, if allowed and confident enough. Idempotent."""
    from atiende.tickets.services import add_message

    ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
    if ticket is None or skip_reason(ticket) is not None:
        return None
    hit, language = best_article(ticket)
    if hit is None:
        return None
    answer = BotAnswer.objects.create(ticket=ticket, article=hit.article, score=hit.confidence, answered_at=clock.now())
    message = add_message(actor=bot_user(), ticket=ticket, body=_body(hit, answer, language), status=Status.PENDING)
    answer.message = message
    answer.save(update_fields=["message"])
    emit(BotAnswered(ticket_id=ticket.pk, article_id=hit.article.pk, score=hit.confidence), subject=ticket)
    return answer


def _settle(answer: BotAnswer, outcome: str) -> None:
    answer.outcome = outcome
    answer.outcome_at = clock.now()
    answer.save(update_fields=["outcome", "outcome_at"])
    emit(
        BotOutcomeRecorded(ticket_id=answer.ticket_id, article_id=answer.article_id, outcome=outcome),
        subject=answer.ticket,
    )


@transaction.atomic
def answer_feedback(*, answer: BotAnswer, solved: bool) -> BotAnswer:
    """The customer followed "yes" or "no". A second click changes nothing."""
    from atiende.tickets.services import update_ticket

    answer = BotAnswer.objects.select_for_update().select_related("ticket").get(pk=answer.pk)
    if answer.outcome != BotOutcome.PENDING:
        return answer
    ticket = answer.ticket
    if ticket.status == Status.CLOSED:
        return answer
    if solved:
        update_ticket(actor=None, ticket=ticket, status=Status.SOLVED, tier=Tier.SELF_SERVICE)
        _settle(answer, BotOutcome.SOLVED)
    else:
        if ticket.status != Status.OPEN:
            update_ticket(actor=None, ticket=ticket, status=Status.OPEN)
        _settle(answer, BotOutcome.DECLINED)
    return answer


@transaction.atomic
def customer_replied(*, ticket_id: int) -> bool:
    """Any customer reply after a bot answer hands the ticket to a human (it is open again)."""
    answer = BotAnswer.objects.select_for_update().filter(ticket_id=ticket_id, outcome=BotOutcome.PENDING).first()
    if answer is None:
        return False
    _settle(answer, BotOutcome.REPLIED)
    return True


def stats() -> dict[str, Any]:
    from django.db.models import Count

    counts = dict(BotAnswer.objects.values_list("outcome").annotate(n=Count("id")).values_list("outcome", "n"))
    total = sum(counts.values())
    return {
        "answered": total,
        **{o: int(counts.get(o, 0)) for o in BotOutcome.values},
        "tier0_rate": round(counts.get(BotOutcome.SOLVED, 0) / total, 3) if total else 0.0,
    }
