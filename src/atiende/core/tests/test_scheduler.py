"""Periodic jobs: one scheduler leads (DB lease), each job runs once per period, and the
lease passes to another scheduler when the leader dies."""

from __future__ import annotations

import itertools
import signal
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection

from atiende.core import clock, periodic
from atiende.core.models import PeriodicJobState, SchedulerLease
from atiende.core.periodic import PeriodicJob
from atiende.core.scheduler import LEASE_NAME, Scheduler
from atiende.core.tests import spine_support
from atiende.core.tests.spine_support import TICK_JOB

T0 = datetime(2030, 6, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def tick_job() -> Iterator[PeriodicJob]:
    """Register the 1-second test job for this test only."""
    periodic.periodic(every=timedelta(seconds=1), name=TICK_JOB)(spine_support.record_tick)
    yield periodic._jobs[TICK_JOB]
    periodic._jobs.pop(TICK_JOB, None)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.mark.django_db
def test_lease_is_exclusive_until_it_expires_or_is_released() -> None:
    a, b = Scheduler(holder="a", lease_seconds=10), Scheduler(holder="b", lease_seconds=10)
    assert a.acquire_lease(at(0)) is True
    assert b.acquire_lease(at(1)) is False
    assert a.acquire_lease(at(5)) is True  # renewal: now expires at 15
    assert b.acquire_lease(at(14)) is False
    assert b.acquire_lease(at(15)) is False  # not expired at the instant it ends
    assert b.acquire_lease(at(15.5)) is True
    assert a.acquire_lease(at(16)) is False  # the old leader cannot take it back
    assert SchedulerLease.objects.get(name=LEASE_NAME).holder == "b"
    a.release_lease()  # releasing a lease you do not hold does nothing
    assert SchedulerLease.objects.get(name=LEASE_NAME).holder == "b"
    b.release_lease()
    assert a.acquire_lease(at(16.5)) is True


@pytest.mark.django_db
def test_only_the_leader_enqueues_once_per_period_and_a_follower_takes_over(
    tick_job: PeriodicJob, dummy_tasks: Any
) -> None:
    a, b = Scheduler(holder="a", lease_seconds=3), Scheduler(holder="b", lease_seconds=3)
    runs: list[tuple[float, str]] = []
    for step in range(int(20 / 0.25) + 1):
        seconds = step * 0.25
        with clock.frozen_at(at(seconds)):
            for scheduler in (a, b) if step % 2 == 0 else (b, a):
                if scheduler is a and seconds >= 10:
                    continue  # "a" died at t=10 s; its lease (renewed at 9.75 s) ends at 12.75 s
                if TICK_JOB in scheduler.tick():
                    runs.append((seconds, scheduler.holder))

    assert runs == [(float(s), "a") for s in range(10)] + [(float(s), "b") for s in range(13, 21)]
    enqueued = [r for r in dummy_tasks.results if r.task.module_path == spine_support.record_tick.module_path]
    assert len(enqueued) == len(runs)  # nothing enqueued by a scheduler that was not leading
    state = PeriodicJobState.objects.get(name=TICK_JOB)
    assert (state.run_count, state.last_run_by, state.next_run_at) == (len(runs), "b", at(21))

    with clock.frozen_at(at(21)):  # "a" comes back while "b" still leads
        assert a.tick() == []


@pytest.mark.django_db
def test_a_due_job_is_claimed_by_exactly_one_scheduler(tick_job: PeriodicJob) -> None:
    a, b = Scheduler(holder="a"), Scheduler(holder="b")
    assert [a.claim(tick_job, at(0)), b.claim(tick_job, at(0))] == [True, False]
    assert [b.claim(tick_job, at(0.5)), a.claim(tick_job, at(0.9))] == [False, False]
    assert [b.claim(tick_job, at(1)), a.claim(tick_job, at(1))] == [True, False]


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_have_one_winner_per_period(tick_job: PeriodicJob) -> None:
    rounds = 15
    barrier = threading.Barrier(2)
    wins: dict[str, list[int]] = {"a": [], "b": []}
    errors: list[BaseException] = []

    def claimer(holder: str) -> None:
        scheduler = Scheduler(holder=holder)
        try:
            for n in range(rounds):
                barrier.wait(timeout=30)
                if scheduler.claim(tick_job, at(n)):
                    wins[holder].append(n)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=claimer, args=(holder,)) for holder in wins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(wins["a"] + wins["b"]) == list(range(rounds))
    assert PeriodicJobState.objects.get(name=TICK_JOB).run_count == rounds


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_scheduler_processes_run_the_job_once_per_second_and_hand_over(effect_table: None, children: Any) -> None:
    """Two ``run_forever`` loops on one database; the leader is killed with SIGKILL."""
    args = ("--lease", "2", "--interval", "0.1", "--every", "1")
    procs = {holder: children("scheduler", "--holder", holder, *args) for holder in ("sched-a", "sched-b")}
    for proc in procs.values():
        proc.expect("ready")

    def ticks() -> list[tuple[str, str, float]]:
        return spine_support.effect_rows()

    def wait_until(condition: Any, what: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                logs = "\n".join(f"--- {h}\n{p.output()}" for h, p in procs.items())
                raise AssertionError(f"timed out waiting for {what}; ticks={ticks()}\n{logs}")
            time.sleep(0.05)

    wait_until(lambda: len(ticks()) >= 2, "two runs")
    leader = SchedulerLease.objects.get(name=LEASE_NAME).holder
    follower = next(h for h in procs if h != leader)
    procs[leader].signal(signal.SIGKILL)
    assert procs[leader].wait() == -signal.SIGKILL
    killed_at = time.time()

    wait_until(lambda: sum(1 for row in ticks() if row[2] >= killed_at) >= 2, "runs after the kill")
    procs[follower].signal(signal.SIGTERM)
    procs[follower].expect("stopped", timeout=30)
    assert procs[follower].wait() == 0

    rows = ticks()
    before = [row for row in rows if row[2] < killed_at]
    after = [row for row in rows if row[2] >= killed_at]
    # (A scheduler starved for longer than its lease may legitimately lose it before the
    # kill, so only the runs after the kill are attributed: the survivor's alone.)
    assert before, rows
    # The survivor takes over once the 2-second lease of the dead leader has run out.
    assert after and {row[1] for row in after} == {follower}, rows
    assert after[0][2] - killed_at < 15, rows
    # Never two runs in the same period, whoever ran them: runs are >= 1 s apart when
    # claimed (rows are written a moment later), a double run would come within a tick.
    times = [row[2] for row in rows]
    gaps = [round(b - a, 2) for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.3, gaps
    assert len(rows) <= (times[-1] - times[0]) / 0.9 + 1, gaps
    # Claims and runs agree (a SIGKILL between claim and run may lose at most that one run).
    run_count = PeriodicJobState.objects.get(name=TICK_JOB).run_count
    assert len(rows) <= run_count <= len(rows) + 1
    # A scheduler stopped with SIGTERM gives up the lease.
    assert not SchedulerLease.objects.filter(name=LEASE_NAME, holder=follower).exists()
