"""The agent workspace's HTML pages at 1,000,000 tickets (PostgreSQL): server time per page.

Through uvicorn (the same server as the API scenarios), signed in with a session cookie,
~50 timed requests each of:

* ``list_all`` — an administrator's "All tickets" view (the whole table in scope);
* ``list_open_agent`` — an agent's "All open" view (the team-scoped query);
* ``list_sorted`` — "All tickets" sorted by priority;
* ``list_filtered`` — "All open" with the filter bar's ``team`` and ``priority``;
* ``deep_cursor`` — the page reached by following "Next page" 20 times;
* ``ticket_page`` — a ticket with a dozen messages, notes, attachments and field changes.

Every page also shows the sidebar's view counts. They are cached per viewer for
``COUNT_TTL`` seconds, so timed requests see a warm cache; ``counts_cold`` times the
counts of every view with the cache emptied (what the first page view in each TTL
window pays), and each page is run once in-process for its CPU time, SQL query count
and whether any uncapped ``COUNT(*)`` ran. Goal: p95 < 300 ms per page.
"""

from __future__ import annotations

import io
import re
import time
from typing import Any

from scenarios.ticket_list_1m import ensure_tickets
from support import Client, Context, Result, api_server, latency_results, percentile

NAME = "ui_pages"
DESCRIPTION = "agent list and ticket pages (HTML) at 1,000,000 tickets: p95 < 300 ms, capped counts"
SAMPLES = 50
WARMUP = 3
DEPTH = 20
GOAL_P95_MS = "< 300"
CPU_SAMPLES = 10
COLD_SAMPLES = 5
PASSWORD = "bench-ui-Password-1"  # noqa: S105 - a throwaway account on the bench database


class PageClient(Client):
    """The timing keep-alive client of support.py, signed in with a session cookie."""

    def __init__(self, base: str, session_key: str) -> None:
        super().__init__(base, token="")
        self.headers = {"Cookie": f"sessionid={session_key}", "Accept": "text/html"}


def bench_user(role: str) -> Any:
    from atiende.accounts.models import Team, User
    from atiende.accounts.services import create_user

    email = f"bench-ui-{role}@atiende-bench.example"
    user = User.objects.filter(email=email).first()
    if user is None:
        teams = list(Team.objects.order_by("id")[:1]) if role != "admin" else []
        user = create_user(
            actor=None,
            email=email,
            name=f"Bench UI {role}",
            role=role,
            teams=teams,
            password=PASSWORD,
            language="en",
            validate_password_strength=False,
        )
    return user


def session_for(user: Any) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return str(session.session_key)


def busy_ticket(admin: Any) -> int:
    """A ticket with a conversation worth rendering (made once, through the services)."""
    from atiende.tickets import services
    from atiende.tickets.models import Ticket

    ticket = Ticket.objects.filter(subject="bench ui conversation").first()
    if ticket is None:
        ticket = Ticket.objects.filter(status="open", team__isnull=False).order_by("-id").first()
        if ticket is None:
            raise RuntimeError("no open ticket in the bench data")
        services.update_ticket(actor=admin, ticket=ticket, subject="bench ui conversation")
        for i in range(12):
            services.add_message(
                actor=admin,
                ticket=ticket,
                body=f"Message {i}: " + "lorem ipsum " * 40,
                internal=i % 3 == 0,
                attachments=[(io.BytesIO(b"x" * 2048), f"file-{i}.txt", "text/plain")] if i % 4 == 0 else [],
            )
            services.update_ticket(actor=admin, ticket=ticket, priority=["low", "high"][i % 2], tags=[f"t{i}"])
    return int(ticket.number)


def busy_team() -> int:
    from scenarios.ticket_list_1m import busy_team as team

    return team()


def timed(client: PageClient, path: str, samples: int = SAMPLES) -> list[float]:
    for _ in range(WARMUP):
        client.call("GET", path)
    times: list[float] = []
    for _ in range(samples):
        status, _body, ms = client.call("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        times.append(ms)
    return times


def next_link(body: Any) -> str | None:
    found = re.search(rb'href="(\?[^"]*cursor=[^"]*)" rel="next"', body if isinstance(body, bytes) else b"")
    return found.group(1).decode().replace("&amp;", "&") if found else None


def in_process(user: Any, path: str) -> dict[str, Any]:
    """CPU time (warm cache), SQL queries and uncapped counts of one page, run in-process."""
    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext

    from atiende.tickets.ticket_views import COUNT_CAP

    client = DjangoClient()
    client.force_login(user)
    cpu = []
    for _ in range(CPU_SAMPLES + 1):
        started = time.process_time()
        response = client.get(path)
        cpu.append((time.process_time() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"in-process GET {path} answered {response.status_code}")
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    queries = [q["sql"] for q in captured.captured_queries]
    uncapped = [q for q in queries if "COUNT(" in q.upper() and f"LIMIT {COUNT_CAP + 1}" not in q]
    return {"cpu_ms": percentile(cpu[1:], 50), "queries": len(queries), "uncapped_counts": len(uncapped)}


def cold_counts(user: Any) -> list[float]:
    """Wall time of every sidebar count with the cache emptied (the once-per-TTL cost)."""
    from django.core.cache import cache

    from atiende.tickets import ticket_views

    times = []
    for _ in range(COLD_SAMPLES):
        cache.clear()
        started = time.perf_counter()
        ticket_views.counts(user, ticket_views.views_for(user))
        times.append((time.perf_counter() - started) * 1000)
    return times


def run(ctx: Context) -> list[Result]:
    db = ctx.database
    tickets = ensure_tickets(ctx)
    admin, agent = bench_user("admin"), bench_user("agent")
    number = busy_ticket(admin)
    team = busy_team()
    admin_key, agent_key = session_for(admin), session_for(agent)
    pages = {
        "list_all": ("/agent/views/all/", admin),
        "list_open_agent": ("/agent/views/open/", agent),
        "list_sorted": ("/agent/views/all/?ordering=-priority", admin),
        "list_filtered": (f"/agent/views/open/?team={team}&priority=high", admin),
        "ticket_page": (f"/agent/tickets/{number}/", admin),
    }
    timings: dict[str, list[float]] = {}
    results: list[Result] = [Result("tickets_in_table", float(tickets), "tickets", None, db, tickets)]
    with api_server(ctx.database_url) as base:
        as_admin, as_agent = PageClient(base, admin_key), PageClient(base, agent_key)
        for name, (path, user) in pages.items():
            timings[name] = timed(as_agent if user is agent else as_admin, path)
        path = pages["list_all"][0]
        for _ in range(DEPTH):
            status, body, _ms = as_admin.call("GET", path)
            link = next_link(body)
            if status != 200 or link is None:
                raise RuntimeError(f"cursor walk stopped at {path}: {status}")
            path = "/agent/views/all/" + link
        pages["deep_cursor"] = (path, admin)
        timings["deep_cursor"] = timed(as_admin, path)
        as_admin.close()
        as_agent.close()
    for name, samples in timings.items():
        results += latency_results(name, samples, goal_p95=GOAL_P95_MS, database=db)
    for name, (path, user) in pages.items():
        info = in_process(user, path)
        results += [
            Result(f"{name}.server_cpu_ms", round(info["cpu_ms"], 1), "ms", None, db, CPU_SAMPLES),
            Result(f"{name}.queries", float(info["queries"]), "queries", None, db, 1),
            Result(f"{name}.uncapped_count_queries", float(info["uncapped_counts"]), "queries", "== 0", db, 1),
        ]
        print(f"  {NAME}: {name}: {info['queries']} queries, {info['cpu_ms']:.0f} ms CPU in-process")
    for who, user in (("admin", admin), ("agent", agent)):
        results += latency_results(f"counts_cold_{who}", cold_counts(user), goal_p95=None, database=db)
    return results
