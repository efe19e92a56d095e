"""Sending: thread headers, header injection, retries with backoff, delivery status, bounces suppress."""

from __future__ import annotations

import io
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from typing import Any

import pytest
from django.core import mail

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_user
from atiende.channels.choices import DeliveryStatus, OutboundKind, Outcome, SuppressionReason
from atiende.channels.email import sending, tokens
from atiende.channels.models import OutboundEmail, Suppression
from atiende.channels.tests.factories import build_email, deliver, make_inbox, message_of, ticket_of
from atiende.channels.tests.servers import SmtpPeer
from atiende.contacts.tests.factories import make_contact
from atiende.core import clock
from atiende.tickets.services import add_message, create_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox() -> Any:
    return make_inbox(
        address="soporte@desk.example", name="Soporte ACME", signature="{agent}\nSoporte ACME", autoack_enabled=False
    )


@pytest.fixture
def agent() -> Any:
    return make_user(role=Role.AGENT, name="Ana Agente")


def reply(agent: Any, ticket: Any, django_capture_on_commit_callbacks: Any, **extra: Any) -> OutboundEmail | None:
    """An agent's public reply, with the event delivered and the send task run (as after a commit)."""
    with django_capture_on_commit_callbacks(execute=True):
        message = add_message(actor=agent, ticket=ticket, **extra)
    return OutboundEmail.objects.filter(ticket_message=message).first()


def test_agent_reply_is_sent_with_thread_headers_signature_and_attachments(
    inbox: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    first = deliver(build_email(message_id="<c1@cliente.example>", cc=["jefa@cliente.example"]), inbox=inbox)
    ticket = ticket_of(first)
    mail.outbox.clear()
    outbound = reply(
        agent,
        ticket,
        django_capture_on_commit_callbacks,
        body="Pruebe ahora, por favor.",
        attachments=[(io.BytesIO(b"%PDF-1.4 guide"), "guía.pdf", "application/pdf")],
    )
    assert outbound is not None and outbound.status == DeliveryStatus.SENT
    (email,) = mail.outbox
    parsed = message_from_bytes(email.message().as_bytes(), policy=default_policy)
    assert parsed["Message-ID"] == outbound.message_id
    assert parsed["In-Reply-To"] == "<c1@cliente.example>"
    assert "<c1@cliente.example>" in parsed["References"]
    assert parsed["Subject"] == f"[#{ticket.number}] {ticket.subject}"
    assert parsed["From"].addresses[0].display_name == "Ana Agente (Soporte ACME)"
    assert parsed["From"].addresses[0].addr_spec == "soporte@desk.example"
    assert parsed["Reply-To"].addresses[0].addr_spec == tokens.reply_address("soporte@desk.example", ticket.pk)
    assert [a.addr_spec for a in parsed["To"].addresses] == ["ana@cliente.example"]
    assert [a.addr_spec for a in parsed["Cc"].addresses] == ["jefa@cliente.example"]
    assert parsed["Auto-Submitted"] is None
    plain = parsed.get_body(("plain",))
    assert plain is not None
    text = plain.get_content()
    assert "Pruebe ahora" in text and "-- \nAna Agente\nSoporte ACME" in text
    assert [a.get_filename() for a in parsed.iter_attachments()] == ["guía.pdf"]


def test_notes_and_customer_messages_are_not_emailed(
    inbox: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = ticket_of(deliver(build_email(), inbox=inbox))
    mail.outbox.clear()
    assert reply(agent, ticket, django_capture_on_commit_callbacks, body="internal", internal=True) is None
    with django_capture_on_commit_callbacks(execute=True):
        add_message(actor=None, ticket=ticket, body="more from the customer", author_contact=ticket.requester)
    assert mail.outbox == []
    assert not OutboundEmail.objects.filter(kind=OutboundKind.REPLY).exists()


def test_a_portal_ticket_is_answered_from_the_default_inbox(
    agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    make_inbox(address="ayuda@desk.example", is_default=True)
    ticket = create_ticket(
        actor=None,
        subject="Desde el portal",
        requester=make_contact(email="p@cliente.example"),
        body="hola",
        channel="portal",
    )
    outbound = reply(agent, ticket, django_capture_on_commit_callbacks, body="respuesta")
    assert outbound is not None and outbound.from_address.endswith("<ayuda@desk.example>")
    assert outbound.in_reply_to == "" and outbound.status == DeliveryStatus.SENT


def test_no_inbox_means_no_email(agent: Any, django_capture_on_commit_callbacks: Any) -> None:
    ticket = create_ticket(actor=None, subject="x", requester=make_contact(), body="hola")
    assert reply(agent, ticket, django_capture_on_commit_callbacks, body="respuesta") is None


def test_no_inbound_cr_lf_reaches_an_outbound_header(
    inbox: Any, agent: Any, smtp_peer: SmtpPeer, django_capture_on_commit_callbacks: Any
) -> None:
    from atiende.channels.tests.support import fixture_bytes

    first = deliver(fixture_bytes("header_injection_subject.eml"), inbox=inbox)
    ticket = ticket_of(first)
    attachment = message_of(first).attachments.get()
    outbound = reply(
        agent,
        ticket,
        django_capture_on_commit_callbacks,
        body="ok",
        attachments=[(attachment.blob.file.open("rb"), attachment.filename, "text/plain")],
    )
    assert outbound is not None and outbound.status == DeliveryStatus.SENT
    (received,) = smtp_peer.wait_for(1)
    assert received.rcpt_tos == ["mallory@evil.example"]  # nobody was added by the subject
    head = received.data.split(b"\r\n\r\n", 1)[0]
    for line in head.split(b"\r\n"):
        assert not line.lower().startswith((b"bcc:", b"x-injected:")), line
    parsed = message_from_bytes(received.data, policy=default_policy)
    assert parsed["Bcc"] is None and parsed["X-Injected"] is None
    assert "\n" not in parsed["Subject"] and "Bcc: victim@target.example" in parsed["Subject"]
    assert [a.get_filename() for a in parsed.iter_attachments()] == ["a Bcc: x@target.example.txt"]


def test_temporary_failures_retry_with_backoff_then_fail(
    inbox: Any, agent: Any, smtp_peer: SmtpPeer, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ATIENDE_EMAIL_SEND_ATTEMPTS = 3
    ticket = ticket_of(deliver(build_email(), inbox=inbox))
    smtp_peer.refuse_with = "451 4.3.0 Try again later"
    outbound = reply(agent, ticket, django_capture_on_commit_callbacks, body="hola")
    assert outbound is not None
    outbound.refresh_from_db()
    assert (outbound.status, outbound.attempts) == (DeliveryStatus.DEFERRED, 1)
    assert outbound.next_attempt_at is not None
    assert timedelta(seconds=25) < outbound.next_attempt_at - clock.now() <= timedelta(seconds=30)
    assert sending.send(outbound.pk) == DeliveryStatus.DEFERRED  # not due yet: not even tried
    assert OutboundEmail.objects.get(pk=outbound.pk).attempts == 1

    with clock.frozen_at(clock.now() + timedelta(seconds=31)):
        assert sending.due() == [outbound.pk]
        assert sending.send(outbound.pk) == DeliveryStatus.DEFERRED
    second = OutboundEmail.objects.get(pk=outbound.pk)
    assert second.next_attempt_at is not None
    assert second.attempts == 2 and second.next_attempt_at - clock.now() > timedelta(seconds=55)  # doubled

    smtp_peer.refuse_with = None
    with clock.frozen_at(clock.now() + timedelta(minutes=5)):
        assert sending.send(outbound.pk) == DeliveryStatus.SENT
    assert len(smtp_peer.messages) == 1  # sent once

    smtp_peer.refuse_with = "451 4.3.0 Try again later"
    again = reply(agent, ticket, django_capture_on_commit_callbacks, body="otra")
    assert again is not None
    for minutes in (10, 30):
        with clock.frozen_at(clock.now() + timedelta(minutes=minutes)):
            sending.send(again.pk)
    assert OutboundEmail.objects.get(pk=again.pk).status == DeliveryStatus.FAILED


def test_a_permanent_refusal_fails_and_suppresses(
    inbox: Any, agent: Any, smtp_peer: SmtpPeer, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = ticket_of(deliver(build_email(), inbox=inbox))
    smtp_peer.refuse_rcpt_with = "550 5.1.1 No such user"
    outbound = reply(agent, ticket, django_capture_on_commit_callbacks, body="hola")
    assert OutboundEmail.objects.get(pk=outbound.pk).status == DeliveryStatus.FAILED  # type: ignore[union-attr]
    assert Suppression.objects.get(address="ana@cliente.example").reason == SuppressionReason.REJECTED
    smtp_peer.refuse_rcpt_with = None
    later = reply(agent, ticket, django_capture_on_commit_callbacks, body="¿sigue ahí?")
    assert later is not None and later.status == DeliveryStatus.SUPPRESSED


def test_a_bounce_attaches_to_the_ticket_suppresses_and_notifies_nobody(
    inbox: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from atiende.channels.tests.support import fixture_bytes

    first = deliver(build_email(message_id="<b1@cliente.example>"), inbox=inbox)
    ticket = ticket_of(first)
    outbound = reply(agent, ticket, django_capture_on_commit_callbacks, body="hola")
    assert outbound is not None
    mail.outbox.clear()
    messages = ticket.messages.count()
    dsn = fixture_bytes(
        "dsn_postfix.eml",
        {
            "@@OUR_MESSAGE_ID@@": outbound.message_id,
            "@@OUR_RECIPIENT@@": outbound.recipient,
            "@@TICKET_NUMBER@@": str(ticket.number),
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        bounce = deliver(dsn, inbox=inbox)
    assert bounce.outcome == Outcome.BOUNCE and bounce.ticket_id == ticket.pk
    assert OutboundEmail.objects.get(pk=outbound.pk).status == DeliveryStatus.BOUNCED
    assert Suppression.objects.filter(address="ana@cliente.example", reason=SuppressionReason.BOUNCE).exists()
    assert ticket.messages.count() == messages and mail.outbox == []  # nothing added, nobody notified
    later = reply(agent, ticket, django_capture_on_commit_callbacks, body="¿sigue ahí?")
    assert later is not None and later.status == DeliveryStatus.SUPPRESSED and mail.outbox == []


def test_a_forged_bounce_cannot_suppress_anyone(inbox: Any) -> None:
    from atiende.channels.tests.support import fixture_bytes

    dsn = fixture_bytes(
        "dsn_postfix.eml",
        {
            "@@OUR_MESSAGE_ID@@": "<atd.r1-aaaaaaaaaaaaa.1@desk.example>",
            "@@OUR_RECIPIENT@@": "ceo@cliente.example",
            "@@TICKET_NUMBER@@": "1",
        },
    )
    row = deliver(dsn, inbox=inbox)
    assert row.outcome == Outcome.BOUNCE
    assert not Suppression.objects.exists()


def test_automatic_mail_is_marked_so_nobody_answers_it(django_capture_on_commit_callbacks: Any) -> None:
    inbox = make_inbox(address="soporte@desk.example")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        row = deliver(build_email(), inbox=inbox)
    (ack,) = mail.outbox
    headers = ack.message()
    assert headers["Auto-Submitted"] == "auto-generated"
    assert headers["X-Auto-Response-Suppress"] == "All"
    assert headers["X-Loop"] == "soporte@desk.example"
    assert headers["In-Reply-To"] == row.message_id
    assert OutboundEmail.objects.get(kind=OutboundKind.AUTO_ACK).status == DeliveryStatus.SENT


def test_a_send_killed_midway_is_released_and_sent_later() -> None:
    inbox = make_inbox(address="soporte@desk.example")
    ticket = ticket_of(deliver(build_email(), inbox=inbox))
    ack = OutboundEmail.objects.get(ticket=ticket)
    OutboundEmail.objects.filter(pk=ack.pk).update(status=DeliveryStatus.SENDING, claimed_at=clock.now())
    assert sending.due() == []
    with clock.frozen_at(clock.now() + timedelta(minutes=11)):
        assert sending.due() == [ack.pk]
        assert sending.send(ack.pk) == DeliveryStatus.SENT


def test_notifications_are_automatic_mail_that_threads(inbox: Any, django_capture_on_commit_callbacks: Any) -> None:
    from atiende.channels.services import send_notification

    first = deliver(build_email(message_id="<n1@cliente.example>"), inbox=inbox)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        outbound = send_notification(
            ticket=ticket_of(first), to=["ana@cliente.example"], body="Su ticket se cerrará mañana."
        )
    assert outbound.kind == OutboundKind.NOTIFICATION
    (email,) = mail.outbox
    headers = email.message()
    assert headers["Auto-Submitted"] == "auto-generated" and headers["In-Reply-To"] == "<n1@cliente.example>"
    assert f"[#{ticket_of(first).number}]" in headers["Subject"]
