"""Relevance of search on the labelled query set: MRR@k and recall@k (full-text and hybrid)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from atiende.kb import search
from atiende.kb.corpus import QUERIES


@dataclass
class Relevance:
    mode: str
    queries: int
    mrr: float
    recall: float
    misses: list[tuple[str, str, list[str]]]


def evaluate(mode: str = "fulltext", *, k: int = 5, embedder: Any = None) -> Relevance:
    """Run every labelled query as an anonymous visitor in its language."""
    reciprocal = 0.0
    found = 0
    misses = []
    for language, question, slug in QUERIES:
        if mode == "hybrid":
            hits = search.hybrid_search(None, question, language=language, limit=k, embedder=embedder)
        else:
            hits = search.search_articles(None, question, language=language, limit=k)
        slugs = [h.article.slug for h in hits]
        if slug in slugs:
            found += 1
            reciprocal += 1.0 / (slugs.index(slug) + 1)
        else:
            misses.append((language, question, slugs))
    n = len(QUERIES)
    return Relevance(mode=mode, queries=n, mrr=round(reciprocal / n, 3), recall=round(found / n, 3), misses=misses)
