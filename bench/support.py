"""What the benchmark scenarios share: results, the bench database, the API server, HTTP timing.

No Django import at module level: ``run.py`` chooses the database first, then sets up Django.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/atiende_bench"
RESULT_KEYS = ("metric", "value", "unit", "goal", "passed", "database", "n")
# One process; keep-alive long enough that an idle client between phases is not cut off.
UVICORN_ARGS = ("--host", "127.0.0.1", "--lifespan", "off", "--no-access-log", "--log-level", "warning",
                "--timeout-keep-alive", "300")  # fmt: skip


# --- results --------------------------------------------------------------------------------


@dataclass
class Result:
    """One measured figure. ``goal`` is a comparison such as ``"< 150"`` (or None: informational)."""

    metric: str
    value: float
    unit: str
    goal: str | None = None
    database: str = ""
    n: int = 0
    passed: bool | None = field(default=None)

    def __post_init__(self) -> None:
        if self.passed is None and self.goal is not None:
            self.passed = meets(self.value, self.goal)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return {key: data[key] for key in RESULT_KEYS}


def meets(value: float, goal: str) -> bool:
    """``meets(87.0, "< 100")`` → True. Operators: <, <=, >, >=, ==."""
    op, _, number = goal.strip().partition(" ")
    target = float(number)
    return {
        "<": value < target,
        "<=": value <= target,
        ">": value > target,
        ">=": value >= target,
        "==": value == target,
    }[op]


def write_results(scenario: str, results: Sequence[Result], directory: Path = RESULTS_DIR) -> Path:
    """Write ``<directory>/<scenario>.json``: a list of {metric, value, unit, goal, passed, database, n}."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{scenario}.json"
    path.write_text(json.dumps([r.as_dict() for r in results], indent=2, ensure_ascii=False) + "\n")
    return path


def table(rows: Sequence[tuple[str, Result]]) -> str:
    header = ("scenario", "metric", "value", "unit", "goal", "ok", "db", "n")
    lines = [header]
    for scenario, r in rows:
        value = f"{r.value:,.1f}" if isinstance(r.value, float) and not r.value.is_integer() else f"{r.value:,.0f}"
        ok = "" if r.passed is None else ("yes" if r.passed else "NO")
        lines.append((scenario, r.metric, value, r.unit, r.goal or "", ok, r.database, f"{r.n:,}"))
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    out = []
    for k, line in enumerate(lines):
        cells = [
            str(c).rjust(w) if i in (2, 7) else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def percentile(samples: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def latency_results(
    prefix: str, samples_ms: Sequence[float], *, goal_p95: str | None, database: str, n: int | None = None
) -> list[Result]:
    count = n if n is not None else len(samples_ms)
    return [
        Result(f"{prefix}.p50", round(percentile(samples_ms, 50), 2), "ms", None, database, count),
        Result(f"{prefix}.p95", round(percentile(samples_ms, 95), 2), "ms", goal_p95, database, count),
    ]


# --- the bench database ------------------------------------------------------------------------


def choose_database() -> tuple[str, str]:
    """(DATABASE_URL, "postgresql" | "sqlite") for the benchmarks.

    ``BENCH_DATABASE_URL``, else ``DATABASE_URL`` when it is PostgreSQL, else the local
    ``atiende_bench`` database (created when missing). If PostgreSQL cannot be reached,
    a SQLite file under ``var/`` and reduced sizes.
    """
    for name in ("BENCH_DATABASE_URL", "DATABASE_URL"):
        url = os.environ.get(name, "")
        if url.startswith(("postgres://", "postgresql://")):
            if _ensure_postgres(url):
                return url, "postgresql"
            print(f"bench: {name} is set but PostgreSQL does not answer; trying the default", file=sys.stderr)
        elif name == "BENCH_DATABASE_URL" and url:
            return url, "sqlite" if url.startswith("sqlite") else "other"
    if _ensure_postgres(DEFAULT_POSTGRES_URL):
        return DEFAULT_POSTGRES_URL, "postgresql"
    var = Path(os.environ.get("ATIENDE_VAR_DIR", ROOT / "var"))
    var.mkdir(parents=True, exist_ok=True)
    print("bench: PostgreSQL is not reachable; running reduced sizes on SQLite", file=sys.stderr)
    return f"sqlite:///{var / 'bench.sqlite3'}", "sqlite"


def _ensure_postgres(url: str) -> bool:
    """True when the server answers; creates the database if it does not exist yet."""
    try:
        import psycopg
    except ImportError:
        return False
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "postgres"
    admin_url = parts._replace(path="/postgres").geturl()
    try:
        with psycopg.connect(admin_url, connect_timeout=3, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                from psycopg import sql

                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"bench: created database {name}", file=sys.stderr)
    except psycopg.Error as exc:
        print(f"bench: PostgreSQL at {parts.hostname}:{parts.port or 5432}: {exc}".strip(), file=sys.stderr)
        return False
    return True


def server_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="atiende.config.settings",
        # The benchmark measures the application, not the rate limiter.
        ATIENDE_RATE_USER="1000000/min",
        ATIENDE_RATE_ANON="1000000/min",
        LOG_LEVEL="WARNING",
        DEBUG="0",
        PYTHONUNBUFFERED="1",
    )
    return env


# --- the API server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def api_server(database_url: str, *, timeout: float = 60.0) -> Iterator[str]:
    """Start uvicorn with ``atiende.config.asgi:application`` on a free port; yield its base URL."""
    port = free_port()
    log = Path(tempfile.gettempdir()) / "atiende-bench-server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "atiende.config.asgi:application", *UVICORN_ARGS, "--port", str(port)],
            env=server_env(database_url),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"the API server exited ({process.returncode}); see {log}")
                try:
                    status, _body = request(base, "GET", "/healthz")
                    if status:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the API server did not answer within {timeout:g} s; see {log}")
                time.sleep(0.2)
            yield base
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


class Client:
    """A keep-alive HTTP/1.1 client that times each request (milliseconds)."""

    def __init__(self, base: str, token: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any, float]:
        headers = dict(self.headers)
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=payload, headers=headers)
                response = self.conn.getresponse()
                raw = response.read()
                break
            except (http.client.HTTPException, OSError):
                # A keep-alive connection the server closed while we were idle: reconnect.
                # Only GETs are retried; a POST might have been processed.
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt == 2 or method != "GET":
                    raise
        elapsed = (time.perf_counter() - started) * 1000
        data = json.loads(raw) if raw and response.getheader("Content-Type", "").startswith("application/") else raw
        return response.status, data, elapsed

    def close(self) -> None:
        self.conn.close()


def request(base: str, method: str, path: str) -> tuple[int, bytes]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=5)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# --- users and tokens (needs Django set up) ---------------------------------------------------------


def bench_token(*, role: str = "admin") -> tuple[Any, str]:
    """A user of ``role`` and a fresh write token for it (the secret is only known now)."""
    from atiende.accounts.models import Team, User
    from atiende.accounts.services import create_api_token, create_user

    if role == "admin":
        email = "bench-admin@atiende-bench.example"
        user = User.objects.filter(email=email).first() or create_user(
            actor=None, email=email, name="Bench Admin", role="admin"
        )
    else:
        user = User.objects.filter(role=role, is_active=True, teams__isnull=False).order_by(
            "id"
        ).first() or create_user(
            actor=None,
            email=f"bench-{role}@atiende-bench.example",
            name=f"Bench {role}",
            role=role,
            teams=list(Team.objects.order_by("id")[:1]),
        )
    _token, secret = create_api_token(actor=None, user=user, name="bench", scope="write", expires_in_days=1)
    return user, secret


@dataclass
class Context:
    """What a scenario gets: the bench database and optional size overrides from the command line."""

    database_url: str
    database: str  # "postgresql" or "sqlite"
    tickets: int | None = None  # ticket_list_1m: table size
    requests: int | None = None  # api_ticket_create: how many POSTs
    batch: int = 5000
    results_dir: Path = RESULTS_DIR
