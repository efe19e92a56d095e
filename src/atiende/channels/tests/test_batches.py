"""Batched intake: a batch is recorded in one transaction and processed in another.

Dedupe works inside a batch as across batches, a message that fails is quarantined
alone, a database error rolls the whole batch back with its rows still pending, and the
work per batch does not grow with a query per message where one query serves them all.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.db import OperationalError, connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django_tasks import task_backends

from atiende.accounts.models import AuditLog
from atiende.accounts.tests.factories import make_organization
from atiende.channels.choices import Outcome, QuarantineReason
from atiende.channels.email import pipeline
from atiende.channels.email.intake import record, store
from atiende.channels.models import InboundEmail
from atiende.channels.services.intake import ingest_paths
from atiende.channels.tests.factories import build_email, make_inbox, ticket_of
from atiende.contacts.models import Contact
from atiende.contacts.tests.factories import make_contact
from atiende.core.models import OutboxEvent
from atiende.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox() -> Any:
    return make_inbox(address="soporte@desk.example", name="Soporte")


def _stored(raw: bytes, inbox: Any) -> Any:
    return store(source="file", raw=raw, inbox=inbox)


def test_a_batch_dedupes_within_itself_and_against_earlier_rows(inbox: Any) -> None:
    earlier = record([_stored(build_email(message_id="<old@cliente.example>"), inbox)], enqueue=False)[0]
    raw = build_email(message_id="<batch-1@cliente.example>")
    rerouted = b"Received: from relay.example by mx.desk.example; Mon, 1 Jan 2024 00:00:00 +0000\r\n" + raw
    batch = [
        _stored(raw, inbox),
        _stored(raw, inbox),  # the same bytes twice: one row
        _stored(rerouted, inbox),  # same Message-ID, other bytes: a duplicate of the first
        _stored(build_email(message_id="<old@cliente.example>", body="Otra ruta."), inbox),  # received before
        _stored(build_email(message_id="<batch-2@cliente.example>"), inbox),
    ]
    got = record(batch, enqueue=False)
    assert [r.created for r in got] == [True, False, True, True, True]
    first, again, dup, old, other = (r.inbound for r in got)
    assert again.pk == first.pk and first.outcome == Outcome.PENDING
    assert dup.outcome == Outcome.DUPLICATE and dup.duplicate_of_id == first.pk
    assert old.outcome == Outcome.DUPLICATE and old.duplicate_of_id == earlier.inbound.pk
    assert other.outcome == Outcome.PENDING
    assert InboundEmail.objects.count() == 5
    # The same batch again is a re-delivery of every message: nothing new.
    assert [r.created for r in record(batch, enqueue=False)] == [False] * 5
    assert InboundEmail.objects.count() == 5


def test_recording_a_batch_costs_the_same_few_queries_whatever_its_size(inbox: Any) -> None:
    def cost(n: int, tag: str) -> int:
        batch = [_stored(build_email(message_id=f"<{tag}-{i}@cliente.example>"), inbox) for i in range(n)]
        with CaptureQueriesContext(connection) as queries:
            record(batch, enqueue=False)
        return len(queries)

    assert cost(2, "small") == cost(20, "large")


def test_a_concurrent_receiver_winning_a_key_falls_back_to_one_by_one(inbox: Any) -> None:
    raw = build_email(message_id="<race@cliente.example>")
    batch = [_stored(raw, inbox), _stored(build_email(message_id="<race-2@cliente.example>"), inbox)]
    real_filter = InboundEmail.objects.filter

    def blind(*args: Any, **kwargs: Any) -> Any:
        if "dedupe_key__in" in kwargs:  # the lookup ran before the other receiver committed
            return real_filter(pk__in=[])
        return real_filter(*args, **kwargs)

    winner = record([_stored(raw, inbox)], enqueue=False)[0].inbound
    with mock.patch.object(InboundEmail.objects, "filter", side_effect=blind):
        got = record(batch, enqueue=False)
    assert got[0].inbound.pk == winner.pk and not got[0].created
    assert got[1].created and got[1].inbound.outcome == Outcome.PENDING
    assert InboundEmail.objects.count() == 2


def test_a_failing_message_is_quarantined_alone_and_the_rest_of_the_batch_lands(inbox: Any) -> None:
    rows = [
        r.inbound
        for r in record(
            [_stored(build_email(message_id=f"<q-{i}@cliente.example>", subject=f"Caso {i}"), inbox) for i in range(3)],
            enqueue=False,
        )
    ]
    real = pipeline.deliver

    def fail_second(run: Any, *args: Any, **kwargs: Any) -> Any:
        if run.inbound.pk == rows[1].pk:
            raise RuntimeError("boom in the middle of the batch")
        return real(run, *args, **kwargs)

    with mock.patch.object(pipeline, "deliver", side_effect=fail_second):
        done = pipeline.process_many([r.pk for r in rows])
    assert [r.pk for r in done] == [r.pk for r in rows]
    assert [r.outcome for r in done] == [Outcome.CREATED, Outcome.QUARANTINED, Outcome.CREATED]
    assert done[1].reason_code == QuarantineReason.PROCESSING_ERROR and "boom" in done[1].reason
    assert done[1].ticket is None
    assert Ticket.objects.count() == 2  # nothing of the failed message's work survived
    # Nor its audit rows and events, which the batch inserts at its end.
    assert AuditLog.objects.filter(action="ticket.created").count() == 2
    assert OutboxEvent.objects.filter(type="ticket.created").count() == 2
    received = OutboxEvent.objects.filter(type="email.received").values_list("payload", flat=True)
    assert sorted(p["inbound_id"] for p in received) == [rows[0].pk, rows[2].pk]


@pytest.mark.parametrize("claimed_per_batch", [5000, 1])
def test_a_batch_looks_up_each_sender_domain_once(inbox: Any, claimed_per_batch: int, monkeypatch: Any) -> None:
    from atiende.accounts import selectors

    monkeypatch.setattr(selectors, "CLAIMED_DOMAINS_PER_BATCH", claimed_per_batch)
    organization = make_organization(domains=["cliente.example"])
    make_organization(domains=["tercero.example"])
    rows = [
        r.inbound
        for r in record(
            [
                _stored(build_email(sender=f"persona{i}@{domain}", message_id=f"<d-{i}@x>", subject=f"Caso {i}"), inbox)
                for i, domain in enumerate(["cliente.example", "otro.example", "cliente.example", "otro.example"])
            ],
            enqueue=False,
        )
    ]
    with CaptureQueriesContext(connection) as capture:
        done = pipeline.process_many([r.pk for r in rows])
    assert [r.outcome for r in done] == [Outcome.CREATED] * 4
    lookups = [q["sql"] for q in capture.captured_queries if 'FROM "accounts_organization"' in q["sql"]]
    claimed = [q["sql"] for q in capture.captured_queries if 'FROM "accounts_organizationdomain"' in q["sql"]]
    assert len(claimed) == 1
    if claimed_per_batch > 1:
        assert len(lookups) == 1  # only cliente.example (claimed) is looked up, once
    else:  # too many claimed domains to read: each sender domain is looked up, once
        assert len(lookups) == 2
    placed = {c.primary_email: c.organization_id for c in Contact.objects.all()}
    assert placed == {
        "persona0@cliente.example": organization.pk,
        "persona1@otro.example": None,
        "persona2@cliente.example": organization.pk,
        "persona3@otro.example": None,
    }


def test_a_database_error_rolls_the_whole_batch_back_and_leaves_it_pending(inbox: Any) -> None:
    rows = [
        r.inbound
        for r in record(
            [_stored(build_email(message_id=f"<db-{i}@cliente.example>"), inbox) for i in range(3)], enqueue=False
        )
    ]
    real = pipeline.deliver

    def database_down(run: Any, *args: Any, **kwargs: Any) -> Any:
        if run.inbound.pk == rows[2].pk:
            raise OperationalError("server closed the connection unexpectedly")
        return real(run, *args, **kwargs)

    with mock.patch.object(pipeline, "deliver", side_effect=database_down), pytest.raises(OperationalError):
        pipeline.process_many([r.pk for r in rows])
    assert set(InboundEmail.objects.values_list("outcome", flat=True)) == {Outcome.PENDING}
    assert not Ticket.objects.exists()
    done = pipeline.process_many([r.pk for r in rows])  # the sweeper, later
    assert [r.outcome for r in done] == [Outcome.CREATED] * 3


def test_ingest_paths_reports_every_file_in_order_across_batches(tmp_path: Path, inbox: Any) -> None:
    folder = tmp_path / "mail"
    folder.mkdir()
    root = "<hilo-0@cliente.example>"
    (folder / "0.eml").write_bytes(build_email(message_id=root, subject="Caso"))
    for i in range(1, 5):  # replies in later batches and in the same batch as their root
        (folder / f"{i}.eml").write_bytes(
            build_email(message_id=f"<hilo-{i}@cliente.example>", subject="Re: Caso", in_reply_to=root)
        )
    (folder / "5.eml").write_bytes((folder / "0.eml").read_bytes())  # the root again
    results = list(ingest_paths([str(folder)], inbox=inbox, batch_size=2))
    assert [Path(r.file).name for r in results] == [f"{i}.eml" for i in range(6)]
    assert [r.outcome for r in results] == ["created", "appended", "appended", "appended", "appended", "duplicate"]
    assert len({r.ticket for r in results}) == 1
    # Running the same import again changes nothing.
    again = list(ingest_paths([str(folder)], inbox=inbox, batch_size=4))
    assert [r.outcome for r in again] == ["duplicate"] * 6


def test_a_message_and_its_copy_in_one_batch_report_once(tmp_path: Path, inbox: Any) -> None:
    raw = build_email(message_id="<twice@cliente.example>")
    (tmp_path / "a.eml").write_bytes(raw)
    (tmp_path / "b.eml").write_bytes(raw)
    results = list(ingest_paths([str(tmp_path)], inbox=inbox))
    assert [r.outcome for r in results] == ["created", "duplicate"]
    assert results[0].inbound == results[1].inbound


def test_processing_saves_every_field_the_steps_wrote(inbox: Any) -> None:
    """``finish`` saves only ``PROCESSED_FIELDS``: the row read back equals the processed object."""
    fixtures = Path(__file__).parents[4] / "tests" / "fixtures" / "email"
    batch = [_stored(path.read_bytes(), inbox) for path in sorted(fixtures.glob("*.eml"))]
    quoted = '<p>Gracias, ya funciona.</p><div class="gmail_quote">El lunes escribiste:<blockquote>…</blockquote></div>'
    batch.append(_stored(build_email(message_id="<html@cliente.example>", html=quoted), inbox))
    received = record(batch, enqueue=False)
    done = pipeline.process_many([r.inbound.pk for r in received if r.inbound.outcome == Outcome.PENDING])
    assert {row.outcome for row in done} >= {
        Outcome.CREATED,
        Outcome.APPENDED,
        Outcome.BOUNCE,
        Outcome.LOOP_SUPPRESSED,
        Outcome.QUARANTINED,
    }
    [html] = [row for row in done if row.message_id == "<html@cliente.example>"]
    assert html.html_display == "<p>Gracias, ya funciona.</p>"
    for row in done:
        fresh = InboundEmail.objects.get(pk=row.pk)
        for model_field in InboundEmail._meta.concrete_fields:
            name = model_field.attname
            assert getattr(fresh, name) == getattr(row, name), (row.pk, name)


def test_an_intake_batch_sends_its_acknowledgements_with_one_task(
    inbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from atiende.channels.models import OutboundEmail

    inbox.autoack_enabled = True
    inbox.save()
    batch = [
        _stored(build_email(sender=f"C{i} <c{i}@cliente.example>", message_id=f"<ack-{i}@cliente.example>"), inbox)
        for i in range(3)
    ]
    rows = record(batch, enqueue=False)
    with (
        override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}),
        django_capture_on_commit_callbacks(execute=True),
    ):
        backend: Any = task_backends["default"]
        pipeline.process_many([r.inbound.pk for r in rows])
    sends = [r for r in backend.results if "send_outbound" in r.task.module_path]  # queued after the commit
    acks = list(OutboundEmail.objects.order_by("id").values_list("pk", flat=True))
    assert len(acks) == 3
    assert [(r.task.module_path, r.args) for r in sends] == [("atiende.channels.tasks.send_outbound_emails", [acks])]


def test_a_batch_reads_our_own_addresses_once(inbox: Any) -> None:
    rows = [
        r.inbound
        for r in record(
            [_stored(build_email(message_id=f"<own-{i}@x>", subject=f"Caso {i}"), inbox) for i in range(4)],
            enqueue=False,
        )
    ]
    with mock.patch.object(pipeline, "cache", wraps=pipeline.cache) as cache:
        done = pipeline.process_many([r.pk for r in rows])
    assert [r.outcome for r in done] == [Outcome.CREATED] * 4
    assert cache.get.call_count == 1


def test_record_waits_for_each_raw_file_to_reach_the_disk_before_its_row(inbox: Any) -> None:
    from atiende.channels.email import rawstore

    order: list[str] = []
    real_fsync = os.fsync
    disk = threading.Event()

    def slow_fsync(fd: int) -> None:
        assert disk.wait(30)  # a slow disk: it answers only when the test says so
        real_fsync(fd)
        order.append("fsync")

    def watch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.startswith("INSERT") and "inboundemail" in sql:
            order.append("insert")
        return execute(sql, params, many, context)

    with mock.patch.object(rawstore.os, "fsync", side_effect=slow_fsync):
        batch = [_stored(build_email(message_id=f"<disk-{i}@x>"), inbox) for i in range(3)]
        assert order == []  # stored() returned with the files written, not yet flushed
        threading.Timer(0.2, disk.set).start()  # the disk answers while record() is running
        with connection.execute_wrapper(watch):
            rows = [r.inbound for r in record(batch, enqueue=False)]
    assert order == ["fsync", "fsync", "fsync", "insert"]
    root = Path(default_storage.path(""))
    for row in rows:
        assert (root / row.raw_path).exists()
    assert all(not p.name.startswith(".incoming-") for row in rows for p in (root / row.raw_path).parent.iterdir())


def test_a_raw_file_that_cannot_be_flushed_records_nothing(inbox: Any) -> None:
    from atiende.channels.email import rawstore

    raw = build_email(message_id="<eio@x>")
    with mock.patch.object(rawstore.os, "fsync", side_effect=OSError(5, "Input/output error")):
        stored = _stored(raw, inbox)
        with pytest.raises(OSError, match="Input/output"):
            record([stored], enqueue=False)
    assert not InboundEmail.objects.filter(message_id="<eio@x>").exists()
    final = Path(default_storage.path(stored.path))
    assert not final.exists()  # neither the file nor its temporary is left
    assert not final.parent.exists() or not any(final.parent.iterdir())
    # The source re-delivers (SMTP 4xx, IMAP unflagged): the next attempt lands.
    again = record([_stored(raw, inbox)], enqueue=False)[0]
    assert again.created and final.exists()


def test_a_batch_reads_the_agents_addresses_once_and_looks_up_only_copied_agents(inbox: Any) -> None:
    from atiende.accounts.choices import Role
    from atiende.accounts.tests.factories import make_user

    agent = make_user(role=Role.AGENT, email="agente@desk.example")
    make_user(role=Role.CUSTOMER, email="cliente.portal@cliente.example")
    ccs = [
        ["jefa@cliente.example"],
        ["cliente.portal@cliente.example"],
        ["Agente <AGENTE@desk.example>", "otra@x.example"],
    ]
    rows = [
        r.inbound
        for r in record(
            [
                _stored(build_email(message_id=f"<ag-{i}@x>", subject=f"Caso {i}", cc=cc), inbox)
                for i, cc in enumerate(ccs)
            ],
            enqueue=False,
        )
    ]
    with CaptureQueriesContext(connection) as capture:
        done = pipeline.process_many([r.pk for r in rows])
    assert [r.outcome for r in done] == [Outcome.CREATED] * 3
    users = [q["sql"] for q in capture.captured_queries if 'FROM "accounts_user" WHERE' in q["sql"]]
    # The agents' addresses once, then the one copied agent (adding the follower reads more).
    assert len(users) == 2, users
    tickets = [ticket_of(r) for r in done]
    assert [list(t.followers.all()) for t in tickets] == [[], [], [agent]]
    # A customer with a portal account is a CC contact, not a follower.
    assert [c.primary_email for c in tickets[1].ccs.all()] == ["cliente.portal@cliente.example"]


FIXTURES = Path(__file__).parents[4] / "tests" / "fixtures" / "email"


def test_loops_and_reports_about_mail_we_never_sent_get_no_savepoint_and_one_update_for_all(inbox: Any) -> None:
    pipeline.process_many([r.inbound.pk for r in record([_stored(build_email(), inbox)], enqueue=False)])
    settled = ["dsn_gmail.eml", "qmail_bounce.eml", "x_loop_own.eml"]  # nothing in the database changes for them
    batch = [_stored((FIXTURES / name).read_bytes(), inbox) for name in settled]
    batch.append(_stored(build_email(message_id="<new-ticket@cliente.example>"), inbox))
    ids = [r.inbound.pk for r in record(batch, enqueue=False)]
    with CaptureQueriesContext(connection) as queries:
        done = pipeline.process_many(ids)
    assert [row.outcome for row in done] == [Outcome.BOUNCE, Outcome.BOUNCE, Outcome.LOOP_SUPPRESSED, Outcome.CREATED]
    sql = [q["sql"] for q in queries.captured_queries]
    # The batch's own (the test runs in a transaction) and the new ticket's; none for the others.
    assert sum(s.startswith("SAVEPOINT") for s in sql) == 2, sql
    table = InboundEmail._meta.db_table
    updates = [s for s in sql if f'UPDATE "{table}"' in s]
    # The new ticket's row is written in its savepoint; the three settled ones with one statement.
    assert len(updates) == 2 and updates[1].startswith("3 times: ")
    for row in done:
        fresh = InboundEmail.objects.get(pk=row.pk)
        assert (fresh.outcome, fresh.kind, fresh.reason, fresh.processed_at) == (
            row.outcome,
            row.kind,
            row.reason,
            row.processed_at,
        )
    received = OutboxEvent.objects.filter(type="email.received").values_list("payload", flat=True)
    assert set(ids) <= {p["inbound_id"] for p in received}
    assert OutboxEvent.objects.filter(type="email.bounced").count() == 2


def test_a_message_that_lost_a_race_for_a_new_contact_runs_again_and_uses_that_contact(inbox: Any) -> None:
    [row] = [r.inbound for r in record([_stored(build_email(cc=["luis@cliente.example"]), inbox)], enqueue=False)]
    # Another worker created Ana after this worker looked her up (the first look-up misses her).
    other = make_contact(email="ana@cliente.example", name="Ana (other worker)")
    real = pipeline.look_up
    calls: list[int] = []

    def stale_first(addresses: Any) -> Any:
        calls.append(1)
        found = real(addresses)
        return {**found, "ana@cliente.example": None} if len(calls) == 1 else found

    with mock.patch.object(pipeline, "look_up", side_effect=stale_first):
        [done] = pipeline.process_many([row.pk])
    assert len(calls) == 2
    assert done.outcome == Outcome.CREATED and done.attempts == 1
    ticket = ticket_of(done)
    assert ticket.requester == other
    assert [c.primary_email for c in ticket.ccs.all()] == ["luis@cliente.example"]
    # The first attempt's writes (Luis, the ticket, their audit rows and events) are gone.
    assert Contact.objects.filter(identities__value="luis@cliente.example").count() == 1
    assert Ticket.objects.count() == 1
    assert OutboxEvent.objects.filter(type="contact.created").count() == 2  # Ana's (other worker), Luis's
    assert AuditLog.objects.filter(action="ticket.created").count() == 1
    assert InboundEmail.objects.get(pk=row.pk).attempts == 1


def test_races_lost_on_a_different_new_person_each_time_still_end_in_the_ticket(inbox: Any) -> None:
    """Workers importing one thread at once: each attempt can collide on another new address."""
    raw = build_email(cc=["luis@cliente.example", "eva@cliente.example"])
    [row] = [r.inbound for r in record([_stored(raw, inbox)], enqueue=False)]
    created_meanwhile = ["ana@cliente.example", "luis@cliente.example", "eva@cliente.example"]
    real = pipeline.look_up
    attempts: list[int] = []

    def another_worker_commits_one_more(addresses: Any) -> Any:
        # Before each look-up another worker commits one more of the message's people.
        attempts.append(1)
        if len(attempts) <= len(created_meanwhile):
            make_contact(email=created_meanwhile[len(attempts) - 1])
        found = real(addresses)
        stale = created_meanwhile[len(attempts) - 1] if len(attempts) <= len(created_meanwhile) else None
        return {**found, stale: None} if stale else found  # the row arrived just after the look-up

    with mock.patch.object(pipeline, "look_up", side_effect=another_worker_commits_one_more):
        [done] = pipeline.process_many([row.pk])
    assert len(attempts) == 4  # three races lost, on Ana, Luis and Eva; the fourth attempt lands
    assert done.outcome == Outcome.CREATED and done.attempts == 1
    ticket = ticket_of(done)
    assert ticket.requester.primary_email == "ana@cliente.example"
    assert sorted(c.primary_email for c in ticket.ccs.all()) == ["eva@cliente.example", "luis@cliente.example"]
    assert Contact.objects.filter(identities__value__in=created_meanwhile).count() == 3


def test_a_conflict_that_happens_again_quarantines_the_message(inbox: Any) -> None:
    [row] = [r.inbound for r in record([_stored(build_email(), inbox)], enqueue=False)]
    make_contact(email="ana@cliente.example")
    real = pipeline.look_up
    with mock.patch.object(
        pipeline, "look_up", side_effect=lambda addresses: {**real(addresses), "ana@cliente.example": None}
    ):
        [done] = pipeline.process_many([row.pk])
    assert done.outcome == Outcome.QUARANTINED
    assert done.reason_code == QuarantineReason.PROCESSING_ERROR and "IntegrityError" in done.reason
    assert done.attempts == 1
    assert Ticket.objects.count() == 0
