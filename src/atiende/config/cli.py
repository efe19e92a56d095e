"""The ``atiende`` command (placeholder: passes through to Django)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["atiende", *(argv if argv is not None else sys.argv[1:])])
