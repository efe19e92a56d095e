"""``atiende scheduler``: the one loop that enqueues periodic jobs.

Run as many as you like (one per machine is typical): a database lease makes only
one of them schedule at a time, and each due job is claimed with a conditional
UPDATE, so no job runs twice per period. SIGINT/SIGTERM stop it after the current tick.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from atiende.core.scheduler import Scheduler


class Command(BaseCommand):
    help = "Run the periodic-job scheduler (only the holder of the database lease schedules)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between ticks (default: %(default)s)")
        parser.add_argument(
            "--lease-seconds",
            type=int,
            default=30,
            help="how long the leadership lease lasts without renewal (default: %(default)s)",
        )

    def handle(self, *args: Any, interval: float, lease_seconds: int, **options: Any) -> None:
        Scheduler(lease_seconds=lease_seconds).run_forever(interval=interval)
