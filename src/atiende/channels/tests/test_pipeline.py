"""The intake pipeline step by step: dedupe, quarantine and replay, limits, CCs, attachments, events."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.files.storage import default_storage

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_organization, make_team, make_user
from atiende.channels.choices import MailKind, OutboundKind, Outcome, QuarantineReason, ThreadReason
from atiende.channels.email import pipeline
from atiende.channels.email.intake import receive
from atiende.channels.models import OutboundEmail
from atiende.channels.services import replay_email
from atiende.channels.tests.factories import build_email, deliver, make_inbox, message_of, ticket_of
from atiende.contacts.models import Contact
from atiende.core.models import OutboxEvent
from atiende.tickets.models import Attachment, StoredFile, Ticket

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def inbox() -> Any:
    return make_inbox(address="soporte@desk.example", name="Soporte")


def test_raw_bytes_are_stored_before_processing_and_kept(inbox: Any) -> None:
    raw = build_email(message_id="<raw-1@cliente.example>")
    received = receive(source="file", raw=raw, inbox=inbox, enqueue=False)
    row = received.inbound
    assert row.outcome == Outcome.PENDING and row.ticket is None  # stored, not processed yet
    from atiende.channels.email.rawstore import read_raw

    assert read_raw(row.raw_path) == raw
    assert row.raw_size == len(raw)
    # Readable by its owner and group only, and no temporary left beside it.
    path = Path(default_storage.path(row.raw_path))
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o640 & ~umask
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    pipeline.process(row.pk)
    row.refresh_from_db()
    assert row.outcome == Outcome.CREATED and read_raw(row.raw_path) == raw


def test_dedupe_by_message_id_per_inbox_and_by_hash_without_one(inbox: Any) -> None:
    raw = build_email(message_id="<dup-1@cliente.example>")
    first = deliver(raw, inbox=inbox)
    again = deliver(raw, inbox=inbox)
    assert again.pk == first.pk
    # Same Message-ID, other bytes (another route added a header): stored as a duplicate, no ticket change.
    rerouted = b"Received: from relay.example by mx.desk.example; Mon, 1 Jan 2024 00:00:00 +0000\r\n" + raw
    dup = deliver(rerouted, inbox=inbox)
    assert dup.outcome == Outcome.DUPLICATE and dup.duplicate_of_id == first.pk
    # Another inbox receiving the same message is another delivery.
    other = deliver(raw, inbox=make_inbox())
    assert other.pk != first.pk and other.outcome == Outcome.CREATED
    # Without a Message-ID, the hash of the bytes is the key.
    no_id = build_email().replace(b"Message-ID:", b"X-Old-Message-ID:")
    assert deliver(no_id, inbox=inbox).pk == deliver(no_id, inbox=inbox).pk
    assert Ticket.objects.count() == 3


def test_a_failure_quarantines_with_the_reason_and_replay_processes_it(inbox: Any) -> None:
    raw = build_email(message_id="<boom@cliente.example>")
    with mock.patch("atiende.channels.email.pipeline.deliver", side_effect=RuntimeError("disk on fire")):
        row = deliver(raw, inbox=inbox)
    assert row.outcome == Outcome.QUARANTINED
    assert row.reason_code == QuarantineReason.PROCESSING_ERROR
    assert "disk on fire" in row.reason
    assert not Ticket.objects.exists()  # nothing half-done
    assert OutboxEvent.objects.filter(type="email.quarantined").count() == 1

    admin = make_user(role=Role.ADMIN)
    replayed = replay_email(actor=admin, inbound=row)
    assert replayed.outcome == Outcome.CREATED and replayed.attempts == 2
    assert Ticket.objects.count() == 1


def test_a_database_outage_leaves_the_message_pending_not_quarantined(inbox: Any, settings: Any) -> None:
    from django.db import OperationalError

    received = receive(source="file", raw=build_email(), inbox=inbox, enqueue=False)
    with mock.patch(
        "atiende.channels.email.pipeline.load", side_effect=OperationalError("server closed the connection")
    ):
        with pytest.raises(OperationalError):
            pipeline.process(received.inbound.pk)
    received.inbound.refresh_from_db()
    assert received.inbound.outcome == Outcome.PENDING
    from atiende.channels.tasks import sweep_inbound

    settings.ATIENDE_EMAIL_RETRY_PENDING_AFTER = 0
    assert sweep_inbound.call() == 1
    received.inbound.refresh_from_db()
    assert received.inbound.outcome == Outcome.CREATED


def test_oversize_mail_becomes_a_ticket_that_says_so_with_the_raw_kept(settings: Any) -> None:
    inbox = make_inbox(address="soporte@desk.example", language="en")
    settings.ATIENDE_EMAIL_MAX_BYTES = 2000
    raw = build_email(subject="Huge", attachments=[("big.bin", b"x" * 5000, "application/octet-stream")])
    row = deliver(raw, inbox=inbox)
    assert row.outcome == Outcome.CREATED
    message = message_of(row)
    assert "too large to process" in message.body_text
    assert ticket_of(row).subject == "Huge"
    assert not message.attachments.exists()
    assert "oversize" in row.reason
    from atiende.channels.email.rawstore import read_raw

    assert read_raw(row.raw_path) == raw


def test_an_attachment_over_the_limit_is_left_out_with_a_note(settings: Any) -> None:
    inbox = make_inbox(address="soporte@desk.example", language="es")
    settings.ATTACHMENT_MAX_BYTES = 100
    raw = build_email(
        attachments=[("small.png", PNG, "image/png"), ("big.pdf", b"%PDF" + b"0" * 500, "application/pdf")]
    )
    row = deliver(raw, inbox=inbox)
    assert list(message_of(row).attachments.values_list("filename", flat=True)) == ["small.png"]
    note = message_of(row).body_text
    assert "big.pdf" in note and ("No se añadió" in note or "was not added" in note)  # in the inbox's language


def test_attachments_are_stored_once_per_digest(inbox: Any) -> None:
    deliver(build_email(message_id="<a1@x.example>", attachments=[("a.png", PNG, "image/png")]), inbox=inbox)
    deliver(
        build_email(message_id="<a2@x.example>", sender="b@y.example", attachments=[("b.png", PNG, "image/png")]),
        inbox=inbox,
    )
    assert Attachment.objects.count() == 2
    assert StoredFile.objects.count() == 1


def test_ccs_become_ticket_ccs_and_agents_followers(inbox: Any) -> None:
    agent = make_user(role=Role.AGENT, email="agente@desk.example")
    raw = build_email(
        message_id="<cc-1@cliente.example>",
        to=["soporte@desk.example", "colega@cliente.example"],
        cc=["Jefa <jefa@cliente.example>", "agente@desk.example", "soporte@desk.example"],
    )
    row = deliver(raw, inbox=inbox)
    ticket = ticket_of(row)
    assert sorted(c.primary_email for c in ticket.ccs.all()) == ["colega@cliente.example", "jefa@cliente.example"]
    assert list(ticket.followers.all()) == [agent]
    # A reply that copies someone new adds them.
    reply = build_email(
        message_id="<cc-2@cliente.example>", in_reply_to="<cc-1@cliente.example>", cc=["nuevo@cliente.example"]
    )
    deliver(reply, inbox=inbox)
    assert ticket.ccs.count() == 3
    # A From header never makes an agent act: mail from an agent's address is a contact's message.
    from_agent = deliver(build_email(sender="agente@desk.example", message_id="<ag@desk.example>"), inbox=inbox)
    assert message_of(from_agent).author_user is None
    author = message_of(from_agent).author_contact
    assert author is not None and author.primary_email == "agente@desk.example"


def test_organization_by_domain_and_team_by_inbox() -> None:
    team = make_team(name="Facturación")
    inbox = make_inbox(address="facturas@desk.example", team=team)
    org = make_organization(name="Contoso", domains=["contoso.example"])
    row = deliver(build_email(sender="pepe@contoso.example", to="facturas@desk.example"), inbox=inbox)
    assert ticket_of(row).organization == org
    assert ticket_of(row).team == team
    assert Contact.objects.get(identities__value="pepe@contoso.example").organization == org


def test_inline_images_point_at_their_attachment_and_html_is_sanitized(inbox: Any) -> None:
    from email.message import EmailMessage
    from email.policy import default

    msg = EmailMessage(policy=default)
    msg["From"] = "ana@cliente.example"
    msg["To"] = "soporte@desk.example"
    msg["Subject"] = "Screenshot"
    msg["Message-ID"] = "<inline@cliente.example>"
    msg.set_content("see the screenshot")
    msg.add_alternative(
        '<p onclick="x()">See <img src="cid:shot@cliente">.</p><script>alert(1)</script>', subtype="html"
    )
    html_part: Any = msg.get_payload()[1]  # type: ignore[index]
    html_part.add_related(PNG, maintype="image", subtype="png", cid="<shot@cliente>", filename="shot.png")
    row = deliver(msg.as_bytes(), inbox=inbox)
    message = message_of(row)
    attachment = message.attachments.get()
    assert f"/attachments/{attachment.pk}/download/" in message.body_html
    assert "cid:" not in message.body_html
    assert "<script" not in message.body_html and "onclick" not in message.body_html
    assert message.body_text.startswith("see the screenshot")  # plain text kept


def test_auto_acknowledgement_is_rate_limited_per_sender(inbox: Any, settings: Any) -> None:
    settings.ATIENDE_EMAIL_AUTOACK_LIMIT = 2
    for n in range(4):
        deliver(build_email(message_id=f"<ack-{n}@cliente.example>", subject=f"Pregunta {n}"), inbox=inbox)
    acks = OutboundEmail.objects.filter(kind=OutboundKind.AUTO_ACK)
    assert acks.count() == 2
    ack = acks.select_related("ticket").order_by("id")[0]
    assert ack.recipient == "ana@cliente.example" and ack.ticket is not None
    assert f"#{ack.ticket.number}" in ack.body_text and f"[#{ack.ticket.number}]" in ack.subject


def test_auto_acknowledgement_uses_the_inbox_template_in_the_contact_language() -> None:
    inbox = make_inbox(
        language="es",
        autoack_subject_en="Ticket {number} received",
        autoack_body_en="Hi {name}, we got “{subject}” as #{number}. {ticket.__class__}",
    )
    from atiende.contacts.tests.factories import make_contact

    make_contact(email="en@cliente.example", language="en", name="Eve")
    row = deliver(build_email(sender="en@cliente.example", to=inbox.address, subject="Help"), inbox=inbox)
    ack = OutboundEmail.objects.get(kind=OutboundKind.AUTO_ACK)
    number = ticket_of(row).number
    assert ack.subject == f"Ticket {number} received [#{number}]"
    assert ack.body_text == f"Hi Eve, we got “Help” as #{number}. {{ticket.__class__}}"  # no attribute access


def test_automated_mail_is_not_acknowledged_and_a_storm_is_suppressed(inbox: Any, settings: Any) -> None:
    settings.ATIENDE_EMAIL_AUTOMATED_LIMIT = 3
    outcomes = []
    for n in range(5):
        raw = build_email(
            sender="alerts@monitor.example",
            message_id=f"<alert-{n}@monitor.example>",
            headers={"Auto-Submitted": "auto-generated"},
        )
        outcomes.append(deliver(raw, inbox=inbox).outcome)
    assert outcomes == ["created"] * 3 + ["loop_suppressed"] * 2
    assert not OutboundEmail.objects.exists()


def test_auto_replies_are_stored_and_linked_but_change_nothing(inbox: Any) -> None:
    first = deliver(build_email(message_id="<q@cliente.example>"), inbox=inbox)
    ticket = ticket_of(first)
    messages = ticket.messages.count()
    ooo = deliver(
        build_email(
            subject="Automatic reply: No puedo entrar",
            message_id="<ooo@cliente.example>",
            in_reply_to="<q@cliente.example>",
            headers={"Auto-Submitted": "auto-replied"},
        ),
        inbox=inbox,
    )
    assert ooo.outcome == Outcome.LOOP_SUPPRESSED and ooo.kind == MailKind.AUTO_REPLY
    assert ooo.ticket_id == ticket.pk and ooo.thread_reason == ThreadReason.IN_REPLY_TO
    assert ticket.messages.count() == messages
    assert OutboundEmail.objects.filter(kind=OutboundKind.AUTO_ACK).count() == 1  # only for the first


def test_mail_for_no_inbox_is_quarantined_and_a_default_inbox_catches_it() -> None:
    row = deliver(build_email(to="nadie@otro.example"))
    assert row.outcome == Outcome.QUARANTINED and row.reason_code == QuarantineReason.NO_INBOX
    make_inbox(address="general@desk.example", is_default=True)
    row = deliver(build_email(to="nadie@otro.example", message_id="<to-default@x.example>"))
    assert row.outcome == Outcome.CREATED and row.inbox is not None and row.inbox.address == "general@desk.example"


def test_every_processed_message_emits_an_event(inbox: Any) -> None:
    row = deliver(build_email(), inbox=inbox)
    event = OutboxEvent.objects.get(type="email.received")
    assert event.payload["inbound_id"] == row.pk and event.payload["outcome"] == "created"
    assert event.payload["ticket_id"] == row.ticket_id
    assert OutboxEvent.objects.filter(type="ticket.created", subject_id=str(row.ticket_id)).exists()


def test_closed_ticket_gets_a_follow_up(inbox: Any) -> None:
    from atiende.tickets.services import update_ticket

    first = deliver(build_email(message_id="<c1@cliente.example>"), inbox=inbox)
    update_ticket(actor=None, ticket=ticket_of(first), status="closed")
    reply = deliver(build_email(message_id="<c2@cliente.example>", in_reply_to="<c1@cliente.example>"), inbox=inbox)
    assert reply.outcome == Outcome.CREATED
    assert ticket_of(reply).follow_up_of_id == first.ticket_id
    assert "follow-up" in reply.thread_detail


def test_parse_defects_are_recorded(inbox: Any) -> None:
    raw = b"From: a@b.example\r\nTo: soporte@desk.example\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
    row = deliver(raw, inbox=inbox)
    assert row.outcome == Outcome.CREATED
    assert any("closing boundary" in d for d in row.defects)


def test_leftovers_of_killed_writers_are_collected(inbox: Any) -> None:
    import time

    from atiende.channels.email import rawstore
    from atiende.channels.tasks import collect_orphan_raw

    kept = deliver(build_email(message_id="<kept@x.example>"), inbox=inbox)
    orphan = rawstore.save(rawstore.spool(b"From: a@b.example\r\n\r\nnever committed"))
    temporary = os.path.join(os.path.dirname(default_storage.path(orphan)), ".incoming-killed")
    with open(temporary, "wb") as handle:
        handle.write(b"half")
    fresh = rawstore.save(rawstore.spool(b"From: a@b.example\r\n\r\nbeing received right now"))
    old = time.time() - 7200
    for name in (kept.raw_path, orphan):
        os.utime(default_storage.path(name), (old, old))
    os.utime(temporary, (old, old))
    assert collect_orphan_raw.call() >= 2
    assert default_storage.exists(kept.raw_path) and default_storage.exists(fresh)
    assert not default_storage.exists(orphan) and not os.path.exists(temporary)


def test_a_required_custom_field_does_not_quarantine_email(inbox: Any) -> None:
    """Customers cannot fill in custom fields by email: the ticket opens, agents complete it."""
    from atiende.tickets.choices import FieldType
    from atiende.tickets.services import create_custom_field

    create_custom_field(
        actor=None, key="modelo", label="Modelo", type=FieldType.TEXT, required=True, applies_to_all=True
    )
    row = deliver(build_email(message_id="<campo@cliente.example>"), inbox=inbox)
    assert row.outcome == Outcome.CREATED, row.reason
    assert ticket_of(row).custom_fields == {}


def _html_only(message_id: str, html: str) -> bytes:
    return (
        "From: Ana <ana@cliente.example>\r\nTo: soporte@desk.example\r\nSubject: Solo HTML\r\n"
        f"Message-ID: {message_id}\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n"
    ).encode()


def test_an_html_only_message_gets_its_text_from_the_sanitized_html(inbox: Any) -> None:
    from atiende.core.html import html_to_text, sanitize_html

    html = "<p>Hola <b>equipo</b></p><p>No puedo entrar &amp; necesito ayuda</p><script>alert(1)</script>"
    message = message_of(deliver(_html_only("<html-only@x>", html), inbox=inbox))
    assert message.body_text == html_to_text(sanitize_html(html))
    assert message.body_text.startswith("Hola equipo") and "necesito ayuda" in message.body_text
    assert "<b>equipo</b>" in message.body_html and "script" not in message.body_html
    empty = message_of(deliver(_html_only("<html-empty@x>", "<p> </p><script>x()</script>"), inbox=inbox))
    assert empty.body_html == "" and empty.body_text.startswith("(") and empty.body_text.endswith(")")
