"""The fixture corpus (tests/fixtures/email): every message ends as its manifest says.

Real-world shapes — Outlook, Gmail, Apple Mail, forwards, HTML-only, legacy and CJK
charsets, RFC 2231 names, PGP, DSNs from Postfix/Exchange/Gmail/qmail, complaints,
RFC 3834 and header-less auto-replies, calendar invites, malformed and truncated mail —
go through the whole pipeline in order, in one database, as they would arrive.
"""

from __future__ import annotations

from typing import Any

import pytest

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_user
from atiende.channels.choices import OutboundKind, Outcome
from atiende.channels.email.compose import reply_for
from atiende.channels.models import InboundEmail, OutboundEmail, Suppression
from atiende.channels.tests.factories import deliver, make_inbox
from atiende.channels.tests.support import fixture_bytes, manifest
from atiende.tickets.models import Message
from atiende.tickets.services import add_message

pytestmark = pytest.mark.django_db


def _check(
    entry: dict[str, Any],
    inbound: InboundEmail,
    seen: dict[str, InboundEmail],
    values: dict[str, str],
    messages_before: int,
) -> list[str]:
    name = entry["file"]
    problems: list[str] = []

    def expect(condition: bool, what: str) -> None:
        if not condition:
            problems.append(f"{name}: {what}")

    def fill(value: str) -> str:
        for key, replacement in values.items():
            value = value.replace(key, replacement)
        return value

    expect(
        inbound.outcome == entry["outcome"],
        f"outcome {inbound.outcome!r} ({inbound.reason_code} {inbound.reason[:200]!r})",
    )
    if "kind" in entry:
        expect(inbound.kind == entry["kind"], f"kind {inbound.kind!r}")
    if "thread_reason" in entry:
        expect(
            inbound.thread_reason == entry["thread_reason"],
            f"thread_reason {inbound.thread_reason!r} ({inbound.thread_detail})",
        )
    if "reason_code" in entry:
        expect(inbound.reason_code == entry["reason_code"], f"reason_code {inbound.reason_code!r}")
    if "same_ticket_as" in entry:
        other = seen[entry["same_ticket_as"]]
        expect(
            inbound.ticket_id is not None and inbound.ticket_id == other.ticket_id,
            f"ticket {inbound.ticket_id} != {other.ticket_id}",
        )
    if "not_same_ticket_as" in entry:
        other = seen[entry["not_same_ticket_as"]]
        expect(inbound.ticket_id != other.ticket_id, "joined the other ticket")
    message = inbound.ticket_message
    ticket = inbound.ticket
    if inbound.outcome in (Outcome.CREATED, Outcome.APPENDED):
        expect(message is not None and ticket is not None, "no ticket message")
    if message is not None and ticket is not None:
        if "subject" in entry:
            expect(ticket.subject == entry["subject"], f"subject {ticket.subject!r}")
        if entry.get("one_line_subject"):
            expect("\n" not in ticket.subject and "\r" not in ticket.subject, f"subject {ticket.subject!r}")
        for text in entry.get("text_contains", []):
            expect(text in message.body_text, f"text lacks {text!r}: {message.body_text[:200]!r}")
        for text in entry.get("html_contains", []):
            expect(text in message.body_html, f"html lacks {text!r}: {message.body_html[:300]!r}")
        for text in entry.get("html_excludes", []):
            expect(text.lower() not in message.body_html.lower(), f"html has {text!r}")
        if "attachments" in entry:
            names = sorted(message.attachments.values_list("filename", flat=True))
            expect(names == sorted(entry["attachments"]), f"attachments {names}")
            for attachment in message.attachments.all():
                expect("\n" not in attachment.filename and "\r" not in attachment.filename, "newline in a file name")
    for text in entry.get("display_contains", []):
        expect(text in inbound.body_display, f"display lacks {text!r}")
    for text in entry.get("display_excludes", []):
        expect(text not in inbound.body_display, f"display has {text!r}: {inbound.body_display[:200]!r}")
    for text in entry.get("quoted_contains", []):
        expect(text in inbound.body_quoted, f"quoted lacks {text!r}: {inbound.body_quoted[:200]!r}")
    for text in entry.get("html_display_excludes", []):
        expect(text not in inbound.html_display, f"html display has {text!r}")
    if "defects" in entry:
        expect(bool(inbound.defects) == entry["defects"], f"defects {inbound.defects}")
    if "autoack" in entry and inbound.outcome == Outcome.CREATED:
        acked = OutboundEmail.objects.filter(ticket=inbound.ticket, kind=OutboundKind.AUTO_ACK).exists()
        expect(acked == entry["autoack"], f"auto-acknowledgement {acked}")
    if "autoack" in entry and inbound.outcome != Outcome.CREATED:
        expect(
            not OutboundEmail.objects.filter(kind=OutboundKind.AUTO_ACK, created_at__gte=inbound.received_at).exists()
            or entry["autoack"],
            "acknowledged automatic mail",
        )
    if "suppressed" in entry:
        wanted = sorted(fill(a) for a in entry["suppressed"])
        got = sorted(Suppression.objects.filter(inbound=inbound).values_list("address", flat=True))
        expect(got == wanted, f"suppressed {got}")
    if entry.get("no_new_message"):
        expect(Message.objects.count() == messages_before, "a message was added")
    return problems


def test_every_fixture_ends_as_the_manifest_says() -> None:
    data = manifest()
    inbox = make_inbox(address=data["inbox"], name="Soporte")
    agent = make_user(role=Role.AGENT, name="Ana Agente")
    seen: dict[str, InboundEmail] = {}
    values: dict[str, str] = {}
    problems: list[str] = []
    for entry in data["messages"]:
        if entry["file"].startswith("dsn_") and "@@OUR_MESSAGE_ID@@" not in values:
            ticket = seen["gmail_new.eml"].ticket
            assert ticket is not None
            reply = add_message(actor=agent, ticket=ticket, body="¿Puede revisar la carpeta de spam?")
            outbound = reply_for(reply)
            assert outbound is not None
            values = {
                "@@OUR_MESSAGE_ID@@": outbound.message_id,
                "@@OUR_RECIPIENT@@": outbound.recipient,
                "@@TICKET_NUMBER@@": str(ticket.number),
            }
        if entry["file"] == "subject_tag_reply.eml":
            values["@@TICKET_NUMBER@@"] = str(seen["gmail_new.eml"].ticket.number)  # type: ignore[union-attr]
        before = Message.objects.count()
        inbound = deliver(fixture_bytes(entry["file"], values), inbox=inbox)
        inbound.refresh_from_db()
        seen[entry["file"]] = inbound
        problems += _check(entry, inbound, seen, values, before)
    assert not problems, "\n".join(problems)

    # Importing the same corpus again changes nothing: every message is a duplicate.
    tickets = set(InboundEmail.objects.exclude(ticket=None).values_list("ticket_id", flat=True))
    messages = Message.objects.count()
    for entry in data["messages"]:
        again = deliver(fixture_bytes(entry["file"], values), inbox=inbox)
        assert again.pk == seen[entry["file"]].pk, entry["file"]
    assert Message.objects.count() == messages
    assert set(InboundEmail.objects.exclude(ticket=None).values_list("ticket_id", flat=True)) == tickets
