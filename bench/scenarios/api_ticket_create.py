"""POST /api/v1/tickets/ through a real HTTP server: latency and throughput of opening tickets.

One client, one keep-alive connection, requests one after another, against uvicorn
running ``atiende.config.asgi:application`` on the bench database. Every request goes
the whole way: token check, validation, requester lookup (an unknown address becomes a
contact), the ``create_ticket`` service with its history, audit row and outbox events,
and the delivery task enqueued on commit.
"""

from __future__ import annotations

import time

from support import Client, Context, Result, api_server, bench_token, latency_results, percentile

NAME = "api_ticket_create"
DESCRIPTION = "POST /api/v1/tickets/ via uvicorn: p50/p95 ms and tickets/s"
REQUESTS = 500
WARMUP = 10
REQUESTERS = 50  # the first request of each creates a contact; later ones find it
GOAL_P95_MS = "< 150"
GOAL_TICKETS_PER_S = ">= 10"
CPU_SAMPLES = 20


def body(i: int) -> dict[str, object]:
    spanish = i % 5 < 3
    who = i % REQUESTERS
    return {
        "subject": (f"No puedo acceder a mi cuenta ({i})" if spanish else f"Cannot access my account ({i})"),
        "requester": {"email": f"bench.create.{who}@atiende-bench.example", "name": f"Bench Requester {who}"},
        "message": {
            "body": (
                "Hola, desde esta mañana no puedo entrar. Me sale «Sesión caducada». Gracias."
                if spanish
                else 'Hi, since this morning I can\'t sign in. It says "Session expired". Thanks.'
            )
        },
        "priority": ("low", "normal", "normal", "high")[i % 4],
        "tags": ["bench"],
    }


def server_cpu(token: str, samples: int = CPU_SAMPLES) -> list[float]:
    """Median-able CPU milliseconds per request, in-process: what a busy machine inflates least."""
    from django.test import Client as DjangoClient

    client = DjangoClient(HTTP_AUTHORIZATION=f"Token {token}")
    cpu = []
    for i in range(samples + 1):
        started = time.process_time()
        response = client.post("/api/v1/tickets/", body(10_000 + i), content_type="application/json")
        cpu.append((time.process_time() - started) * 1000)
        if response.status_code != 201:
            raise RuntimeError(f"in-process POST answered {response.status_code}: {response.content[:300]!r}")
    return cpu[1:]


def run(ctx: Context) -> list[Result]:
    n = ctx.requests or REQUESTS
    _user, token = bench_token()
    samples: list[float] = []
    errors: list[str] = []
    with api_server(ctx.database_url) as base:
        client = Client(base, token)
        for i in range(WARMUP):
            client.call("POST", "/api/v1/tickets/", body(-1 - i))
        started = time.perf_counter()
        for i in range(n):
            status, data, ms = client.call("POST", "/api/v1/tickets/", body(i))
            samples.append(ms)
            if status != 201:
                errors.append(f"{status}: {str(data)[:200]}")
        elapsed = time.perf_counter() - started
        client.close()
    if errors:
        print(f"  {NAME}: {len(errors)} requests failed; first: {errors[0]}")
    cpu = server_cpu(token)
    db = ctx.database
    return [
        *latency_results("create", samples, goal_p95=GOAL_P95_MS, database=db),
        Result("create.tickets_per_s", round(n / elapsed, 1), "tickets/s", GOAL_TICKETS_PER_S, db, n),
        Result("create.server_cpu_ms", round(percentile(cpu, 50), 1), "ms", None, db, len(cpu)),
        Result("create.errors", float(len(errors)), "requests", "== 0", db, n),
    ]
