"""IMAP against a real Dovecot, and the full round trip through a real SMTP peer.

customer mail → IMAP → fetch → ticket → agent reply → SMTP peer (threading headers)
→ customer reply quoting our Message-ID → IMAP → fetch → the same ticket.
"""

from __future__ import annotations

import io
import json
import uuid
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_user
from atiende.channels.choices import MailboxHealth, Outcome, Security, ThreadReason
from atiende.channels.email import imap as imap_driver
from atiende.channels.email import tokens
from atiende.channels.models import InboundEmail, MailboxState, OutboundEmail
from atiende.channels.tests.factories import build_email, make_inbox, ticket_of
from atiende.channels.tests.servers import Dovecot, SmtpPeer
from atiende.core import clock
from atiende.core.models import OutboxEvent
from atiende.tickets.models import Ticket
from atiende.tickets.services import add_message


def imap_inbox(server: Dovecot, settings: Any, *, security: str = Security.SSL, **extra: Any) -> Any:
    settings.ATIENDE_EMAIL_TLS_CA_FILE = str(server.cert)
    port = server.imaps_port if security == Security.SSL else server.imap_port
    return make_inbox(
        address="soporte@desk.example",
        name="Soporte",
        imap_enabled=True,
        imap_host="127.0.0.1",
        imap_port=port,
        imap_security=security,
        imap_username=server.user,
        imap_password=server.password,
        **extra,
    )


@pytest.mark.django_db(transaction=True)
def test_round_trip_customer_mail_agent_reply_customer_reply(imap: Dovecot, smtp_peer: SmtpPeer, settings: Any) -> None:
    inbox = imap_inbox(imap, settings, signature="--\n{agent}, Soporte ACME")
    agent = make_user(role=Role.AGENT, name="Ana Agente")

    # 1. The customer writes; the mail lands in the IMAP inbox; atiende fetches it.
    first_id = "<first-0001@cliente.example>"
    imap.append(build_email(to="soporte@desk.example", subject="No puedo entrar", message_id=first_id))
    result = imap_poll(inbox)
    assert (result.fetched, result.new, result.error) == (1, 1, "")
    inbound = InboundEmail.objects.get(message_id=first_id)
    assert inbound.outcome == Outcome.CREATED
    ticket = ticket_of(inbound)
    assert ticket.subject == "No puedo entrar"
    assert imap.flags() == [("\\Seen",)]  # acknowledged only after the commit

    # The auto-acknowledgement went out, marked as automatic mail.
    ack = message_from_bytes(smtp_peer.wait_for(1)[0].data, policy=default_policy)
    assert ack["Auto-Submitted"] == "auto-generated"
    assert f"[#{ticket.number}]" in ack["Subject"]

    # 2. An agent replies through the service; the email goes out through SMTP.
    add_message(actor=agent, ticket=ticket, body="Hola Ana, ¿puede probar a restablecer la contraseña?")
    received = smtp_peer.wait_for(2)[1]
    sent = message_from_bytes(received.data, policy=default_policy)
    outbound = OutboundEmail.objects.get(ticket=ticket, kind="reply")
    assert outbound.status == "sent"
    assert received.rcpt_tos == ["ana@cliente.example"]
    assert sent["Message-ID"] == outbound.message_id
    assert tokens.token_from_message_id(outbound.message_id)  # our Message-ID carries the reply token
    assert sent["In-Reply-To"] == first_id
    assert first_id in sent["References"]
    assert f"[#{ticket.number}]" in sent["Subject"]
    assert sent["From"].addresses[0].addr_spec == "soporte@desk.example"
    assert "Ana Agente" in sent["From"].addresses[0].display_name
    assert sent["Reply-To"].addresses[0].addr_spec == tokens.reply_address("soporte@desk.example", ticket.pk)
    assert sent["Auto-Submitted"] is None  # a person's reply is not automatic mail
    plain = sent.get_body(("plain",))
    assert plain is not None
    body = plain.get_content()
    assert "restablecer la contraseña" in body and "Ana Agente, Soporte ACME" in body

    # 3. The customer answers (their client quotes our Message-ID); same ticket.
    reply_id = "<second-0002@cliente.example>"
    imap.append(
        build_email(
            to="soporte@desk.example",
            subject="Re: No puedo entrar",
            message_id=reply_id,
            in_reply_to=outbound.message_id,
            references=[first_id, outbound.message_id],
            body="Ya funciona, gracias.\n\nEl lunes, Soporte escribió:\n> Hola Ana",
        )
    )
    assert imap_poll(inbox).new == 1
    reply = InboundEmail.objects.get(message_id=reply_id)
    assert reply.outcome == Outcome.APPENDED
    assert reply.ticket_id == ticket.pk
    assert reply.thread_reason == ThreadReason.REPLY_TOKEN
    assert reply.body_display == "Ya funciona, gracias."
    assert Ticket.objects.get(pk=ticket.pk).messages.count() == 3
    assert imap.flags() == [("\\Seen",), ("\\Seen",)]
    assert len(smtp_peer.messages) == 2  # no auto-acknowledgement for a reply


def imap_poll(inbox: Any) -> imap_driver.PollResult:
    return imap_driver.poll_inbox(inbox)


@pytest.mark.django_db(transaction=True)
def test_starttls_and_move_to_an_archive_folder(imap: Dovecot, settings: Any) -> None:
    archive = f"Procesados-{uuid.uuid4().hex[:8]}"  # does not exist yet: the fetcher creates it
    inbox = imap_inbox(imap, settings, security=Security.STARTTLS, imap_archive_folder=archive, autoack_enabled=False)
    imap.append(build_email(message_id="<tls-0002@cliente.example>"))
    out = io.StringIO()
    call_command("fetch_mail", stdout=out)  # `atiende fetch-mail`
    assert json.loads(out.getvalue()) == {
        "inbox": inbox.address,
        "fetched": 1,
        "new": 1,
        "skipped": False,
        "error": "",
    }
    assert imap.count("INBOX") == 0
    assert imap.count(archive) == 1
    assert InboundEmail.objects.get(message_id="<tls-0002@cliente.example>").outcome == Outcome.CREATED


@pytest.mark.django_db(transaction=True)
def test_nothing_is_flagged_before_the_commit_and_a_refetch_duplicates_nothing(imap: Dovecot, settings: Any) -> None:
    inbox = imap_inbox(imap, settings, autoack_enabled=False)
    imap.append(build_email(message_id="<crash-0001@cliente.example>"))

    # The database fails while storing: the message stays unread on the server.
    with mock.patch("atiende.channels.email.imap.record", side_effect=RuntimeError("database is down")):
        result = imap_poll(inbox)
    assert "database is down" in result.error
    assert imap.flags() == [()]
    assert not InboundEmail.objects.exists()

    # Stored and committed, then the fetcher dies before flagging: still unread.
    with mock.patch("atiende.channels.email.imap.acknowledge", side_effect=OSError("connection reset")):
        result = imap_poll(inbox)
    assert "connection reset" in result.error
    assert imap.flags() == [()]
    assert InboundEmail.objects.count() == 1

    # The next fetch sees it again: the stored row comes back, nothing is doubled.
    result = imap_poll(inbox)
    assert (result.fetched, result.new, result.error) == (1, 0, "")
    assert imap.flags() == [("\\Seen",)]
    assert InboundEmail.objects.count() == 1
    assert Ticket.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_poll_records_in_batches_and_flags_each_batch_after_its_commit(imap: Dovecot, settings: Any) -> None:
    inbox = imap_inbox(imap, settings, autoack_enabled=False)
    for i in range(5):
        imap.append(build_email(message_id=f"<lote-{i}@cliente.example>", subject=f"Caso {i}"))
    real_record = imap_driver.record
    seen_at_commit: list[list[tuple[str, ...]]] = []

    def record(batch: Any, **kwargs: Any) -> Any:
        seen_at_commit.append(imap.flags())  # nothing of this batch is flagged yet
        return real_record(batch, **kwargs)

    with mock.patch.object(imap_driver, "RECORD_BATCH", 2), mock.patch.object(imap_driver, "record", record):
        result = imap_poll(inbox)
    assert (result.fetched, result.new, result.error) == (5, 5, "")
    assert [sum(1 for f in flags if f) for flags in seen_at_commit] == [0, 2, 4]  # batches of 2, 2, 1
    assert imap.flags() == [("\\Seen",)] * 5
    assert sorted(InboundEmail.objects.values_list("outcome", flat=True)) == [Outcome.CREATED] * 5
    assert Ticket.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_wrong_password_is_recorded_without_the_password(imap: Dovecot, settings: Any) -> None:
    inbox = imap_inbox(imap, settings)
    from atiende.channels.services import update_inbox

    inbox = update_inbox(actor=None, inbox=inbox, imap_password="not-the-password-xyz")
    result = imap_poll(inbox)
    assert result.error
    state = MailboxState.objects.get(inbox=inbox)
    assert state.consecutive_failures == 1
    assert "not-the-password-xyz" not in state.last_error
    assert imap_driver.health(inbox)["status"] == MailboxHealth.FAILING


@pytest.mark.django_db
def test_watchdog_reports_a_stalled_fetch_once_and_clears_when_it_recovers(settings: Any) -> None:
    settings.ATIENDE_IMAP_STALL_SECONDS = 600
    inbox = make_inbox(imap_enabled=True, imap_host="127.0.0.1", imap_port=1, imap_username="x", imap_password="y")
    now = clock.now()
    MailboxState.objects.create(inbox=inbox, last_started_at=now, last_success_at=now - timedelta(hours=2))
    assert imap_driver.watchdog() == [inbox.pk]
    assert imap_driver.watchdog() == [inbox.pk]
    assert OutboxEvent.objects.filter(type="email.mailbox_stalled").count() == 1  # reported once
    assert imap_driver.health(inbox)["status"] == MailboxHealth.STALLED

    MailboxState.objects.filter(inbox=inbox).update(last_success_at=clock.now())
    assert imap_driver.watchdog() == []
    assert imap_driver.health(inbox)["status"] == MailboxHealth.OK

    # A fetch that hangs (started long ago, never finished) is stalled too.
    MailboxState.objects.filter(inbox=inbox).update(fetching_since=now - timedelta(hours=1))
    assert imap_driver.watchdog() == [inbox.pk]


@pytest.mark.django_db
def test_private_mail_servers_are_refused_when_not_allowed(settings: Any) -> None:
    settings.ATIENDE_MAIL_ALLOW_PRIVATE_HOSTS = False
    for host in (
        "127.0.0.1",
        "localhost",
        "[::ffff:127.0.0.1]",
        "2130706433",
        "0x7f000001",
        "10.0.0.5",
        "169.254.169.254",
    ):
        with pytest.raises(ValidationError) as error:
            make_inbox(imap_enabled=True, imap_host=host, imap_username="u", imap_password="p")
        assert "imap_host" in error.value.message_dict, host
