# ruff: noqa: S608 - constant table and configuration names
"""Full-text search of articles: SQLite FTS5 (title, keywords, body; accents removed) or
PostgreSQL ``unaccent`` + text search configurations ``atiende_es`` / ``atiende_en`` with one
partial GIN index per language (the expression is :func:`atiende.kb.search.pg_vector`)."""

from django.db import migrations

TABLE = "kb_article"
FTS = "kb_article_fts"
COLS = "title, keywords, body_text"


def _pg_vector(config: str) -> str:
    return (
        f"(setweight(to_tsvector('{config}'::regconfig, coalesce(title, '')), 'A') || "
        f"setweight(to_tsvector('{config}'::regconfig, coalesce(keywords, '')), 'B') || "
        f"setweight(to_tsvector('{config}'::regconfig, coalesce(body_text, '')), 'D'))"
    )


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        new = ", ".join(f"new.{c.strip()}" for c in COLS.split(","))
        old = ", ".join(f"old.{c.strip()}" for c in COLS.split(","))
        statements = [
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5({COLS}, content='{TABLE}', content_rowid='id', "
            f"tokenize='unicode61 remove_diacritics 2', prefix='3 4 5')",
            f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
            f"CREATE TRIGGER IF NOT EXISTS {FTS}_ai AFTER INSERT ON {TABLE} BEGIN "
            f"INSERT INTO {FTS}(rowid, {COLS}) VALUES (new.id, {new}); END",
            f"CREATE TRIGGER IF NOT EXISTS {FTS}_ad AFTER DELETE ON {TABLE} BEGIN "
            f"INSERT INTO {FTS}({FTS}, rowid, {COLS}) VALUES ('delete', old.id, {old}); END",
            f"CREATE TRIGGER IF NOT EXISTS {FTS}_au AFTER UPDATE OF {COLS} ON {TABLE} BEGIN "
            f"INSERT INTO {FTS}({FTS}, rowid, {COLS}) VALUES ('delete', old.id, {old}); "
            f"INSERT INTO {FTS}(rowid, {COLS}) VALUES (new.id, {new}); END",
        ]
    elif vendor == "postgresql":
        statements = ["CREATE EXTENSION IF NOT EXISTS unaccent"]
        for config, base, lang in (("atiende_es", "spanish", "es"), ("atiende_en", "english", "en")):
            statements += [
                f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{config}') THEN "
                f"CREATE TEXT SEARCH CONFIGURATION {config} (COPY = {base}); "
                f"ALTER TEXT SEARCH CONFIGURATION {config} ALTER MAPPING FOR hword, hword_part, word "
                f"WITH unaccent, {base}_stem; END IF; END $$",
                f"CREATE INDEX IF NOT EXISTS kb_article_fts_{lang} ON {TABLE} USING gin ({_pg_vector(config)}) "
                f"WHERE language = '{lang}'",
            ]
    else:
        return
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = [f"DROP TABLE IF EXISTS {FTS}"] + [f"DROP TRIGGER IF EXISTS {FTS}_{s}" for s in ("ai", "ad", "au")]
    elif vendor == "postgresql":
        statements = ["DROP INDEX IF EXISTS kb_article_fts_es", "DROP INDEX IF EXISTS kb_article_fts_en"]
    else:
        return
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
