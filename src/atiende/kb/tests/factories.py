"""Factories that build knowledge-base data through the real services."""

from __future__ import annotations

import itertools
from typing import Any

from atiende.accounts.choices import Role
from atiende.accounts.models import User
from atiende.accounts.tests.factories import make_user
from atiende.kb import services
from atiende.kb.models import Article, KbCategory

_seq = itertools.count(1)


def make_category(**extra: Any) -> KbCategory:
    n = next(_seq)
    return services.create_category(actor=None, name=extra.pop("name", f"Categoría {n}"), **extra)


def make_article(
    *, category: KbCategory | None = None, publish: bool = True, owner: User | None = None, **extra: Any
) -> Article:
    n = next(_seq)
    owner = owner or make_user(role=Role.SUPERVISOR)
    article = services.create_article(
        actor=owner,
        category=category or make_category(),
        title=extra.pop("title", f"Artículo {n}"),
        body_html=extra.pop("body_html", f"<p>Texto del artículo {n}.</p>"),
        owner=owner,
        **extra,
    )
    if publish:
        article = services.publish(actor=owner, article=article)
    return article


def deliver_kb() -> int:
    """Run the kb subscribers on every event not yet handled by them (and on the events
    they emit), as the worker would after commit. Other apps' subscribers are left out,
    so these tests do not depend on them. Errors propagate."""
    from atiende.core import events
    from atiende.core.models import EventDelivery, OutboxEvent

    handled = 0
    for _round in range(20):
        progress = False
        for event in OutboxEvent.objects.order_by("created_at", "pk"):
            done = set(EventDelivery.objects.filter(event=event).values_list("subscriber", flat=True))
            for sub in events.subscribers_for(event.type):
                if sub.name.startswith("kb.") and sub.name not in done:
                    events._deliver_to(event, sub)
                    handled += 1
                    progress = True
        if not progress:
            break
    return handled
