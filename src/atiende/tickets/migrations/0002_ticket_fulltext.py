"""Full-text index on Ticket.search_text (SQLite FTS5 or PostgreSQL GIN), see core.search."""

from django.db import migrations

from atiende.core.search import create_fts_sql, drop_fts_sql

TABLE = "tickets_ticket"
COLUMN = "search_text"


def forwards(apps, schema_editor):
    for statement in create_fts_sql(schema_editor.connection.vendor, TABLE, COLUMN):
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    for statement in drop_fts_sql(schema_editor.connection.vendor, TABLE, COLUMN):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
