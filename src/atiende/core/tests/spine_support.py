"""Test-only helpers for the event spine and scheduler tests.

Imported by the test modules *and* by ``spine_worker`` (the child process), so both
register the same event types, the same effect-writing subscriber and the same
periodic test task.

The "effect table" is created with raw SQL by the tests and deliberately has **no**
unique constraint: a duplicated delivery shows up as a second row.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection
from django_tasks import task

from atiende.core import events

EFFECT_TABLE = "spine_effect"

WORK_TYPE = "tests.spine.work"
PING_TYPE = "tests.spine.ping"
CHAIN_TYPE = "tests.spine.chain"

TICK_JOB = "tests.spine.tick"

# Set by the scheduler child so that effect rows say which scheduler ran the job.
HOLDER = os.environ.get("SPINE_HOLDER", "")


@events.register_event
@dataclass(frozen=True)
class WorkEvent(events.Event):
    type = WORK_TYPE
    n: int = 0


@events.register_event
@dataclass(frozen=True)
class PingEvent(events.Event):
    type = PING_TYPE
    text: str = ""


@events.register_event
@dataclass(frozen=True)
class ChainEvent(events.Event):
    type = CHAIN_TYPE
    step: int = 0


# --- effect table -------------------------------------------------------------------


def create_effect_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {EFFECT_TABLE} "
            "(event_id varchar(64) NOT NULL, note varchar(200) NOT NULL, at_ts double precision NOT NULL)"
        )
        cursor.execute(f"DELETE FROM {EFFECT_TABLE}")  # noqa: S608


def drop_effect_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {EFFECT_TABLE}")


def record_effect(key: str, note: str = "") -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {EFFECT_TABLE} (event_id, note, at_ts) VALUES (%s, %s, %s)",  # noqa: S608
            [key, note, time.time()],
        )


def effect_rows() -> list[tuple[str, str, float]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT event_id, note, at_ts FROM {EFFECT_TABLE} ORDER BY at_ts")  # noqa: S608
        return [(str(a), str(b), float(c)) for a, b, c in cursor.fetchall()]


def effect_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {EFFECT_TABLE}")  # noqa: S608
        return int(cursor.fetchone()[0])


def register_effect_subscriber(name: str, types: Iterable[str] = (WORK_TYPE,), *, sleep: float = 0.0) -> str:
    """A subscriber that writes one effect row per call and then holds its transaction."""

    def write_effect(event: Any) -> None:
        record_effect(str(event.pk), f"pid:{os.getpid()}")
        if sleep:
            time.sleep(sleep)  # widen the window in which a second worker could interfere

    events.subscribe(*types, name=name)(write_effect)
    return name


# --- periodic test job ----------------------------------------------------------------


@task()
def record_tick() -> None:
    """The periodic test job: one effect row per run, saying which scheduler ran it."""
    record_effect(TICK_JOB, HOLDER or f"pid:{os.getpid()}")


# --- child processes ------------------------------------------------------------------


def child_env(**extra: str | None) -> dict[str, str]:
    """Environment for a child that must use *this* test database (``None`` unsets)."""
    env = dict(os.environ)
    env["ATIENDE_TESTING"] = "1"
    env.pop("ATIENDE_TEST_REAL_TASKS", None)
    env["DJANGO_SETTINGS_MODULE"] = "atiende.config.settings"
    env["SPINE_DB_NAME"] = str(connection.settings_dict["NAME"])
    env["PYTHONUNBUFFERED"] = "1"
    src = str(Path(__file__).resolve().parents[3])
    env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [env.get("PYTHONPATH")])])
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


class Child:
    """A ``python -m atiende.core.tests.spine_worker ARGS`` process (stderr goes to ``log``).

    A reader thread collects stdout lines so that waits can time out.
    """

    def __init__(self, *args: str, log: Path, env: dict[str, str] | None = None) -> None:
        self.log = log
        self.lines: queue.Queue[str | None] = queue.Queue()
        with log.open("w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "atiende.core.tests.spine_worker", *args],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                env=env or child_env(),
            )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.strip())
        self.lines.put(None)

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def expect(self, prefix: str, timeout: float = 60.0) -> str:
        """Wait for a stdout line starting with ``prefix``; fail with the child's log."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"child did not say {prefix!r} within {timeout}s:\n{self.output()}")
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                rc = self.proc.wait()
                raise AssertionError(f"child exited (rc={rc}) before saying {prefix!r}:\n{self.output()}")
            if line.startswith(prefix):
                return line[len(prefix) :].strip()

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def signal(self, signum: int) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signum)

    def wait(self, timeout: float = 60.0) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.proc.wait()
            raise AssertionError(f"child did not finish within {timeout}s:\n{self.output()}") from None

    def stop(self) -> None:
        """Make sure the child is gone (test teardown)."""
        if self.proc.poll() is None:
            self.signal(signal.SIGKILL)
            self.proc.wait()
        self.reader.join(timeout=10)  # it ends at EOF; closing stdout under it would raise
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(Exception):
                    stream.close()
