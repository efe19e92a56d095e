"""``atiende fetch-mail``: fetch IMAP mail now (the scheduler does this every minute)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from atiende.channels.email.imap import poll_inbox
from atiende.channels.models import Inbox


class Command(BaseCommand):
    help = "Fetch new mail of the IMAP inboxes once, printing one JSON line per inbox."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--inbox", help="only this inbox (address or id)")

    def handle(self, *args: Any, **options: Any) -> None:
        inboxes = Inbox.objects.filter(imap_enabled=True, is_active=True).order_by("id")
        value = options.get("inbox")
        if value:
            inboxes = inboxes.filter(pk=int(value)) if value.isdigit() else inboxes.filter(address__iexact=value)
        for inbox in inboxes:
            result = poll_inbox(inbox)
            self.stdout.write(
                json.dumps(
                    {
                        "inbox": inbox.address,
                        "fetched": result.fetched,
                        "new": result.new,
                        "skipped": result.skipped,
                        "error": result.error,
                    }
                )
            )
