"""audit.record inside core.deferred.deferred_inserts: rows wait for the end of the block."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from atiende.accounts import audit
from atiende.accounts.models import AuditLog
from atiende.accounts.tests.factories import make_organization
from atiende.core.deferred import deferred_inserts


class Boom(Exception):
    pass


@pytest.mark.django_db
def test_audit_rows_are_inserted_once_at_the_end_and_only_if_their_savepoint_survived() -> None:
    organization = make_organization()
    with CaptureQueriesContext(connection) as capture:
        with deferred_inserts():
            for n in range(4):
                row = audit.record(actor=None, action="test.deferred", obj=organization, after={"n": n})
                assert row.pk is None  # queued, not written
            with pytest.raises(Boom), transaction.atomic():
                audit.record(actor=None, action="test.deferred", obj=organization, after={"n": 99})
                raise Boom
            assert not AuditLog.objects.filter(action="test.deferred").exists()
    inserts = [q["sql"] for q in capture.captured_queries if '"accounts_auditlog"' in q["sql"] and "INSERT" in q["sql"]]
    assert len(inserts) == 1
    audited = AuditLog.objects.filter(action="test.deferred").values_list("after", flat=True)
    assert sorted(after["n"] for after in audited) == [0, 1, 2, 3]


@pytest.mark.django_db
def test_outside_a_block_audit_rows_are_written_at_once() -> None:
    organization = make_organization()
    row = audit.record(actor=None, action="test.now", obj=organization)
    assert row.pk is not None and AuditLog.objects.filter(pk=row.pk).exists()
