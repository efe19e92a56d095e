"""``make bench``: run the benchmark scenarios, print a table, write ``bench/results/<scenario>.json``.

    python bench/run.py                       # every scenario
    python bench/run.py --only ticket_list_1m # one (repeat --only for several)
    python bench/run.py --list                # what there is

The database: ``BENCH_DATABASE_URL``, else ``DATABASE_URL`` when it is PostgreSQL, else
``postgres://postgres@127.0.0.1:5432/atiende_bench`` (created and migrated when missing).
Without a reachable PostgreSQL the scenarios run at reduced sizes on a SQLite file and
say so (``"database": "sqlite"``). Exit status 1 when a measured figure misses its goal.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import RESULT_KEYS, RESULTS_DIR, Context, Result, choose_database, server_env, table, write_results

__all__ = ["RESULT_KEYS", "Result", "main", "write_results"]


def setup_django(database_url: str) -> None:
    for key, value in server_env(database_url).items():
        if key not in os.environ or key in ("DATABASE_URL", "ATIENDE_RATE_USER", "ATIENDE_RATE_ANON", "LOG_LEVEL"):
            os.environ[key] = value
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":…@"))
    return parts.geturl()


def main(argv: Sequence[str] | None = None) -> int:
    from scenarios import SCENARIOS

    parser = argparse.ArgumentParser(prog="bench/run.py", description="Run the atiende benchmarks.")
    parser.add_argument("--only", action="append", choices=sorted(SCENARIOS), help="run only this scenario")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--tickets", type=int, help="ticket_list_1m: table size (default 1,000,000; SQLite 20,000)")
    parser.add_argument("--requests", type=int, help="api_ticket_create: how many tickets to POST (default 500)")
    parser.add_argument("--batch", type=int, default=5000, help="bench-data rows per transaction")
    args = parser.parse_args(argv)
    if args.list:
        for name, module in SCENARIOS.items():
            print(f"{name:20} {module.DESCRIPTION}")
        return 0

    url, database = choose_database()
    print(f"bench: database {database} ({_redacted(url)})", flush=True)
    setup_django(url)
    ctx = Context(database_url=url, database=database, tickets=args.tickets, requests=args.requests, batch=args.batch)
    rows: list[tuple[str, Result]] = []
    for name in args.only or list(SCENARIOS):
        print(f"bench: {name} …", flush=True)
        started = time.perf_counter()
        results = SCENARIOS[name].run(ctx)
        # How busy the machine was: latencies on a shared or loaded host are not comparable.
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        results.append(Result("host.load_avg_1m", round(load, 2), "load", None, database, os.cpu_count() or 0))
        path = write_results(name, results, RESULTS_DIR)
        print(
            f"bench: {name} done in {time.perf_counter() - started:,.0f} s → {path.relative_to(Path.cwd())}"
            if path.is_relative_to(Path.cwd())
            else f"bench: {name} → {path}",
            flush=True,
        )
        rows += [(name, r) for r in results]
    print()
    print(table(rows))
    missed = [f"{name}: {r.metric}" for name, r in rows if r.passed is False]
    if missed:
        print(f"\nmissed goals: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
