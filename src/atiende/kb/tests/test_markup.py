"""kb pages pass the same markup audit as every page (CSP-safe, one h1, labelled controls)."""

from __future__ import annotations

import pytest
from django.test import Client

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import PASSWORD, make_user
from atiende.contacts.tests.factories import make_customer
from atiende.kb import bot
from atiende.kb.choices import Visibility
from atiende.kb.models import BotAnswer
from atiende.kb.tests.factories import make_article, make_category
from atiende.tickets.tests.factories import make_ticket
from atiende.web.tests.test_markup import audit

pytestmark = pytest.mark.django_db


def test_kb_pages_markup() -> None:
    cat = make_category(slug="cuenta", name="Cuenta")
    a = make_article(category=cat, title="Cambiar la contraseña", slug="cambiar", keywords="clave")
    make_article(category=cat, title="SOP", visibility=Visibility.AGENTS, pinned=True)
    anonymous = Client()
    for url in ("/help/es/", "/help/en/", "/help/es/categories/cuenta/", "/help/es/articles/cambiar/",
                "/help/es/search/?q=contraseña", "/help/es/search/"):  # fmt: skip
        audit(anonymous, url)
    ticket = make_ticket(channel="email", subject="contraseña")
    answer = BotAnswer.objects.create(ticket=ticket, article=a, score=1.0, answered_at=ticket.created_at)
    audit(anonymous, f"/help/bot/{bot.make_token(answer)}/yes/")
    customer, _ = make_customer()
    customer_client = Client()
    assert customer_client.login(email=customer.email, password=PASSWORD)
    audit(customer_client, "/portal/requests/new/")
    agent = make_user(role=Role.ADMIN)
    agent_client = Client()
    assert agent_client.login(email=agent.email, password=PASSWORD)
    a.refresh_from_db()
    for url in ("/kb/", "/kb/?q=clave", "/kb/articles/new/", f"/kb/articles/{a.pk}/", f"/kb/articles/{a.pk}/edit/",
                f"/kb/articles/{a.pk}/revisions/1/", "/kb/deflection/", f"/agent/tickets/{ticket.number}/"):  # fmt: skip
        audit(agent_client, url)
