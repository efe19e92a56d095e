"""Fixtures of the channels tests: real Dovecot and SMTP servers, an inbox, mail settings."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from atiende.channels.tests.servers import Dovecot, SmtpPeer, dovecot_binary, start_dovecot, start_smtp_peer


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """A private Dovecot for the whole session (started once per xdist worker)."""
    if dovecot_binary() is None:
        pytest.fail("dovecot is not installed: apt-get install dovecot-imapd (.ci/run does)")
    directory = Path(tempfile.mkdtemp(prefix="atiende-dovecot-"))
    server = start_dovecot(directory)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def imap(dovecot: Dovecot) -> Iterator[Dovecot]:
    """The Dovecot with empty folders."""
    dovecot.clear()
    yield dovecot
    dovecot.clear()


@pytest.fixture
def smtp_peer(settings: Any) -> Iterator[SmtpPeer]:
    """An SMTP server that records what atiende sends; Django's SMTP backend points at it."""
    peer = start_smtp_peer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = peer.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield peer
    finally:
        peer.controller.stop()
