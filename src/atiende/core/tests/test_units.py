"""A unit is one savepoint: the services inside it join it instead of opening their own."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from atiende.core.models import Sequence
from atiende.core.units import atomic, atomic_service, in_unit, retrying, unit

pytestmark = pytest.mark.django_db


def savepoints(queries: CaptureQueriesContext) -> int:
    return sum(q["sql"].startswith("SAVEPOINT") for q in queries.captured_queries)


@atomic_service
def make(name: str) -> Sequence:
    """A service that writes its row in an atomic block (a savepoint when nested)."""
    return Sequence.objects.create(name=name, value=1)


def test_services_open_savepoints_outside_a_unit_and_join_one_inside() -> None:
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        make("outside")
        with atomic():
            Sequence.objects.create(name="outside-2")
    assert savepoints(queries) == 2  # one per service call
    assert not in_unit()
    with CaptureQueriesContext(connection) as queries, unit():
        assert in_unit()
        make("inside")
        with atomic():
            Sequence.objects.create(name="inside-2")
    assert savepoints(queries) == 1  # the unit's alone
    assert not in_unit()
    assert set(Sequence.objects.values_list("name", flat=True)) >= {"outside", "outside-2", "inside", "inside-2"}


def test_a_failure_inside_a_unit_rolls_all_of_it_back() -> None:
    with pytest.raises(IntegrityError), unit():
        make("first")
        make("first")  # the same key again
    assert not Sequence.objects.filter(name="first").exists()
    assert not in_unit()  # reset on the way out


def test_code_that_catches_inside_a_unit_keeps_a_savepoint_of_its_own() -> None:
    make("taken")
    with unit():
        make("kept")
        try:
            with transaction.atomic():
                make("taken")
        except IntegrityError:
            pass
        make("after")  # the transaction is usable again
    assert set(Sequence.objects.values_list("name", flat=True)) >= {"taken", "kept", "after"}


def test_retrying_runs_the_unit_again_after_a_conflict_and_restores_first() -> None:
    make("raced")
    attempts: list[str] = []
    restored: list[bool] = []

    def work() -> str:
        with unit():
            name = "raced" if not attempts else "fresh"  # the second attempt sees the other worker's row
            attempts.append(name)
            make(name)
            return name

    assert retrying(work, before_retry=lambda: restored.append(True)) == "fresh"
    assert attempts == ["raced", "fresh"] and restored == [True]


def test_retrying_gives_up_after_its_attempts_and_does_not_retry_other_errors() -> None:
    make("always")
    calls: list[int] = []

    def conflict() -> None:
        calls.append(1)
        with unit():
            make("always")

    with pytest.raises(IntegrityError):
        retrying(conflict, attempts=2)
    assert len(calls) == 2

    def broken() -> None:
        calls.append(2)
        raise ValueError("not a conflict")

    with pytest.raises(ValueError, match="not a conflict"):
        retrying(broken)
    assert calls.count(2) == 1
