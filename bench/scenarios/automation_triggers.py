"""Trigger evaluation per event with 1,000 active rules (< 10 ms p95), and events through the spine.

Setup: ``RULES`` active triggers on ``ticket.updated`` (bulk-inserted, names ``bench-rule-…``;
removed at the end so other scenarios never run them). Each has a three-leaf condition
(priority, a word in the subject, a tag); one rule in a thousand matches the "match" ticket.

* ``trigger_eval`` — ``automation.services.rules.run_triggers`` on one ``ticket.updated``
  event of a ticket no rule matches, in-process: the cached rule list (one version query),
  the ticket, the subject, every rule evaluated. Each sample runs in a transaction that is
  rolled back. This is the goal.
  ``trigger_eval.cpu_p50`` is the median CPU time of the same call (a loaded host inflates it
  much less than wall-clock latency).
* ``trigger_eval_one_match`` — the same on a ticket one rule matches: its action (an
  ``update_ticket``) and the run log row are included; informational.
* ``trigger_eval_logged`` — no match, with ``ATIENDE_AUTOMATION_LOG_UNMATCHED`` on (one
  bulk insert of a run row per evaluated rule): informational.
* ``spine.events_per_minute`` — tickets created and updated through the services, every
  event delivered to every subscriber of every app (SLA, routing, channels, automation…),
  one process; informational.
* ``spine_two_workers.events_per_minute`` — the issue's figure: two ``atiende worker``
  processes (the database task backend) deliver what this process creates (tickets created
  and updated through the services, ``BENCH_SPINE_TICKETS`` of them), from the first
  creation until every event of those tickets, and every event their delivery caused, is
  delivered; PostgreSQL only (SQLite serializes writers).

Size: ``BENCH_AUTOMATION_RULES`` (default 1,000).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from support import Context, Result, latency_results, server_env

NAME = "automation_triggers"
DESCRIPTION = "Trigger evaluation per event with 1,000 active rules: p95 < 10 ms; spine events/minute"
RULES = int(os.environ.get("BENCH_AUTOMATION_RULES", "1000"))
SAMPLES = 60
GOAL_P95 = "< 10"
PREFIX = "bench-rule-"
WORDS = "printer invoice password refund login export slow crash email phone".split()
PRIORITIES = ["low", "normal", "high", "urgent"]


def bench_contact(name: str, email: str) -> object:
    from atiende.contacts.models import ContactIdentity
    from atiende.contacts.services import create_contact

    identity = ContactIdentity.objects.filter(kind="email", value=email).select_related("contact").first()
    if identity is not None:
        return identity.contact
    return create_contact(actor=None, name=name, identities=[("email", email)])


def make_rules(n: int) -> None:
    from atiende.automation.models import Rule
    from atiende.core import clock
    from atiende.core import conditions as c

    Rule.objects.filter(name__startswith=PREFIX).delete()
    now = clock.now()
    rows = []
    for i in range(n):
        match = i % 1000 == 0
        condition = {
            "all": [
                {"field": "ticket.priority", "op": "is", "value": "high" if match else PRIORITIES[i % 4]},
                {
                    "field": "ticket.subject",
                    "op": "contains",
                    "value": "benchmatch" if match else WORDS[i % len(WORDS)],
                },
                {"field": "ticket.tags", "op": "not_contains", "value": f"t{i % 50}"},
            ]
        }
        assert c.validate(condition) == [], condition
        rows.append(
            Rule(
                name=f"{PREFIX}{i}",
                kind="trigger",
                events=["ticket.updated"],
                condition=condition,
                actions=[{"type": "add_tags", "tags": [f"hit{i % 7}"]}],
                position=100_000 + i,
                is_active=True,
                created_at=now,
                updated_at=now,
            )
        )
    Rule.objects.bulk_create(rows, batch_size=500)


def sample_event(ticket_id: int) -> object:
    from atiende.core import clock
    from atiende.core.models import OutboxEvent

    return OutboxEvent.objects.create(
        type="ticket.updated",
        subject_type="tickets.ticket",
        subject_id=str(ticket_id),
        payload={"ticket_id": ticket_id, "fields": ["priority"]},
        changes={"priority": ["normal", "high"]},
        created_at=clock.now(),
    )


CPU: list[float] = []


def time_triggers(ticket_id: int, samples: int) -> list[float]:
    from django.db import transaction

    from atiende.automation.services.rules import run_triggers

    times: list[float] = []
    CPU.clear()
    for _ in range(samples + 3):
        with transaction.atomic():
            event = sample_event(ticket_id)
            started, cpu = time.perf_counter(), time.process_time()
            run_triggers(event)  # type: ignore[arg-type]
            times.append((time.perf_counter() - started) * 1000)
            CPU.append((time.process_time() - cpu) * 1000)
            transaction.set_rollback(True)
    del CPU[:3]
    return times[3:]


def spine_rate(n: int) -> float:
    from django.db import transaction
    from django.test import override_settings

    from atiende.automation.models import Rule
    from atiende.core import events
    from atiende.core.models import OutboxEvent
    from atiende.tickets import services as ticket_services

    Rule.objects.filter(name__startswith=PREFIX).update(is_active=False)
    dummy = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with override_settings(TASKS=dummy):
        contact = bench_contact("Bench Spine", "spine@bench.example")
        started = time.perf_counter()
        delivered = 0
        for i in range(n):
            with transaction.atomic():
                ticket = ticket_services.create_ticket(
                    actor=None, subject=f"spine {i}", requester=contact, body="bench", priority="normal"
                )
                ticket_services.update_ticket(actor=None, ticket=ticket, priority="high")
            pending = OutboxEvent.objects.filter(delivered_at__isnull=True, subject_id=str(ticket.pk))
            for event_id in pending.values_list("pk", flat=True):
                events.deliver(str(event_id))
                delivered += 1
        elapsed = time.perf_counter() - started
    return delivered / elapsed * 60 if elapsed else 0.0


def spine_two_workers(database_url: str, n: int, timeout: float = 600.0) -> tuple[float, int]:
    """(events per minute, events delivered) with two worker processes draining the queue."""
    from django.db import transaction

    from atiende.automation.models import Rule
    from atiende.core.models import OutboxEvent
    from atiende.tickets import services as ticket_services

    Rule.objects.filter(name__startswith=PREFIX).update(is_active=False)
    env = server_env(database_url)  # the same task backend as this process (database, or RQ with REDIS_URL)
    atiende = str(Path(sys.executable).with_name("atiende"))
    log = Path(tempfile.gettempdir()) / "atiende-bench-workers.log"
    contact = bench_contact("Bench Spine 2", "spine2@bench.example")
    first_event = OutboxEvent.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    with log.open("wb") as out:
        workers = [
            subprocess.Popen([atiende, "worker"], env=env, stdout=out, stderr=subprocess.STDOUT) for _ in range(2)
        ]
        try:
            time.sleep(8)  # both workers up and polling an empty queue
            started = time.perf_counter()
            for i in range(n):
                with transaction.atomic():
                    ticket = ticket_services.create_ticket(
                        actor=None, subject=f"spine2 {i}", requester=contact, body="bench", priority="normal"
                    )
                    ticket_services.update_ticket(actor=None, ticket=ticket, priority="high")
            ours = OutboxEvent.objects.all()
            if first_event is not None:
                ours = ours.filter(created_at__gt=first_event)
            deadline = time.monotonic() + timeout
            while ours.filter(delivered_at__isnull=True).exists():
                if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
                    raise RuntimeError(f"workers did not drain the queue; see {log}")
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            delivered = ours.count()
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()
    return delivered / elapsed * 60, delivered


def run(ctx: Context) -> list[Result]:
    from django.test import override_settings

    from atiende.automation.models import Rule, RuleRun
    from atiende.tickets import services as ticket_services

    db = ctx.database
    make_rules(RULES)
    contact = bench_contact("Bench Automation", "automation@bench.example")
    matching = ticket_services.create_ticket(
        actor=None, subject="benchmatch zzz", requester=contact, body="x", priority="high"
    )
    other = ticket_services.create_ticket(
        actor=None, subject="nothing zzz", requester=contact, body="x", priority="high"
    )
    try:
        with override_settings(ATIENDE_AUTOMATION_LOG_UNMATCHED=False):
            quiet = time_triggers(other.pk, SAMPLES)
            quiet_cpu = sorted(CPU)[len(CPU) // 2]
            one = time_triggers(matching.pk, SAMPLES // 3)
        with override_settings(ATIENDE_AUTOMATION_LOG_UNMATCHED=True):
            logged = time_triggers(other.pk, SAMPLES // 3)
        rate = spine_rate(int(os.environ.get("BENCH_SPINE_TICKETS", "100")))
        two = (
            spine_two_workers(ctx.database_url, int(os.environ.get("BENCH_SPINE_TICKETS", "100")))
            if db == "postgresql"
            else None
        )
    finally:
        RuleRun.objects.filter(rule__name__startswith=PREFIX).delete()
        Rule.objects.filter(name__startswith=PREFIX).delete()
    print(
        f"  {NAME}: {RULES} rules; p95 {sorted(quiet)[int(len(quiet) * 0.95) - 1]:.2f} ms; spine {rate:,.0f} events/min"
    )
    return [
        Result("active_rules", float(RULES), "rules", None, db, RULES),
        *latency_results("trigger_eval", quiet, goal_p95=GOAL_P95, database=db),
        Result("trigger_eval.cpu_p50", round(quiet_cpu, 2), "ms", None, db, len(quiet)),
        *latency_results("trigger_eval_one_match", one, goal_p95=None, database=db),
        *latency_results("trigger_eval_logged", logged, goal_p95=None, database=db),
        Result("spine.events_per_minute", round(rate), "events/min", None, db, 1),
        *(
            [Result("spine_two_workers.events_per_minute", round(two[0]), "events/min", None, db, two[1])]
            if two is not None
            else []
        ),
    ]
