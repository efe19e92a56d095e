"""The ``atiende`` command through its real entry point, in subprocesses.

Each test gets its own SQLite database and var/ directory, so nothing here touches
the test database of the rest of the suite.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from atiende.accounts.tokens import hash_token
from atiende.config import cli
from atiende.config.runner import ProcessSpec, Supervisor
from atiende.demo import DEMO_LOGINS

STRONG_PASSWORD = "Correct-Horse-42-Battery"


def atiende_command() -> list[str]:
    """The installed console script (the real entry point), next to this Python."""
    script = Path(sys.executable).with_name("atiende")
    return [str(script)] if script.exists() else [sys.executable, "-m", "atiende.config.cli"]


def base_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "ATIENDE_TEST_REAL_TASKS"}}
    env["ATIENDE_VAR_DIR"] = str(tmp_path / "var")
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def atiende(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*atiende_command(), *args], env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated once per module with ``atiende migrate``; each test gets a copy."""
    directory = tmp_path_factory.mktemp("cli-template")
    result = atiende(base_env(directory), "migrate", "--no-input", "-v", "0")
    assert result.returncode == 0, result.stderr
    return directory / "cli.sqlite3"


@pytest.fixture
def cli_env(tmp_path: Path, migrated_database: Path) -> dict[str, str]:
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{migrated_database}{suffix}")
        if source.exists():
            shutil.copyfile(source, tmp_path / f"cli.sqlite3{suffix}")
    return base_env(tmp_path)


def query(env: dict[str, str], sql: str, *params: object) -> list[tuple[object, ...]]:
    path = env["DATABASE_URL"].removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute(sql, params).fetchall()


def parse_dt(value: object) -> datetime:
    return datetime.fromisoformat(str(value))


# --- help -------------------------------------------------------------------------------


def test_help_lists_every_command(tmp_path: Path) -> None:
    result = atiende(base_env(tmp_path), "--help")
    assert result.returncode == 0, result.stderr
    for name in ("run", "web", "worker", "scheduler", "demo", "createadmin", "token", "bench-data"):
        assert f"    {name}" in result.stdout, name


def test_unknown_commands_go_to_django(tmp_path: Path) -> None:
    result = atiende(base_env(tmp_path), "help")
    assert result.returncode == 0, result.stderr
    assert "migrate" in result.stdout
    assert "scheduler" in result.stdout


# --- createadmin ----------------------------------------------------------------------------


def test_createadmin_creates_an_admin_and_refuses_a_duplicate(cli_env: dict[str, str]) -> None:
    result = atiende(cli_env, "createadmin", "--email", "Boss@Example.com", "--password", STRONG_PASSWORD)
    assert result.returncode == 0, result.stderr
    assert "boss@example.com" in result.stdout
    assert query(cli_env, "SELECT email, role, is_active FROM accounts_user") == [("boss@example.com", "admin", 1)]

    again = atiende(cli_env, "createadmin", "--email", "boss@example.com", "--password", STRONG_PASSWORD)
    assert again.returncode == 1
    assert "email:" in again.stderr
    assert "Traceback" not in again.stderr
    assert query(cli_env, "SELECT count(*) FROM accounts_user") == [(1,)]


def test_createadmin_rejects_a_weak_password(cli_env: dict[str, str]) -> None:
    result = atiende(cli_env, "createadmin", "--email", "weak@example.com", "--password", "123")
    assert result.returncode == 1
    assert "password:" in result.stderr
    assert query(cli_env, "SELECT count(*) FROM accounts_user") == [(0,)]


def test_createadmin_without_password_off_a_terminal_fails(cli_env: dict[str, str]) -> None:
    result = subprocess.run(
        [*atiende_command(), "createadmin", "--email", "x@example.com"],
        env=cli_env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert result.returncode == 1
    assert "--password" in result.stderr


# --- token create ------------------------------------------------------------------------------

AUTHENTICATE = """
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory
from atiende.accounts.authentication import TokenAuthentication
request = Request(APIRequestFactory().get("/api/v1/", HTTP_AUTHORIZATION="Token {secret}"))
user, token = TokenAuthentication().authenticate(request)
print(user.email, token.scope)
"""


def test_token_create_prints_a_working_secret_once(cli_env: dict[str, str]) -> None:
    assert atiende(cli_env, "createadmin", "--email", "api@example.com", "--password", STRONG_PASSWORD).returncode == 0

    result = atiende(
        cli_env, "token", "create", "--user", "API@example.com", "--scope", "write", "--expires", "30", "--name", "ci"
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout  # the secret alone, so $(atiende token create …) works
    secret = lines[0]
    assert secret.startswith("atd_")
    assert secret not in result.stderr

    rows = query(
        cli_env,
        "SELECT t.key_hash, t.scope, t.name, t.created_at, t.expires_at, u.email "
        "FROM accounts_apitoken t JOIN accounts_user u ON u.id = t.user_id",
    )
    assert len(rows) == 1
    key_hash, scope, name, created_at, expires_at, email = rows[0]
    assert key_hash == hash_token(secret)
    assert secret not in {str(v) for v in rows[0]}  # only the hash is stored
    assert (scope, name, email) == ("write", "ci", "api@example.com")
    assert parse_dt(expires_at) - parse_dt(created_at) == timedelta(days=30)

    auth = atiende(cli_env, "shell", "--no-imports", "-c", AUTHENTICATE.format(secret=secret))
    assert auth.returncode == 0, auth.stderr
    assert auth.stdout.split() == ["api@example.com", "write"]


def test_token_create_defaults_to_read_without_expiry(cli_env: dict[str, str]) -> None:
    assert atiende(cli_env, "createadmin", "--email", "r@example.com", "--password", STRONG_PASSWORD).returncode == 0
    result = atiende(cli_env, "token", "create", "--user", "r@example.com")
    assert result.returncode == 0, result.stderr
    assert query(cli_env, "SELECT scope, expires_at FROM accounts_apitoken") == [("read", None)]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--user", "nobody@example.com"], 1, "no user"),
        (["--user", "r@example.com", "--scope", "admin"], 2, "invalid choice"),
        (["--user", "r@example.com", "--expires", "0"], 2, "at least 1"),
    ],
)
def test_token_create_errors(cli_env: dict[str, str], args: list[str], code: int, message: str) -> None:
    assert atiende(cli_env, "createadmin", "--email", "r@example.com", "--password", STRONG_PASSWORD).returncode == 0
    result = atiende(cli_env, "token", "create", *args)
    assert result.returncode == code
    assert message in result.stderr
    assert query(cli_env, "SELECT count(*) FROM accounts_apitoken") == [(0,)]


# --- worker selection ---------------------------------------------------------------------------


def test_worker_command_follows_the_task_backend(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert cli.worker_command() == ["db_worker", "--queue-name", "*", "--no-reload"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", "low"]}}
    assert cli.worker_command() == [
        "rqworker",
        "--job-class",
        "django_tasks_rq.Job",
        "--with-scheduler",
        "default",
        "low",
    ]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    assert cli.worker_command() is None


# --- the supervisor -------------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); /proc tells them apart where it exists.
    status = Path(f"/proc/{pid}/status")
    with contextlib.suppress(OSError):
        return "\nState:\tZ" not in status.read_text()
    return True


def _wait_gone(pids: list[int], timeout: float = 10) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [pid for pid in pids if _alive(pid)]
        if not alive:
            return []
        time.sleep(0.1)
    return [pid for pid in pids if _alive(pid)]


def test_supervisor_stops_the_others_when_one_child_dies() -> None:
    sleeper = ProcessSpec("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"])
    crasher = ProcessSpec("crasher", [sys.executable, "-c", "import time, sys; time.sleep(0.5); sys.exit(3)"])
    log = io.StringIO()
    supervisor = Supervisor([sleeper, crasher], stop_timeout=10, out=log)
    started = time.monotonic()
    try:
        code = supervisor.run()
    finally:
        for child in supervisor.children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGKILL)
    assert code == 1
    assert time.monotonic() - started < 15
    assert "crasher exited unexpectedly (code 3)" in log.getvalue()
    assert _wait_gone([c.pid for c in supervisor.children]) == []


def test_supervisor_kills_a_child_that_ignores_the_stop_signal() -> None:
    stubborn = ProcessSpec(
        "stubborn",
        [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"],
    )
    crasher = ProcessSpec("crasher", [sys.executable, "-c", "import sys; sys.exit(1)"])
    log = io.StringIO()
    supervisor = Supervisor([stubborn, crasher], stop_timeout=1, out=log)
    try:
        assert supervisor.run() == 1
    finally:
        for child in supervisor.children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGKILL)
    assert "killing stubborn" in log.getvalue()
    assert _wait_gone([c.pid for c in supervisor.children]) == []


# --- atiende run ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Output:
    """Collects a process's output in a thread, so its pipe never fills up."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        assert process.stdout is not None
        self._stream = process.stdout
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for line in self._stream:
            self.lines.append(line.rstrip("\n"))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def tail(self) -> str:
        """The supervisor's own lines and the last lines of everything, for failure messages."""
        own = [line for line in self.lines if line.startswith("[atiende run]")]
        return "\n".join([*own, "…", *self.lines[-60:]])

    def child_pids(self) -> dict[str, int]:
        pids = {}
        for line in self.lines:
            if line.startswith("[atiende run] started ") and "(pid " in line:
                name = line.split()[3]
                pids[name] = int(line.rsplit("(pid ", 1)[1].rstrip(")"))
        return pids


def get_json(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - a local test server
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@contextlib.contextmanager
def running(command: list[str], env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[str], Output]]:
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    output = Output(process)
    try:
        yield process, output
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        for pid in output.child_pids().values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)


def wait_until_running(process: subprocess.Popen[str], output: Output, *, timeout: float) -> dict[str, int]:
    """Wait for the banner; return the child PIDs the supervisor reported."""
    deadline = time.monotonic() + timeout
    while "atiende is running at" not in output.text:
        assert process.poll() is None, f"atiende run exited early ({process.returncode}):\n{output.tail}"
        assert time.monotonic() < deadline, f"atiende run did not come up within {timeout:g} s:\n{output.tail}"
        time.sleep(0.25)
    pids = output.child_pids()
    assert set(pids) == {"web", "worker", "scheduler"}, output.tail
    assert all(_alive(pid) for pid in pids.values()), output.tail
    return pids


def stop_with_ctrl_c(process: subprocess.Popen[str], output: Output, pids: dict[str, int]) -> None:
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0, output.tail
    assert _wait_gone(list(pids.values())) == [], output.tail
    # A clean stop: nothing died on its own and nothing had to be killed.
    assert "exited unexpectedly" not in output.text, output.tail
    assert "killing " not in output.text, output.tail


def assert_healthy(port: int) -> None:
    status, body = get_json(f"http://127.0.0.1:{port}/healthz")
    assert status == 200, body
    assert body["status"] == "ok", body


@pytest.mark.slow
def test_run_first_start_serves_health_and_stops_every_child_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    env = base_env(tmp_path)
    env.pop("ATIENDE_TESTING", None)  # the real task backend, so a real worker starts
    env.pop("DATABASE_URL")  # the default: a SQLite file under ATIENDE_VAR_DIR
    env["ATIENDE_DEMO_TICKETS"] = "150"  # the real demo loader, with fewer tickets than the default 2,000
    with running([*atiende_command(), "run", "--port", str(port)], env) as (process, output):
        # Migrations and the demo data on a fresh var/; the budget catches a hang or a
        # crash on a busy 2-core machine, not a slow demo.
        pids = wait_until_running(process, output, timeout=300)
        assert_healthy(port)
        assert (tmp_path / "var" / "atiende.sqlite3").exists()
        assert f"http://127.0.0.1:{port}/" in output.text
        assert "demo data: first start" in output.text, output.tail
        logins = [line for line in output.lines if line.startswith("demo login: ")]
        assert {line.split()[-1] for line in logins} >= {"admin", "agent", "customer"}, output.tail
        stop_with_ctrl_c(process, output, pids)


@pytest.mark.slow
def test_run_restart_skips_the_demo_and_lists_the_demo_logins_that_exist(cli_env: dict[str, str]) -> None:
    email, password, role = DEMO_LOGINS[0]
    assert atiende(cli_env, "createadmin", "--email", email, "--password", password).returncode == 0
    env = {k: v for k, v in cli_env.items() if k != "ATIENDE_TESTING"}
    port = free_port()
    with running([*atiende_command(), "run", "--port", str(port)], env) as (process, output):
        pids = wait_until_running(process, output, timeout=120)
        assert_healthy(port)
        assert "demo data:" not in output.text, output.tail  # users exist: no demo load
        logins = [line for line in output.lines if line.startswith("demo login: ")]
        assert logins == [f"demo login: {email} {password} {role}"], output.tail
        stop_with_ctrl_c(process, output, pids)
