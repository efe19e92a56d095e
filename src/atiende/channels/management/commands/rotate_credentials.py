"""``atiende rotate-credentials``: re-encrypt stored channel credentials with the first key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from atiende.channels.services import rotate_credentials


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored channel credential with the first key of ATIENDE_ENCRYPTION_KEYS "
        "(put the new key first, run this, then remove the old key)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = rotate_credentials()
        self.stdout.write(f"re-encrypted the credentials of {count} inbox(es)")
