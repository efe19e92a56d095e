"""``atiende ingest-eml``: JSON lines, mboxes, replay — and ``kill -9`` mid-batch loses and doubles nothing."""

from __future__ import annotations

import io
import json
import mailbox
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from atiende.channels.choices import Outcome
from atiende.channels.models import InboundEmail
from atiende.channels.tests.factories import build_email, make_inbox
from atiende.core.models import OutboxEvent
from atiende.tickets.models import Message, Ticket


def lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


@pytest.mark.django_db
def test_files_directories_and_mboxes_print_one_json_line_each(tmp_path: Path) -> None:
    make_inbox(address="soporte@desk.example", autoack_enabled=False)
    (tmp_path / "a.eml").write_bytes(build_email(message_id="<in-a@x.example>"))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.eml").write_bytes(build_email(message_id="<in-b@x.example>", in_reply_to="<in-a@x.example>"))
    (tmp_path / "junk.eml").write_bytes(b"\x00\x01 not an email")
    box = mailbox.mbox(tmp_path / "export.mbox")  # written by the standard library, "From " lines escaped
    box.add(build_email(message_id="<mb-1@x.example>"))
    box.add(build_email(message_id="<mb-2@x.example>", body="Hola\n\nFrom the other side\n"))
    box.close()
    out = io.StringIO()
    call_command("ingest_eml", str(tmp_path), stdout=out)
    result = {Path(r["file"]).name: r for r in lines(out)}
    assert set(result) == {"a.eml", "b.eml", "junk.eml", "export.mbox#1", "export.mbox#2"}
    assert set(result["a.eml"]) == {"file", "outcome", "ticket", "reason", "inbound"}
    assert result["a.eml"]["outcome"] == "created" and isinstance(result["a.eml"]["ticket"], int)
    assert result["b.eml"]["outcome"] == "appended" and result["b.eml"]["ticket"] == result["a.eml"]["ticket"]
    assert result["b.eml"]["reason"].startswith("in_reply_to")
    assert result["junk.eml"]["outcome"] == "quarantined" and result["junk.eml"]["ticket"] is None
    assert result["junk.eml"]["reason"].startswith("no_sender")
    assert result["export.mbox#2"]["outcome"] == "created"
    assert (
        "From the other side" in Ticket.objects.get(number=result["export.mbox#2"]["ticket"]).messages.get().body_text
    )

    # The same import again: all duplicates, nothing new.
    again = io.StringIO()
    call_command("ingest_eml", str(tmp_path), stdout=again)
    assert {r["outcome"] for r in lines(again)} == {"duplicate"}
    assert Ticket.objects.count() == 3

    # --replay runs the quarantine again (and reports it the same way).
    replay = io.StringIO()
    call_command("ingest_eml", "--replay", stdout=replay)
    (replayed,) = lines(replay)
    assert replayed["file"] == f"inbound:{result['junk.eml']['inbound']}" and replayed["outcome"] == "quarantined"


def child_env(tmp_path: Path) -> dict[str, str]:
    """The real ``atiende`` command on *this* test database."""
    settings_dict = connection.settings_dict
    env = dict(os.environ)
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{settings_dict['NAME']}"
    else:
        user = settings_dict["USER"] or ""
        password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
        host = settings_dict["HOST"] or "127.0.0.1"
        port = settings_dict["PORT"] or 5432
        env["DATABASE_URL"] = f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"
    env.pop("REDIS_URL", None)
    env["ATIENDE_TESTING"] = "1"
    env["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def atiende(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("atiende")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "atiende.config.cli", *args]


def bounce_of_mail_we_never_sent(n: int) -> bytes:
    """A delivery report about a message we did not send (backscatter): settled without a write."""
    return (
        f"Return-Path: <>\r\nFrom: MAILER-DAEMON@mx{n}.example\r\nTo: soporte@desk.example\r\n"
        f"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-{n}@mx{n}.example>\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n"
        "--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        f"Final-Recipient: rfc822; gone{n}@x.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--r--\r\n"
    ).encode()


def make_batch(directory: Path, conversations: int = 20, replies: int = 2) -> int:
    """``conversations`` threads of 1 + ``replies`` messages, and a bounce after each; files sorted so replies follow."""
    directory.mkdir()
    count = 0
    for c in range(conversations):
        (directory / f"{c:03d}-9-bounce.eml").write_bytes(bounce_of_mail_we_never_sent(c))
        count += 1
        root = f"<kill-{c}-0@cliente{c}.example>"
        sender = f"Cliente {c} <cliente{c}@cliente{c}.example>"
        (directory / f"{c:03d}-0.eml").write_bytes(build_email(sender=sender, subject=f"Caso {c}", message_id=root))
        count += 1
        for r in range(1, replies + 1):
            raw = build_email(
                sender=sender,
                subject=f"Re: Caso {c}",
                message_id=f"<kill-{c}-{r}@cliente{c}.example>",
                in_reply_to=root,
                body=f"respuesta {r}",
            )
            (directory / f"{c:03d}-{r}.eml").write_bytes(raw)
            count += 1
    return count


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_kill_9_mid_batch_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    make_inbox(address="soporte@desk.example", autoack_enabled=False)
    batch = tmp_path / "batch"
    conversations, replies = 20, 2
    total = make_batch(batch, conversations, replies)
    env = child_env(tmp_path)
    rng = random.Random(4)
    for after in (5, 25):  # kill twice, at different points of the import
        # Batches of 4: the kill lands inside a batch's transactions, not between files.
        proc = subprocess.Popen(
            atiende("ingest-eml", str(batch), "--inbox", "soporte@desk.example", "--batch-size", "4"),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        assert proc.stdout is not None
        seen = 0
        while seen < after:
            line = proc.stdout.readline()
            if not line:
                break
            seen += 1
        time.sleep(rng.uniform(0, 0.05))  # somewhere inside the next message's work
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
    finished = subprocess.run(
        atiende("ingest-eml", str(batch), "--inbox", "soporte@desk.example"),
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    results = [json.loads(line) for line in finished.stdout.splitlines()]
    assert len(results) == total
    assert {r["outcome"] for r in results} <= {"created", "appended", "duplicate", "bounce"}

    # Nothing lost: every message is stored once and processed (the bounces too, whose
    # outcomes a batch writes with one statement at its end).
    rows = InboundEmail.objects.all()
    assert rows.count() == total
    assert not rows.exclude(outcome__in=[Outcome.CREATED, Outcome.APPENDED, Outcome.BOUNCE]).exists()
    assert rows.filter(outcome=Outcome.BOUNCE, processed_at__isnull=False).count() == conversations
    assert OutboxEvent.objects.filter(type="email.bounced").count() == conversations
    # Nothing doubled: one ticket per conversation, one message per email.
    assert Ticket.objects.count() == conversations
    assert Message.objects.count() == total - conversations
    external = list(Message.objects.values_list("external_id", flat=True))
    assert len(external) == len(set(external))
    for ticket in Ticket.objects.all():
        assert ticket.messages.count() == 1 + replies


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_smtpd_command_receives_mail_and_stops_on_sigterm(tmp_path: Path) -> None:
    import smtplib

    from atiende.channels.tests.servers import free_port, wait_for_port

    make_inbox(address="soporte@desk.example", autoack_enabled=False)
    port = free_port()
    proc = subprocess.Popen(
        atiende("smtpd", "--host", "127.0.0.1", "--port", str(port)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=child_env(tmp_path),
    )
    try:
        wait_for_port(port, timeout=60)
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.sendmail("ana@cliente.example", ["soporte@desk.example"], build_email(message_id="<cmd@x.example>"))
        row = InboundEmail.objects.get(message_id="<cmd@x.example>")
        assert row.source == "smtp" and row.outcome == Outcome.CREATED
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
