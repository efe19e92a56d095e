"""save_fields writes what save(update_fields=…) writes, with one cached statement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from atiende.core.models import OutboxEvent
from atiende.core.rows import save_fields

T0 = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
FIELDS = ("payload", "changes", "delivered_at", "attempts", "last_error", "cause", "next_attempt_at")


def _event(**extra: object) -> OutboxEvent:
    return OutboxEvent.objects.create(type="test.row", payload={"a": 1}, created_at=T0, **extra)


def _change(event: OutboxEvent, cause: OutboxEvent | None) -> None:
    event.payload = {"texto": "¿qué tal?", "n": [1, 2.5, None], "nested": {"ok": True}}
    event.changes = {}
    event.delivered_at = T0 + timedelta(minutes=5, microseconds=123)
    event.attempts = 3
    event.last_error = "línea 1\nlínea 2 'comillas' \"dobles\" ; DROP TABLE x"
    event.cause = cause
    event.next_attempt_at = None


def _stored(pk: object) -> dict[str, object]:
    row = OutboxEvent.objects.values(*[f if f != "cause" else "cause_id" for f in FIELDS], "type").get(pk=pk)
    return row


@pytest.mark.django_db
def test_save_fields_stores_exactly_what_save_stores() -> None:
    cause = _event()
    by_save = _event(next_attempt_at=T0)
    by_rows = _event(next_attempt_at=T0)
    _change(by_save, cause)
    _change(by_rows, cause)
    by_save.save(update_fields=FIELDS)
    assert save_fields(by_rows, FIELDS) == 1
    assert _stored(by_rows.pk) == _stored(by_save.pk)
    stored = _stored(by_rows.pk)
    assert stored["payload"] == by_rows.payload
    assert stored["delivered_at"] == T0 + timedelta(minutes=5, microseconds=123)
    assert stored["cause_id"] == cause.pk
    assert stored["next_attempt_at"] is None
    assert stored["type"] == "test.row"  # fields not named are left alone


@pytest.mark.django_db
def test_save_fields_is_one_statement_and_touches_only_its_row() -> None:
    first, second = _event(), _event()
    first.attempts = 7
    first.last_error = "x"
    with CaptureQueriesContext(connection) as queries:
        assert save_fields(first, ("attempts", "last_error")) == 1
    assert len(queries) == 1
    assert queries[0]["sql"].startswith("UPDATE")
    second.refresh_from_db()
    assert (second.attempts, second.last_error) == (0, "")
    first.refresh_from_db()
    assert (first.attempts, first.last_error) == (7, "x")


@pytest.mark.django_db
def test_save_fields_on_a_missing_row_writes_nothing() -> None:
    gone = _event()
    OutboxEvent.objects.filter(pk=gone.pk).delete()
    gone.attempts = 2
    assert save_fields(gone, ("attempts",)) == 0


@pytest.mark.django_db
def test_insert_rows_writes_what_bulk_create_writes() -> None:
    from atiende.core.models import EventDelivery
    from atiende.core.rows import insert_rows

    cause = _event()

    def events(tag: str) -> list[OutboxEvent]:
        rows = [
            OutboxEvent(
                type=f"test.{tag}",
                payload={"n": n, "texto": "año"},
                changes={"status": [None, "new"]} if n else {},
                cause=cause if n == 1 else None,
                depth=n,
                created_at=T0 + timedelta(seconds=n),
            )
            for n in range(3)
        ]
        return rows

    OutboxEvent.objects.bulk_create(events("bulk"))
    mine = events("rows")
    with CaptureQueriesContext(connection) as queries:
        insert_rows(OutboxEvent, mine)
    assert len(queries) == 1  # one statement for every row (executemany)
    assert not mine[0]._state.adding

    def stored(tag: str) -> list[tuple[object, ...]]:
        return list(
            OutboxEvent.objects.filter(type=f"test.{tag}")
            .order_by("depth")
            .values_list("payload", "changes", "cause_id", "depth", "created_at", "delivered_at", "attempts")
        )

    assert stored("rows") == stored("bulk") and len(stored("rows")) == 3
    assert set(OutboxEvent.objects.filter(type="test.rows").values_list("pk", flat=True)) == {r.pk for r in mine}
    # A model with a database-assigned key (and a foreign key): the rows get one each.
    insert_rows(EventDelivery, [EventDelivery(event=mine[0], subscriber=f"s{n}", delivered_at=T0) for n in range(2)])
    stored_deliveries = EventDelivery.objects.filter(event=mine[0]).order_by("pk")
    assert [(d.subscriber, d.delivered_at) for d in stored_deliveries] == [("s0", T0), ("s1", T0)]
    insert_rows(EventDelivery, [])  # nothing to do


@pytest.mark.django_db
def test_save_fields_many_writes_each_row_what_save_writes_with_one_statement() -> None:
    from atiende.core.rows import save_fields_many

    cause = _event()
    by_save = [_event(next_attempt_at=T0) for _ in range(3)]
    by_rows = [_event(next_attempt_at=T0) for _ in range(3)]
    untouched = _event()
    for n, (a, b) in enumerate(zip(by_save, by_rows, strict=True)):
        _change(a, cause if n else None)
        _change(b, cause if n else None)
        a.attempts = b.attempts = n  # each row its own values
    for row in by_save:
        row.save(update_fields=FIELDS)
    with CaptureQueriesContext(connection) as queries:
        save_fields_many(by_rows, FIELDS)
    assert len(queries) == 1 and queries[0]["sql"].startswith("3 times: UPDATE")
    for a, b in zip(by_save, by_rows, strict=True):
        assert _stored(b.pk) == _stored(a.pk)
    assert [_stored(b.pk)["attempts"] for b in by_rows] == [0, 1, 2]
    assert _stored(untouched.pk)["attempts"] == 0 and _stored(untouched.pk)["payload"] == {"a": 1}
    with CaptureQueriesContext(connection) as queries:
        save_fields_many([], FIELDS)  # nothing to do
    assert len(queries) == 0
