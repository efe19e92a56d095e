"""The shipped query set against the shipped articles: relevance must not regress."""

from __future__ import annotations

import numpy as np
import pytest

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_user
from atiende.kb import corpus, evaluation, search, semantic
from atiende.kb.models import Article

pytestmark = pytest.mark.django_db


class HashingEmbedder:
    """Deterministic stand-in for the model: a bag of hashed 4-character prefixes of words."""

    name = "test-hashing"

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 256), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in search.query_terms(text, limit=200):
                out[i, hash(word[:4]) % 256] += 1.0
            norm = np.linalg.norm(out[i])
            if norm:
                out[i] /= norm
        return out


def test_query_set_is_large_and_labels_exist() -> None:
    assert len(corpus.QUERIES) >= 40
    assert {lang for lang, _, _ in corpus.QUERIES} == {"es", "en"}
    slugs = {t[lang][0] for t in corpus.TOPICS for lang in ("es", "en")}  # type: ignore[literal-required]
    assert {slug for _, _, slug in corpus.QUERIES} <= slugs


def test_full_text_and_hybrid_relevance() -> None:
    corpus.load(owner=make_user(role=Role.SUPERVISOR))
    assert Article.objects.count() == 2 * len(corpus.TOPICS) + len(corpus.SOPS)
    text = evaluation.evaluate("fulltext")
    assert text.mrr >= 0.8 and text.recall >= 0.9, text.misses
    # Without an embedder hybrid is exactly full-text.
    assert semantic.get_embedder() is None  # conftest: no model in the suite
    assert evaluation.evaluate("hybrid").mrr == text.mrr
    embedder = HashingEmbedder()
    assert semantic.index_articles(embedder, list(Article.objects.all())) == Article.objects.count()
    assert semantic.index_articles(embedder, list(Article.objects.all())) == 0  # up to date
    hybrid = evaluation.evaluate("hybrid", embedder=embedder)
    assert hybrid.recall >= 0.9, hybrid.misses
    # Internal SOPs never reach anonymous visitors, through either ranking.
    hits = search.hybrid_search(None, "aprobar un reembolso procedimiento", language="es", embedder=embedder)
    assert all(h.article.visibility == "public" for h in hits)


def test_periodic_backfill_of_embeddings() -> None:
    from atiende.kb import tasks
    from atiende.kb.tests.factories import make_article

    make_article(title="Uno")
    make_article(title="Dos", publish=False)
    assert tasks.index_embeddings.call() == 0  # no embedder: nothing to do
    semantic.set_embedder(HashingEmbedder())
    assert tasks.index_embeddings.call() == 1  # published only
    assert tasks.index_embeddings.call() == 0
