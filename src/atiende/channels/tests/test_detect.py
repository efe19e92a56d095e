"""Loop, autoreply and bounce detection: every header of RELIABILITY.md, one by one."""

from __future__ import annotations

import io

import pytest

from atiende.channels.choices import MailKind
from atiende.channels.email.detect import classify
from atiende.channels.email.parse import parse

OWN = frozenset({"soporte@desk.example"})


def kind_of(headers: str, body: str = "hello", *, subject: str = "Hello") -> str:
    raw = (
        f"From: Ana <ana@cliente.example>\r\nTo: soporte@desk.example\r\nSubject: {subject}\r\n{headers}\r\n{body}\r\n"
    )
    with parse(io.BytesIO(raw.encode())) as parsed:
        return classify(parsed, own_addresses=OWN, own_domains=frozenset({"desk.example"})).kind


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        ("", MailKind.HUMAN),
        ("Auto-Submitted: no\r\n", MailKind.HUMAN),
        ("Auto-Submitted: auto-replied\r\n", MailKind.AUTO_REPLY),
        ("Auto-Submitted: auto-generated\r\n", MailKind.AUTOMATED),
        ("Auto-Submitted: auto-notified\r\n", MailKind.AUTOMATED),
        ("Precedence: bulk\r\n", MailKind.AUTOMATED),
        ("Precedence: junk\r\n", MailKind.AUTOMATED),
        ("Precedence: list\r\n", MailKind.AUTOMATED),
        ("X-Autoreply: yes\r\n", MailKind.AUTO_REPLY),
        ("X-Autorespond: yes\r\n", MailKind.AUTO_REPLY),
        ("X-Auto-Response-Suppress: All\r\n", MailKind.AUTOMATED),
        ("List-Id: <devs.lists.example>\r\n", MailKind.AUTOMATED),
        ("List-Unsubscribe: <mailto:u@x.example>\r\n", MailKind.AUTOMATED),
        ("Return-Path: <>\r\n", MailKind.AUTOMATED),
        ("X-Loop: someone@else.example\r\n", MailKind.AUTOMATED),
        ("X-Loop: soporte@desk.example\r\n", MailKind.LOOP),
        ("Message-ID: <atd.r1-abcdefghijklm.0123@desk.example>\r\n", MailKind.LOOP),
    ],
)
def test_headers(headers: str, kind: str) -> None:
    assert kind_of(headers) == kind


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Hello",
        "Automatic reply: Hello",
        "Respuesta automática: Hola",
        "Fuera de la oficina",
        "Abwesenheitsnotiz",
    ],
)
def test_header_less_out_of_office(subject: str) -> None:
    assert kind_of("", subject=subject) == MailKind.AUTO_REPLY


def test_mail_from_our_own_address_is_a_loop() -> None:
    raw = b"From: soporte@desk.example\r\nTo: soporte@desk.example\r\nSubject: x\r\n\r\nbody\r\n"
    with parse(io.BytesIO(raw)) as parsed:
        assert classify(parsed, own_addresses=OWN).kind == MailKind.LOOP


def test_null_sender_failure_notice_is_a_bounce_with_its_recipient() -> None:
    raw = (
        b"Return-Path: <>\r\nFrom: MAILER-DAEMON@mx.example\r\nSubject: failure notice\r\n\r\n"
        b"<gone@x.example>:\r\nSorry, no mailbox here by that name. (#5.1.1)\r\n"
    )
    with parse(io.BytesIO(raw)) as parsed:
        verdict = classify(parsed, own_addresses=OWN)
    assert verdict.kind == MailKind.BOUNCE and verdict.failed_recipients == ["gone@x.example"] and verdict.permanent


def test_a_delay_notice_is_a_temporary_bounce() -> None:
    raw = (
        b"Return-Path: <>\r\nFrom: MAILER-DAEMON@mx.example\r\nSubject: Delayed Mail\r\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n"
        b"--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        b"Final-Recipient: rfc822; slow@x.example\r\nAction: delayed\r\nStatus: 4.4.1\r\n\r\n--r--\r\n"
    )
    with parse(io.BytesIO(raw)) as parsed:
        verdict = classify(parsed, own_addresses=OWN)
    assert verdict.kind == MailKind.BOUNCE and not verdict.permanent and verdict.failed_recipients == []
