"""Demo knowledge base: the shipped bilingual article set (``atiende.kb.corpus``), owned by
the supervisor and linked to the service catalog, plus two weeks of help-center searches
and request-form suggestions so the deflection report has something to show."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from atiende.core import clock
from atiende.kb import corpus, search, services
from atiende.kb.choices import SearchSource


def setup(loader: Any) -> None:
    owner = loader.users.get("daniel.ortega")
    corpus.load(owner=owner, ticket_categories=dict(loader.categories))
    rng = loader.rng
    now = clock.now()
    questions = corpus.QUERIES
    for i in range(60):
        language, question, _slug = questions[rng.randrange(len(questions))]
        hits = search.search_articles(None, question, language=language, limit=5)
        source = SearchSource.HELP_CENTER if i % 3 else SearchSource.SUGGESTION
        with clock.frozen_at(now - timedelta(days=rng.randint(2, 14), minutes=rng.randint(0, 600))):
            event = services.record_search(
                source=source, query=question, language=language, articles=[h.article for h in hits],
                visitor=f"demo-{i}",
            )  # fmt: skip
            if hits and rng.random() < 0.6:
                services.record_open(event_id=event.pk, article=hits[0].article)
                services.record_view(article=hits[0].article)
                if rng.random() < 0.5:
                    services.leave_feedback(article=hits[0].article, helpful=rng.random() < 0.8, visitor=f"demo-{i}")
    services.settle_deflection(now=now)
