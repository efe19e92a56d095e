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
