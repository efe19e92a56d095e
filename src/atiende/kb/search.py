# ruff: noqa: S608  - table, column and configuration names are constants, never user input
"""One search over articles and tickets.

Articles: full-text with ranking on both engines —

* SQLite: an FTS5 table ``kb_article_fts`` (title, keywords, body) with ``unicode61
  remove_diacritics 2`` (accent-insensitive), ranked by ``bm25`` with the title and
  keywords weighted above the body;
* PostgreSQL: text search configurations ``atiende_es`` / ``atiende_en`` (``spanish`` /
  ``english`` stemming after ``unaccent``); each article's weighted vector — A (title),
  B (keywords and synonyms), D (body), in its language's configuration — is stored in
  ``kb_article_search`` by a trigger, GIN-indexed, ranked by ``ts_rank_cd``.

Every query term is a prefix (search-as-you-type) of a lightly stemmed word, terms are
OR-ed and the rank decides, so a question typed in natural language still finds the
article. Visibility is part of the SQL: the candidate ids come from the viewer's scoped
queryset as a subquery. Snippets are highlighted in Python with the text escaped first.

Hybrid search (optional ``semantic`` extra) fuses the full-text ranking with embedding
similarity by reciprocal rank fusion; without an embedder it is the full-text ranking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils.safestring import SafeString

from atiende.core.search import fold, snippet
from atiende.kb import selectors
from atiende.kb.models import Article
from atiende.kb.selectors import Viewer

FTS_TABLE = "kb_article_fts"
PG_CONFIGS = {"es": "atiende_es", "en": "atiende_en"}
WEIGHTS_SQLITE = (10.0, 6.0, 1.0)  # title, keywords, body
RRF_K = 60

STOPWORDS = frozenset(
    """
    a al algo algun alguna como con cual cuales cuando de del donde el ella ellos en era es esta este esto
    estoy fue ha hay la las le lo los me mi mis muy no nos o para pero por porque puedo puede que se ser si sin
    sobre su sus te tengo ti tu tus un una uno unos y ya yo quiero hacer hago necesito
    about an and are as at be but by can could did do does for from have how i if in is it its me my no not of
    on or our so that the their there this to was we what when where which who why will with you your
    """.split()
)
SUFFIXES = (
    "aciones", "imiento", "amiento", "ations", "acion", "ation", "mente", "iendo", "ando", "ados", "idos",
    "adas", "idas", "ing", "ado", "ido", "ada", "ida", "es", "ar", "er", "ir", "ed", "os", "as", "s", "a", "o", "e",
)  # fmt: skip
MIN_STEM = 4
_WORD = re.compile(r"\w+", re.UNICODE)


def stem(word: str) -> str:
    """A light stem for prefix matching in Spanish and English (``facturas`` → ``factur``)."""
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            return word[: -len(suffix)]
    return word


def query_words(query: str, *, limit: int = 12) -> list[str]:
    """Folded (lower case, no accents) words, stop words dropped, unique, in order."""
    words = [w for w in _WORD.findall(fold(query)) if not w.isdigit() or len(w) > 2]
    content = [w for w in words if w not in STOPWORDS and len(w) > 1] or words
    out: list[str] = []
    for word in content:
        if word not in out:
            out.append(word)
    return out[:limit]


def query_terms(query: str, *, limit: int = 12) -> list[str]:
    """:func:`query_words`, lightly stemmed (the prefixes SQLite matches and snippets mark)."""
    out: list[str] = []
    for word in query_words(query, limit=limit):
        term = stem(word)
        if term and term not in out:
            out.append(term)
    return out


@dataclass
class ArticleHit:
    article: Article
    score: float
    snippet: SafeString
    confidence: float
    sources: dict[str, int] = field(default_factory=dict)  # rank in each list (hybrid)


def _ranked_ids_sqlite(scoped: QuerySet[Article], terms: list[str], limit: int) -> list[tuple[int, float]]:
    match = " OR ".join(f'"{t}"*' for t in terms)
    sub_sql, sub_params = scoped.order_by().values("id").query.sql_with_params()
    w = ", ".join(str(x) for x in WEIGHTS_SQLITE)
    sql = (
        f"SELECT rowid, bm25({FTS_TABLE}, {w}) AS r FROM {FTS_TABLE} "
        f"WHERE {FTS_TABLE} MATCH %s AND rowid IN ({sub_sql}) ORDER BY r LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [match, *sub_params, limit])
        return [(int(pk), -float(r)) for pk, r in cursor.fetchall()]


PG_TABLE = "kb_article_search"  # article_id, language, vector: kept by a trigger (migration 0003)


PREFIX_MIN = 3  # PostgreSQL: the word being typed is a prefix from 3 letters on


def pg_tsquery(words: list[str]) -> str:
    """Whole words (the configuration stems them: ``facturas`` → ``factur``), OR-ed; the
    last one, still being typed, as a prefix. Whole words keep the GIN lookup selective."""
    parts = list(words[:-1])
    last = words[-1]
    parts.append(f"{last}:*" if len(last) >= PREFIX_MIN else last)
    return " | ".join(parts)


def _ranked_ids_pg(scoped: QuerySet[Article], words: list[str], limit: int) -> list[tuple[int, float]]:
    tsq = pg_tsquery(words)
    sub_sql, sub_params = scoped.order_by().values("id").query.sql_with_params()
    es, en = PG_CONFIGS["es"], PG_CONFIGS["en"]
    sql = (
        f"SELECT s.article_id, ts_rank_cd(s.vector, CASE WHEN s.language = 'en' "
        f"THEN to_tsquery('{en}', %s) ELSE to_tsquery('{es}', %s) END) AS r "
        f"FROM {PG_TABLE} s WHERE s.article_id IN ({sub_sql}) AND ("
        f"(s.language = 'en' AND s.vector @@ to_tsquery('{en}', %s)) OR "
        f"(s.language <> 'en' AND s.vector @@ to_tsquery('{es}', %s))) "
        f"ORDER BY r DESC, s.article_id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [tsq, tsq, *sub_params, tsq, tsq, limit])
        return [(int(pk), float(r)) for pk, r in cursor.fetchall()]


def _ranked_ids_fallback(scoped: QuerySet[Article], terms: list[str], limit: int) -> list[tuple[int, float]]:
    scores: list[tuple[int, float]] = []
    for a in scoped.only("id", "title", "keywords", "body_text"):
        s = confidence(terms, a)
        if s > 0:
            scores.append((a.pk, s))
    scores.sort(key=lambda x: (-x[1], x[0]))
    return scores[:limit]


def ranked_ids(scoped: QuerySet[Article], query: str, limit: int) -> list[tuple[int, float]]:
    """(article id, score) best first, only among ``scoped`` (visibility stays in SQL)."""
    terms = query_terms(query)
    if not terms:
        return []
    if connection.vendor == "sqlite":
        return _ranked_ids_sqlite(scoped, terms, limit)
    if connection.vendor == "postgresql":
        return _ranked_ids_pg(scoped, query_words(query), limit)
    return _ranked_ids_fallback(scoped, terms, limit)


def _words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def _match(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


def confidence(terms: list[str], article: Article) -> float:
    """How sure we are that ``article`` answers the query, 0..1 (used by the bot and suggestions).

    Half: the share of the query's terms found in the article. Half: the best share of
    one "phrase" of the article — its title or one of its keywords — found in the query.
    """
    if not terms:
        return 0.0
    words = set(_words(f"{article.title} {article.keywords} {article.body_text}"))
    coverage = sum(1 for t in terms if any(w.startswith(t) for w in words)) / len(terms)
    phrases = [article.title, *article.keywords.split(",")]
    best = 0.0
    for phrase in phrases:
        pterms = query_terms(phrase)
        if pterms:
            best = max(best, sum(1 for p in pterms if any(_match(t, p) for t in terms)) / len(pterms))
    return round(0.5 * coverage + 0.5 * best, 4)


def _hits(ids: list[tuple[int, float]], terms: list[str]) -> list[ArticleHit]:
    articles = Article.objects.select_related("category").defer("body_html").in_bulk([pk for pk, _ in ids])
    out = []
    for pk, score in ids:
        article = articles.get(pk)
        if article is None:
            continue
        out.append(
            ArticleHit(
                article=article,
                score=score,
                snippet=snippet(article.body_text, terms),
                confidence=confidence(terms, article),
            )
        )
    return out


def search_articles(
    viewer: Viewer,
    query: str,
    *,
    language: str | None = None,
    limit: int = 10,
    scoped: QuerySet[Article] | None = None,
) -> list[ArticleHit]:
    """Full-text search over the published articles ``viewer`` may read."""
    terms = query_terms(query)
    if scoped is None:
        scoped = selectors.published_articles(viewer, language)
    return _hits(ranked_ids(scoped, query, limit), terms)


def fuse(rankings: list[list[int]], k: int = RRF_K) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: sum of 1 / (k + rank) over the lists an id appears in."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, pk in enumerate(ranking, start=1):
            scores[pk] = scores.get(pk, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda x: (-x[1], x[0]))


def hybrid_search(
    viewer: Viewer,
    query: str,
    *,
    language: str | None = None,
    limit: int = 10,
    depth: int = 50,
    embedder: Any = None,
) -> list[ArticleHit]:
    """Full-text and semantic rankings fused (RRF); plain full-text without an embedder."""
    from atiende.kb import semantic

    embedder = embedder or semantic.get_embedder()
    scoped = selectors.published_articles(viewer, language)
    terms = query_terms(query)
    if embedder is None:
        return _hits(ranked_ids(scoped, query, limit), terms)
    text_ranking = [pk for pk, _ in ranked_ids(scoped, query, depth)]
    semantic_ranking = [pk for pk, _ in semantic.nearest(embedder, scoped, query, limit=depth)]
    fused = fuse([text_ranking, semantic_ranking])[:limit]
    hits = _hits(fused, terms)
    for hit in hits:
        pk = hit.article.pk
        hit.sources = {
            name: ranking.index(pk) + 1
            for name, ranking in (("text", text_ranking), ("semantic", semantic_ranking))
            if pk in ranking
        }
    return hits


@dataclass
class TicketHit:
    ticket: Any
    snippet: SafeString | None


@dataclass
class Results:
    query: str
    articles: list[ArticleHit]
    tickets: list[TicketHit]


def search(
    viewer: Viewer,
    query: str,
    *,
    language: str | None = None,
    articles: int = 10,
    tickets: int = 10,
) -> Results:
    """The one search: articles (hybrid when available) and the tickets the viewer may see.

    Customers get their own tickets without snippets: a ticket's search text holds
    internal notes too, and an excerpt must never show them.
    """
    from atiende.tickets.selectors import search_tickets, ticket_list

    article_hits = hybrid_search(viewer, query, language=language, limit=articles) if articles else []
    ticket_hits: list[TicketHit] = []
    user = selectors.as_user(viewer)
    if tickets and user is not None and query.strip():
        rows = list(search_tickets(ticket_list(user), query).order_by("-id")[:tickets])
        terms = [fold(w) for w in _WORD.findall(query)]
        if user.is_agent:
            texts = (
                dict(type(rows[0]).objects.filter(pk__in=[t.pk for t in rows]).values_list("pk", "search_text"))
                if rows
                else {}
            )
            ticket_hits = [TicketHit(ticket=t, snippet=snippet(texts.get(t.pk, ""), terms)) for t in rows]
        else:
            ticket_hits = [TicketHit(ticket=t, snippet=None) for t in rows]
    return Results(query=query, articles=article_hits, tickets=ticket_hits)
