"""GET /api/v1/tickets/ on a table of 1,000,000 tickets (PostgreSQL): every page stays fast.

The table is filled once with ``atiende bench-data`` (only when it holds fewer tickets
than the target). Then, through uvicorn, ~50 timed requests each of:

* ``first_page`` — the newest 25 tickets, as an administrator;
* ``filtered`` — ``status=open&team=<id>``;
* ``sorted`` — ``ordering=-updated_at``;
* ``deep_cursor`` — the page reached by following ``next`` 20 times;
* ``agent_first_page`` — the newest 25 tickets of an agent's teams (the scoped query).

Each variant is also run in-process: its median CPU time per request (``server_cpu_ms``,
which a busy machine inflates much less than wall-clock latency), the number of SQL
queries, whether any ``COUNT(*)`` runs, and the ``EXPLAIN (ANALYZE)`` of the list query
(``db_exec_ms``, ``db_plan_ms``; the plans are written to
``results/ticket_list_1m.explain.txt``), flagging a sequential scan of the ticket table
(on SQLite: a scan that has to sort the whole table).
"""

from __future__ import annotations

import re
import time
from typing import Any

from support import Client, Context, Result, api_server, bench_token, latency_results, path_of, percentile

NAME = "ticket_list_1m"
DESCRIPTION = "GET /api/v1/tickets/ pages at 1,000,000 tickets: p95 < 100 ms, index scans, no COUNT(*)"
TARGET = {"postgresql": 1_000_000, "sqlite": 20_000}
SAMPLES = 50
WARMUP = 3
DEPTH = 20
PAGE = 25
GOAL_P95_MS = "< 100"
CPU_SAMPLES = 10
LIST = "/api/v1/tickets/"


def ensure_tickets(ctx: Context) -> int:
    from django.core.management import call_command

    from atiende.tickets.models import Ticket

    target = ctx.tickets or TARGET.get(ctx.database, TARGET["sqlite"])
    have = Ticket.objects.count()
    if have < target:
        print(f"  {NAME}: {have:,} tickets, generating up to {target:,} with bench-data …", flush=True)
        started = time.perf_counter()
        call_command("bench_data", tickets=target, batch=ctx.batch)
        print(f"  {NAME}: generated in {time.perf_counter() - started:,.0f} s", flush=True)
    return int(Ticket.objects.count())


def busy_team() -> int:
    """The team with open tickets (so the filtered page is a full page)."""
    from django.db.models import Count

    from atiende.tickets.models import Ticket

    row = (
        Ticket.objects.filter(status="open", team__isnull=False)
        .values("team_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    return int(row["team_id"]) if row else 0


def timed(client: Client, path: str, samples: int = SAMPLES) -> tuple[list[float], dict[str, Any]]:
    for _ in range(WARMUP):
        client.call("GET", path)
    times: list[float] = []
    data: dict[str, Any] = {}
    for _ in range(samples):
        status, data, ms = client.call("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {str(data)[:300]}")
        times.append(ms)
    return times, data


def explain(path: str, token: str) -> dict[str, Any]:
    """Run ``path`` in-process: its CPU time, its SQL, and the EXPLAIN of the ticket list query."""
    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext

    client = DjangoClient(HTTP_AUTHORIZATION=f"Token {token}")
    cpu = []
    for _ in range(CPU_SAMPLES + 1):
        started = time.process_time()
        client.get(path)
        cpu.append((time.process_time() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"in-process GET {path} answered {response.status_code}")
    queries = [q["sql"] for q in captured.captured_queries]
    list_sql = next(
        (q for q in queries if re.search(r'FROM "tickets_ticket"', q) and f"LIMIT {PAGE + 1}" in q),
        "",
    )
    counts = [q for q in queries if "COUNT(" in q.upper() and "tickets_ticket" in q]
    plan = ""
    if list_sql:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {list_sql}")
            else:
                cursor.execute(f"EXPLAIN QUERY PLAN {list_sql}")
            plan = "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())
    timing = {k: float(v) for k, v in re.findall(r"(Planning|Execution) Time: ([\d.]+) ms", plan)}
    if connection.vendor == "postgresql":
        seq_scan = bool(re.search(r"Seq Scan on tickets_ticket\b", plan))
    else:
        # SQLite walks the rowid b-tree in order for ORDER BY id and stops at the LIMIT
        # ("SCAN tickets_ticket"); the costly case is reading everything to sort it.
        seq_scan = "USE TEMP B-TREE FOR ORDER BY" in plan and "SCAN tickets_ticket" in plan
    return {
        "queries": len(queries),
        "counts": len(counts),
        "sql": list_sql,
        "plan": plan,
        "seq_scan": seq_scan,
        "cpu_ms": percentile(cpu[1:], 50),
        "db_ms": timing.get("Execution"),
        "plan_ms": timing.get("Planning"),
    }


def run(ctx: Context) -> list[Result]:
    db = ctx.database
    tickets = ensure_tickets(ctx)
    team = busy_team()
    _admin, token = bench_token()
    _agent, agent_token = bench_token(role="agent")
    variants = {
        "first_page": (f"{LIST}?page_size={PAGE}", token),
        "filtered": (f"{LIST}?page_size={PAGE}&status=open&team={team}", token),
        "sorted": (f"{LIST}?page_size={PAGE}&ordering=-updated_at", token),
        "agent_first_page": (f"{LIST}?page_size={PAGE}", agent_token),
    }
    timings: dict[str, list[float]] = {}
    results: list[Result] = [Result("tickets_in_table", float(tickets), "tickets", None, db, tickets)]
    with api_server(ctx.database_url) as base:
        admin = Client(base, token)
        agent = Client(base, agent_token)
        for name, (path, secret) in variants.items():
            client = agent if secret == agent_token else admin
            timings[name], data = timed(client, path)
            if len(data.get("results", [])) != PAGE:
                print(f"  {NAME}: {name} returned {len(data.get('results', []))} rows, not {PAGE}")
        # Follow `next` from the first page, then time the page 20 pages deep.
        walk: list[float] = []
        path = variants["first_page"][0]
        for _ in range(DEPTH):
            status, data, ms = admin.call("GET", path)
            if status != 200 or not data.get("next"):
                raise RuntimeError(f"cursor walk stopped at {path}: {status}")
            walk.append(ms)
            path = path_of(data["next"])
        variants["deep_cursor"] = (path, token)
        timings["deep_cursor"], _data = timed(admin, path)
        timings["cursor_walk"] = walk
        admin.close()
        agent.close()

    report: list[str] = []
    for name, samples in timings.items():
        goal = GOAL_P95_MS
        results += latency_results(name, samples, goal_p95=goal, database=db)
    for name, (path, secret) in variants.items():
        info = explain(path, secret)
        results += [
            Result(f"{name}.server_cpu_ms", round(info["cpu_ms"], 1), "ms", None, db, CPU_SAMPLES),
            *([Result(f"{name}.db_exec_ms", info["db_ms"], "ms", None, db, 1)] if info["db_ms"] is not None else []),
            *(
                [Result(f"{name}.db_plan_ms", info["plan_ms"], "ms", None, db, 1)]
                if info["plan_ms"] is not None
                else []
            ),
            Result(f"{name}.queries", float(info["queries"]), "queries", None, db, 1),
            Result(f"{name}.count_queries", float(info["counts"]), "queries", "== 0", db, 1),
            Result(f"{name}.seq_scan", float(info["seq_scan"]), "bool", "== 0", db, 1),
        ]
        verdict = "SEQ SCAN on tickets_ticket" if info["seq_scan"] else "no sequential scan of tickets_ticket"
        print(f"  {NAME}: {name}: {info['queries']} queries, {verdict}")
        report += [
            f"== {name}: GET {path}",
            f"-- {info['queries']} queries; list query:",
            info["sql"],
            "",
            info["plan"],
            "",
        ]
    (ctx.results_dir / f"{NAME}.explain.txt").write_text("\n".join(report) + "\n")
    return results
