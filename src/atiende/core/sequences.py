"""Gap-tolerant named counters, safe under concurrent writers on SQLite and PostgreSQL."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction

from atiende.core.models import Sequence


def next_value(name: str, *, start: int = 1) -> int:
    """Return the next value of sequence ``name`` (the first is ``start``)."""
    table = Sequence._meta.db_table
    # One UPDATE … RETURNING is atomic on its own (and takes the row lock until the
    # caller's transaction ends); only creating a missing sequence needs a savepoint.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET value = value + 1 WHERE name = %s RETURNING value",  # noqa: S608
            [name],
        )
        row = cursor.fetchone()
    if row is not None:
        return int(row[0])
    try:
        with transaction.atomic():
            Sequence.objects.create(name=name, value=start)
        return start
    except IntegrityError:
        return next_value(name, start=start)
