# ruff: noqa: S608 - constant names
"""PostgreSQL: keep each article's weighted tsvector stored (``kb_article_search``), kept in
sync by a trigger, instead of computing it at query time — ranking thousands of matches
needs the stored vector (``ts_rank_cd`` on an expression re-parses every body).

The table has no foreign key on purpose: a test-database flush truncates ``kb_article``
without CASCADE; an orphan row is ignored by the join and replaced when its id returns.
"""

from django.db import migrations

SYNC = """
CREATE OR REPLACE FUNCTION kb_article_search_sync() RETURNS trigger AS $$
DECLARE cfg regconfig;
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM kb_article_search WHERE article_id = OLD.id;
    RETURN NULL;
  END IF;
  cfg := CASE WHEN NEW.language = 'en' THEN 'atiende_en'::regconfig ELSE 'atiende_es'::regconfig END;
  INSERT INTO kb_article_search (article_id, language, vector) VALUES (
    NEW.id, NEW.language,
    setweight(to_tsvector(cfg, coalesce(NEW.title, '')), 'A') ||
    setweight(to_tsvector(cfg, coalesce(NEW.keywords, '')), 'B') ||
    setweight(to_tsvector(cfg, coalesce(NEW.body_text, '')), 'D'))
  ON CONFLICT (article_id) DO UPDATE SET language = EXCLUDED.language, vector = EXCLUDED.vector;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    statements = [
        "DROP INDEX IF EXISTS kb_article_fts_es",
        "DROP INDEX IF EXISTS kb_article_fts_en",
        "CREATE TABLE IF NOT EXISTS kb_article_search (article_id bigint PRIMARY KEY, "
        "language varchar(2) NOT NULL, vector tsvector NOT NULL)",
        "CREATE INDEX IF NOT EXISTS kb_article_search_vector ON kb_article_search USING gin (vector)",
        SYNC,
        "DROP TRIGGER IF EXISTS kb_article_search_sync ON kb_article",
        "CREATE TRIGGER kb_article_search_sync AFTER INSERT OR UPDATE OF title, keywords, body_text, language "
        "OR DELETE ON kb_article FOR EACH ROW EXECUTE FUNCTION kb_article_search_sync()",
        # Backfill: touch every row through the trigger.
        "UPDATE kb_article SET title = title",
    ]
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS kb_article_search_sync ON kb_article")
        cursor.execute("DROP FUNCTION IF EXISTS kb_article_search_sync()")
        cursor.execute("DROP TABLE IF EXISTS kb_article_search")


class Migration(migrations.Migration):
    dependencies = [("kb", "0002_full_text")]
    operations = [migrations.RunPython(forwards, backwards)]
