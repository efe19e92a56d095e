"""``atiende ingest-eml PATH…``: import .eml files, directories and mboxes; or replay the quarantine.

Prints one JSON line per message::

    {"file": "…", "outcome": "created", "ticket": 1042, "reason": "new", "inbound": 7}

``outcome`` is created, appended, bounce, loop_suppressed, quarantined or duplicate
(already imported: safe to run the same import again, for instance after it was
interrupted). ``--replay`` runs quarantined messages again (all, or the ids given).

Messages are recorded and processed in batches of ``--batch-size`` (one transaction
each, a savepoint per message); a batch's lines are printed once it has committed.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import InterfaceError, OperationalError

from atiende.channels.models import Inbox
from atiende.channels.services.intake import INGEST_BATCH, IngestResult, ingest_paths, replay_quarantined


class Command(BaseCommand):
    help = "Import email from .eml files, directories or mboxes (one JSON line per message), or replay the quarantine."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", help="files, directories (recursive) or mbox files")
        parser.add_argument("--inbox", help="address (or id) of the inbox to import into; default: from the recipients")
        parser.add_argument(
            "--replay", nargs="*", type=int, metavar="ID", help="replay quarantined email (all, or these ids)"
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=INGEST_BATCH,
            help=f"messages per transaction (default {INGEST_BATCH})",
        )
        parser.add_argument(
            "--accept", action="store_true", help="with --replay: let held non-participant replies join their ticket"
        )

    def _inbox(self, value: str | None) -> Inbox | None:
        if not value:
            return None
        inbox = Inbox.objects.filter(pk=int(value)).first() if value.isdigit() else None
        inbox = inbox or Inbox.objects.filter(address__iexact=value.strip()).first()
        if inbox is None:
            raise CommandError(f"no inbox {value!r}")
        return inbox

    def _emit(self, result: IngestResult) -> None:
        self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        self.stdout.flush()

    def handle(self, *args: Any, **options: Any) -> None:
        paths: list[str] = options["paths"]
        replay = options["replay"]
        if replay is None and not paths:
            raise CommandError("give at least one PATH, or --replay")
        failures = 0
        try:
            if replay is not None:
                for result in replay_quarantined(ids=replay, accept=options["accept"]):
                    self._emit(result)
                return
            inbox = self._inbox(options.get("inbox"))
            if options["batch_size"] < 1:
                raise CommandError("--batch-size must be at least 1")
            for result in ingest_paths(paths, inbox=inbox, batch_size=options["batch_size"]):
                self._emit(result)
        except (OperationalError, InterfaceError) as exc:
            failures += 1
            self.stdout.write(
                json.dumps(
                    {"file": None, "outcome": "pending", "ticket": None, "reason": f"database unavailable: {exc}"}
                )
            )
        if failures:
            raise CommandError("stopped: the database is unavailable; run the same command again to continue")
