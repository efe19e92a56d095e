"""Hot-path row writes with the SQL built once per process instead of once per call.

:func:`insert_rows` does the same for ``bulk_create`` (a batch of intake inserts its
outbox events and audit rows with it).

``Model.save(update_fields=…)`` rebuilds and recompiles its UPDATE on every call (about
a millisecond of Python for a dozen fields); email intake writes its outcome on every
message. :func:`save_fields` writes the same values — each field's own ``pre_save`` and
``get_db_prep_save``, so JSON, dates and foreign keys are adapted exactly as ``save``
adapts them — with one cached statement; :func:`save_fields_many` runs that statement
once for many rows (``executemany``: one round trip for all of them on PostgreSQL, in
pipeline mode). They send no ``pre_save``/``post_save`` signals; use them only for
models nothing listens to.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, models, router

_statements: dict[tuple[Any, ...], tuple[str, list[Any]]] = {}


def _pk(model: type[models.Model]) -> models.Field[Any, Any]:
    pk = model._meta.pk
    if pk is None:  # abstract models only
        raise TypeError(f"{model.__name__} has no primary key")
    return pk


def _update_statement(model: type[models.Model], fields: tuple[str, ...], alias: str) -> tuple[str, list[Any]]:
    key = (model, fields, alias)
    found = _statements.get(key)
    if found is None:
        quote = connections[alias].ops.quote_name
        columns: list[Any] = [model._meta.get_field(name) for name in fields]
        assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)
        pk = _pk(model)
        # Names come from the model's own metadata, quoted; values are parameters.
        sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(str(pk.column))} = %s"  # noqa: S608
        found = _statements[key] = (sql, columns)
    return found


def _update_params(obj: models.Model, columns: list[Any], connection: Any) -> list[Any]:
    """The values of ``obj`` for the cached UPDATE: its fields as ``save`` adapts them, then its key."""
    params = [field.get_db_prep_save(field.pre_save(obj, False), connection) for field in columns]
    params.append(_pk(type(obj)).get_db_prep_value(obj.pk, connection))
    return params


def save_fields(obj: models.Model, fields: Sequence[str]) -> int:
    """UPDATE ``fields`` of ``obj``'s row (by primary key); returns the number of rows written."""
    alias = router.db_for_write(type(obj), instance=obj)
    connection = connections[alias]
    sql, columns = _update_statement(type(obj), tuple(fields), alias)
    with connection.cursor() as cursor:
        cursor.execute(sql, _update_params(obj, columns, connection))
        return cursor.rowcount


def save_fields_many(objs: Sequence[models.Model], fields: Sequence[str]) -> None:
    """:func:`save_fields` for many rows of one model: the cached UPDATE run once for all (``executemany``)."""
    if not objs:
        return
    alias = router.db_for_write(type(objs[0]), instance=objs[0])
    connection = connections[alias]
    sql, columns = _update_statement(type(objs[0]), tuple(fields), alias)
    with connection.cursor() as cursor:
        cursor.executemany(sql, [_update_params(obj, columns, connection) for obj in objs])


def _insert_statement(model: type[models.Model], alias: str) -> tuple[str, list[Any]]:
    key = (model, "insert", alias)
    found = _statements.get(key)
    if found is None:
        quote = connections[alias].ops.quote_name
        columns: list[Any] = [
            field for field in model._meta.concrete_fields if not getattr(field, "db_returning", False)
        ]
        names = ", ".join(quote(field.column) for field in columns)
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({placeholders})"  # noqa: S608
        found = _statements[key] = (sql, columns)
    return found


def insert_rows(model: type[models.Model], rows: Sequence[models.Model]) -> None:
    """INSERT ``rows`` with one cached statement executed for all of them (``executemany``).

    What ``bulk_create`` writes, minus its per-row SQL assembly; the rows' primary keys
    are not read back (for rows whose key the caller set, like UUIDs, or does not need).
    No signals.
    """
    if not rows:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    sql, columns = _insert_statement(model, alias)
    params = [[field.get_db_prep_save(field.pre_save(row, True), connection) for field in columns] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    for row in rows:
        row._state.adding = False
        row._state.db = alias
