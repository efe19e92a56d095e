"""The inbound SMTP server: 250 only after the commit, 4xx on temporary failure, 550 and 552."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.db import OperationalError

from atiende.channels.choices import Outcome, Source
from atiende.channels.email.smtpd import make_controller
from atiende.channels.models import InboundEmail
from atiende.channels.tests.factories import build_email, make_inbox
from atiende.channels.tests.servers import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtpd(settings: Any) -> Iterator[int]:
    settings.ATIENDE_EMAIL_SMTPD_MAX_BYTES = 200_000
    make_inbox(address="soporte@desk.example", autoack_enabled=False)
    port = free_port()
    controller = make_controller(host="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def send(port: int, raw: bytes, to: list[str] | None = None) -> dict[str, Any]:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        return client.sendmail("ana@cliente.example", to or ["soporte@desk.example"], raw)


def test_250_only_once_the_message_is_committed(smtpd: int) -> None:
    raw = build_email(message_id="<smtp-1@cliente.example>")
    send(smtpd, raw, ["soporte+r1-whatever@desk.example"])
    row = InboundEmail.objects.get(message_id="<smtp-1@cliente.example>")  # visible to another connection
    assert row.source == Source.SMTP and row.envelope_sender == "ana@cliente.example"
    assert row.envelope_recipients == ["soporte+r1-whatever@desk.example"]
    assert row.outcome == Outcome.CREATED  # processed by the (in-process) task after the commit


def test_unknown_recipients_are_refused(smtpd: int) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(smtpd, build_email(), ["nadie@desk.example"])
    assert refused.value.recipients["nadie@desk.example"][0] == 550
    assert not InboundEmail.objects.exists()


def test_a_database_outage_answers_451_and_stores_nothing(smtpd: int) -> None:
    with mock.patch("atiende.channels.email.smtpd.receive", side_effect=OperationalError("could not connect")):
        with pytest.raises(smtplib.SMTPDataError) as error:
            send(smtpd, build_email(message_id="<smtp-2@cliente.example>"))
    assert error.value.smtp_code == 451
    assert not InboundEmail.objects.exists()
    send(smtpd, build_email(message_id="<smtp-2@cliente.example>"))  # the sender retries: stored once
    assert InboundEmail.objects.filter(message_id="<smtp-2@cliente.example>").count() == 1


def test_a_full_disk_answers_451_and_leaves_no_partial_file(smtpd: int, settings: Any, tmp_path: Path) -> None:
    from django.core.files.storage import default_storage

    # A storage of its own: tests on other workers write (and leave) temporaries in the shared one.
    settings.MEDIA_ROOT = str(tmp_path / "media")
    root = Path(default_storage.path("email/raw"))
    assert str(root).startswith(str(tmp_path))

    def temporaries() -> set[Path]:
        return set(root.rglob(".incoming-*")) if root.exists() else set()

    before = temporaries()
    full = OSError(28, "No space left on device")
    with mock.patch("atiende.channels.email.rawstore.shutil.copyfileobj", side_effect=full):
        with pytest.raises(smtplib.SMTPDataError) as error:
            send(smtpd, build_email())
    assert error.value.smtp_code == 451
    assert not InboundEmail.objects.exists()
    assert temporaries() - before == set()


def test_a_failure_before_the_commit_rolls_back_and_answers_451(smtpd: int) -> None:
    with mock.patch(
        "atiende.channels.email.intake.transaction.on_commit", side_effect=OperationalError("commit failed")
    ):
        with pytest.raises(smtplib.SMTPDataError) as error:
            send(smtpd, build_email(message_id="<smtp-3@cliente.example>"))
    assert error.value.smtp_code == 451
    assert not InboundEmail.objects.exists()


def test_oversize_messages_are_refused_with_552(smtpd: int) -> None:
    raw = build_email(attachments=[("big.bin", b"x" * 300_000, "application/octet-stream")])
    with pytest.raises((smtplib.SMTPDataError, smtplib.SMTPSenderRefused, smtplib.SMTPServerDisconnected)) as error:
        send(smtpd, raw)
    assert getattr(error.value, "smtp_code", 552) == 552
    assert not InboundEmail.objects.exists()


def test_one_message_for_two_inboxes_is_stored_for_each(smtpd: int) -> None:
    make_inbox(address="ventas@desk.example", autoack_enabled=False)
    send(smtpd, build_email(message_id="<two@cliente.example>"), ["soporte@desk.example", "ventas@desk.example"])
    rows = InboundEmail.objects.filter(message_id="<two@cliente.example>")
    assert sorted(r.inbox.address for r in rows if r.inbox) == ["soporte@desk.example", "ventas@desk.example"]
