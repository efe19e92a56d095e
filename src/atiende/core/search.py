# ruff: noqa: S608  - table and column names are constants from migrations, never user input
"""Full-text search behind one interface: SQLite FTS5 or PostgreSQL tsvector.

A model that wants full-text search keeps one text column (e.g. ``search_text``)
and a migration calls :func:`create_fts_sql` for it. On SQLite that creates an FTS5
index kept in sync by triggers; on PostgreSQL a GIN expression index.
"""

from __future__ import annotations

import re
from typing import TypeVar

from django.db import connection
from django.db.models import Model, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

M = TypeVar("M", bound=Model)

_WORD = re.compile(r"\w+", re.UNICODE)
FTS_CONFIG = "simple"


def _fts_table(table: str) -> str:
    return f"{table}_fts"


def create_fts_sql(vendor: str, table: str, column: str) -> list[str]:
    if vendor == "sqlite":
        fts = _fts_table(table)
        return [
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5("
            f"{column}, content='{table}', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
            f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
            f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END",
            f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column}); END",
            f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF {column} ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column}); "
            f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END",
        ]
    if vendor == "postgresql":
        return [
            f"CREATE INDEX IF NOT EXISTS {table}_{column}_fts ON {table} "
            f"USING gin (to_tsvector('{FTS_CONFIG}', {column}))",
        ]
    return []


def drop_fts_sql(vendor: str, table: str, column: str) -> list[str]:
    if vendor == "sqlite":
        fts = _fts_table(table)
        return [f"DROP TABLE IF EXISTS {fts}"] + [
            f"DROP TRIGGER IF EXISTS {fts}_{suffix}" for suffix in ("ai", "ad", "au")
        ]
    if vendor == "postgresql":
        return [f"DROP INDEX IF EXISTS {table}_{column}_fts"]
    return []


def terms(query: str) -> list[str]:
    return _WORD.findall(query.lower())[:16]


def filter_full_text(queryset: QuerySet[M], column: str, query: str) -> QuerySet[M]:
    """Rows whose ``column`` contains every word of ``query`` (prefix match on the last)."""
    words = terms(query)
    if not words:
        return queryset
    table = queryset.model._meta.db_table
    vendor = connection.vendor
    if vendor == "sqlite":
        match = " ".join(f'"{w}"' for w in words[:-1]) + f' "{words[-1]}"*'
        fts = _fts_table(table)
        return queryset.filter(
            id__in=RawSQL(f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s", [match.strip()])  # noqa: S611
        )
    if vendor == "postgresql":
        tsquery = " & ".join([*words[:-1], f"{words[-1]}:*"])
        return queryset.extra(  # noqa: S610 - parameters are bound
            where=[f"to_tsvector('{FTS_CONFIG}', {table}.{column}) @@ to_tsquery('{FTS_CONFIG}', %s)"],
            params=[tsquery],
        )
    lookup = {f"{column}__icontains": query}
    return queryset.filter(**lookup)


# --- snippets (both engines: computed in Python on the few rows of a page) -----------------------


def fold(text: str) -> str:
    """Lower case without diacritics, same length as ``text`` (``Contraseña`` → ``contrasena``)."""
    import unicodedata

    out = []
    for ch in text:
        base = unicodedata.normalize("NFD", ch)[0] if ch.isalpha() else ch
        out.append(base.lower() if len(base.lower()) == 1 else ch)
    return "".join(out)


def snippet(text: str, prefixes: list[str], *, width: int = 180) -> SafeString:
    """An escaped excerpt of ``text`` around the first match with each match in ``<mark>``.

    ``prefixes`` are folded word prefixes (see :func:`fold`); a word matches when it
    starts with one, so accents and case never hide a match. The text is escaped
    before the marks are added, so user content can never inject markup.
    """
    text = " ".join(text.split())
    folded = fold(text)
    spans: list[tuple[int, int]] = []
    if prefixes:
        pattern = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in prefixes if p) + r")\w*", re.UNICODE)
        spans = [m.span() for m in pattern.finditer(folded)][:50]
    start = 0
    if spans:
        start = max(0, spans[0][0] - width // 4)
        if start:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < spans[0][0] else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    parts: list[str] = ["…" if start else ""]
    cursor = start
    for a, b in spans:
        if a < cursor or b > end:
            continue
        parts += [str(escape(text[cursor:a])), "<mark>", str(escape(text[a:b])), "</mark>"]
        cursor = b
    parts += [str(escape(text[cursor:end])), "…" if end < len(text) else ""]
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped
