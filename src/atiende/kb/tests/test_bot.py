"""Bot answers: confident match only, never loops, autoreplies, bounces or assigned tickets."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from atiende.accounts.tests.factories import make_user
from atiende.channels.events import EmailReceived
from atiende.contacts.tests.factories import make_contact
from atiende.core.events import emit
from atiende.core.models import OutboxEvent
from atiende.kb import bot
from atiende.kb.choices import BotOutcome, Visibility
from atiende.kb.models import BotAnswer
from atiende.kb.tests.factories import deliver_kb, make_article
from atiende.tickets.choices import Status, Tier
from atiende.tickets.services import add_message
from atiende.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return make_article(
        title="Cómo restablecer la contraseña",
        keywords="clave, olvidé contraseña, password",
        body_html="<p>Pulse «¿Olvidó su contraseña?» en la página de acceso y siga el enlace.</p>",
    )


def email_ticket(kind: str = "human", **extra):
    ticket = make_ticket(
        channel="email", subject=extra.pop("subject", "Olvidé mi contraseña"),
        body=extra.pop("body", "No puedo entrar, olvidé la contraseña."), **extra,
    )  # fmt: skip
    emit(EmailReceived(inbound_id=1, inbox_id=None, outcome="created", kind=kind, ticket_id=ticket.pk,
                       message_id=None), subject=ticket)  # fmt: skip
    deliver_kb()
    ticket.refresh_from_db()
    return ticket


def test_answers_a_new_email_with_a_confident_public_article(article) -> None:
    ticket = email_ticket()
    answer = BotAnswer.objects.get(ticket=ticket)
    assert answer.article == article and answer.score >= 0.7
    assert ticket.status == Status.PENDING
    message = answer.message
    assert message is not None
    assert message.author_user == bot.bot_user() and not message.author_user.is_active
    assert "/help/es/articles/" in message.body_text and "/help/bot/" in message.body_text
    assert OutboxEvent.objects.filter(type="kb.bot_answered").count() == 1


@pytest.mark.parametrize("kind", ["auto_reply", "automated", "bounce", "loop", "complaint"])
def test_never_answers_automatic_mail(article, kind) -> None:
    email_ticket(kind=kind)
    assert not BotAnswer.objects.exists()


def test_never_answers_assigned_tickets_or_below_confidence(article) -> None:
    agent = make_user()
    email_ticket(actor=agent, assignee=agent)
    email_ticket(subject="Factura duplicada", body="Me cobraron dos veces.")
    assert not BotAnswer.objects.exists()


def test_internal_articles_are_never_sent(article) -> None:
    article.visibility = Visibility.AGENTS
    article.save()
    email_ticket()
    assert not BotAnswer.objects.exists()


def test_never_answers_twice_nor_its_own_messages_nor_replies(article) -> None:
    ticket = email_ticket()
    bot.maybe_answer(ticket_id=ticket.pk)  # a re-delivery
    emit(EmailReceived(inbound_id=2, inbox_id=None, outcome="created", kind="human", ticket_id=ticket.pk,
                       message_id=None), subject=ticket)  # fmt: skip
    deliver_kb()
    assert BotAnswer.objects.count() == 1
    assert ticket.messages.filter(author_user__isnull=False).count() == 1
    # The customer (or their autoresponder) writes back: a human takes over, the bot stays silent.
    add_message(
        actor=None, ticket=ticket, author_contact=ticket.requester, body="Sigue sin funcionar, olvidé la contraseña"
    )
    deliver_kb()
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert BotAnswer.objects.get().outcome == BotOutcome.REPLIED
    assert ticket.messages.filter(author_user__isnull=False).count() == 1


def test_chat_answered_on_creation_portal_not(article) -> None:
    make_ticket(channel="chat", subject="Olvidé mi contraseña", body="olvidé la contraseña")
    make_ticket(channel="portal", subject="Olvidé mi contraseña", body="olvidé la contraseña")
    deliver_kb()
    assert BotAnswer.objects.count() == 1


def test_late_delivery_is_not_answered(article) -> None:
    from datetime import timedelta

    from atiende.core import clock

    with clock.frozen_at(clock.now() - timedelta(hours=2)):
        make_ticket(channel="chat", subject="Olvidé mi contraseña", body="olvidé la contraseña")
    deliver_kb()
    assert not BotAnswer.objects.exists()


@override_settings(ATIENDE_KB_BOT_CONFIDENCE=1.01)
def test_threshold_is_configurable(article) -> None:
    email_ticket()
    assert not BotAnswer.objects.exists()


def test_yes_solves_at_tier_zero_and_no_hands_over(article, client: Client) -> None:
    yes_ticket = email_ticket()
    no_ticket = email_ticket(requester=make_contact())
    yes = bot.make_token(BotAnswer.objects.get(ticket=yes_ticket))
    no = bot.make_token(BotAnswer.objects.get(ticket=no_ticket))
    url = reverse("kb-help:bot-feedback", kwargs={"token": yes, "answer": "yes"})
    assert client.get(url).status_code == 200  # a mail scanner following the link changes nothing
    yes_ticket.refresh_from_db()
    assert yes_ticket.status == Status.PENDING
    assert client.post(url).status_code == 200
    yes_ticket.refresh_from_db()
    assert yes_ticket.status == Status.SOLVED and yes_ticket.tier == Tier.SELF_SERVICE
    client.post(reverse("kb-help:bot-feedback", kwargs={"token": no, "answer": "no"}))
    no_ticket.refresh_from_db()
    assert no_ticket.status == Status.OPEN
    assert BotAnswer.objects.get(ticket=no_ticket).outcome == BotOutcome.DECLINED
    assert bot.stats()["solved"] == 1
    forged = reverse("kb-help:bot-feedback", kwargs={"token": yes[:-2] + "xx", "answer": "yes"})
    assert client.post(forged).status_code == 404
