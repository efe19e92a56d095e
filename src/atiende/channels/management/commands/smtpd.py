"""``atiende smtpd``: the inbound SMTP server (aiosmtpd) that stores mail for the inboxes."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from atiende.channels.email.smtpd import make_controller


class Command(BaseCommand):
    help = "Receive mail over SMTP for the inboxes (answers 250 only once a message is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
        parser.add_argument("--port", type=int, default=2525, help="port (default: %(default)s)")
        parser.add_argument("--tls-cert", default="", help="certificate (PEM) to offer STARTTLS")
        parser.add_argument("--tls-key", default="", help="private key (PEM) of --tls-cert")

    def handle(self, *args: Any, **options: Any) -> None:
        controller = make_controller(
            host=options["host"], port=options["port"], tls_cert=options["tls_cert"], tls_key=options["tls_key"]
        )
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        controller.start()
        self.stdout.write(f"smtpd listening on {options['host']}:{options['port']}")
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            controller.stop()
