"""Read side of contacts, scoped by the viewer."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connections, router
from django.db.models import Prefetch, QuerySet

from atiende.accounts.models import User
from atiende.contacts.models import Contact, ContactIdentity
from atiende.contacts.normalize import normalize


def contacts_visible_to(viewer: User) -> QuerySet[Contact]:
    """Agents see every contact; a customer sees only their own contact record."""
    qs = Contact.objects.select_related("organization").prefetch_related(
        Prefetch("identities", queryset=ContactIdentity.objects.order_by("kind", "-is_primary", "id"))
    )
    if viewer.is_agent:
        return qs.filter(merged_into__isnull=True)
    return qs.filter(user=viewer)


def _surviving(contact: Contact) -> Contact:
    """The contact a merged one was folded into (following the chain), else itself."""
    seen = {contact.pk}
    while contact.merged_into_id is not None and contact.merged_into_id not in seen:
        contact = Contact.objects.get(pk=contact.merged_into_id)
        seen.add(contact.pk)
    return contact


def find_by_identity(kind: str, value: str) -> Contact | None:
    return find_by_identities(kind, [value]).get(normalize(kind, value))


def find_by_identities(kind: str, values: Iterable[str]) -> dict[str, Contact]:
    """The contacts owning ``(kind, value)`` identities, by normalized value; unknown values are left out.

    One query for all the values (email intake looks up every address of a message at
    once); merged contacts are followed to the surviving one like :func:`find_by_identity` does.
    The statement is built once per number of values: through the ORM (a join and an
    ``IN``) building it took ~0.6 ms, twice what the database took to answer it, on
    every message intake reads (``tests/test_selectors.py`` checks it against the ORM).
    """
    normalized = sorted({normalize(kind, value) for value in values})
    if not normalized:
        return {}
    alias = router.db_for_read(Contact)
    connection = connections[alias]
    sql, names, converters = _identities_sql(alias, len(normalized))
    with connection.cursor() as cursor:
        cursor.execute(sql, [kind, *normalized])
        rows = cursor.fetchall()
    found = {}
    for value, *columns in rows:
        # The backend's and the fields' converters, as the ORM applies them (aware datetimes on SQLite).
        for index, (expression, functions) in converters.items():
            for convert in functions:
                columns[index] = convert(columns[index], expression, connection)
        found[value] = _surviving(Contact.from_db(alias, names, columns))
    return found


Converters = dict[int, tuple[Any, list[Callable[[Any, Any, Any], Any]]]]


@functools.lru_cache(maxsize=64)
def _identities_sql(alias: str, count: int) -> tuple[str, list[str], Converters]:
    """``SELECT value, contact.* FROM identities JOIN contacts WHERE kind = %s AND value IN (…count…)``."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = Contact._meta.concrete_fields
    converters: Converters = {}
    for index, field in enumerate(fields):
        expression = field.get_col(Contact._meta.db_table)
        functions = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        if functions:
            converters[index] = (expression, functions)

    def column(model: type[Contact] | type[ContactIdentity], name: str) -> str:
        return quote(str(getattr(model._meta.get_field(name), "column", name)))

    columns = ", ".join(f"c.{quote(str(field.column))}" for field in fields)
    placeholders = ", ".join(["%s"] * count)
    # Table and column names are the models' own, quoted; every value is a parameter.
    sql = (
        f"SELECT i.{column(ContactIdentity, 'value')}, {columns} "  # noqa: S608
        f"FROM {quote(ContactIdentity._meta.db_table)} i JOIN {quote(Contact._meta.db_table)} c "
        f"ON c.{column(Contact, 'id')} = i.{column(ContactIdentity, 'contact')} "
        f"WHERE i.{column(ContactIdentity, 'kind')} = %s AND i.{column(ContactIdentity, 'value')} IN ({placeholders})"
    )
    return sql, [field.attname for field in fields], converters


def contact_of_user(user: User) -> Contact | None:
    return Contact.objects.filter(user=user).first()
