"""``atiende demo``: load the demo desk (see ``atiende.demo.loader``) and print its logins."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from atiende.demo import DEMO_LOGINS
from atiende.demo.loader import demo_loaded, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo data: a bilingual help desk with 3 teams, 12 agents, 40 organizations, 300 contacts "
        "and 2,000 tickets over the last 90 days, built through the real services. Refuses to load twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--tickets",
            type=int,
            default=int(os.environ.get("ATIENDE_DEMO_TICKETS", "1000")),
            help="how many tickets (default: %(default)s, or ATIENDE_DEMO_TICKETS)",
        )
        parser.add_argument("--seed", type=int, default=42, help="random seed; the same seed gives the same desk")
        parser.add_argument("--days", type=int, default=90, help="how far back the tickets go (default: %(default)s)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="load even though the database already has tickets of its own (the demo itself never loads twice)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        from atiende.tickets.models import Ticket

        if options["tickets"] < 0 or options["days"] < 1:
            raise CommandError("--tickets must be zero or more and --days at least 1")
        if demo_loaded():
            raise CommandError(
                f"the demo data is already loaded ({DEMO_LOGINS[0][0]} exists); it is loaded only once. "
                "To start over, use a fresh database (for SQLite: stop atiende and delete var/atiende.sqlite3)."
            )
        if Ticket.objects.exists() and not options["force"]:
            raise CommandError(
                "this database already has tickets that are not demo data; refusing to mix the demo into it "
                "(pass --force if you really mean to)"
            )
        progress = not options["no_progress"] and sys.stderr.isatty()
        summary = load_demo(seed=options["seed"], tickets=options["tickets"], progress=progress, days=options["days"])
        for line in summary.lines():
            self.stdout.write(line)
        if summary.errors:
            self.stderr.write(f"{len(summary.errors)} demo actions failed; first: {summary.errors[0]}")
        for email, password, role in DEMO_LOGINS:
            self.stdout.write(f"demo login: {email} {password} {role}")
