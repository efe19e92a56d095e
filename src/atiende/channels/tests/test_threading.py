"""Threading in order — signed token, subject tag, Message-IDs, Thread-Index — and participants only."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import override_settings

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_organization, make_user
from atiende.channels.choices import NonParticipantPolicy, Outcome, QuarantineReason, ThreadReason
from atiende.channels.email import tokens
from atiende.channels.email.compose import reply_for
from atiende.channels.services import replay_email
from atiende.channels.tests.factories import build_email, deliver, make_inbox, ticket_of
from atiende.tickets.services import add_message, merge_tickets

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox() -> Any:
    return make_inbox(address="soporte@desk.example", name="Soporte")


def open_ticket(inbox: Any, **extra: Any) -> Any:
    return deliver(build_email(message_id="<root@cliente.example>", **extra), inbox=inbox)


def test_tokens_are_signed_and_survive_a_secret_rotation(settings: Any) -> None:
    token = tokens.make_token(1042)
    assert tokens.verify_token(token) == 1042
    assert tokens.verify_token(token.upper()) == 1042  # servers that fold the case of local parts
    assert tokens.verify_token(token[:-1] + ("a" if token[-1] != "a" else "b")) is None
    assert tokens.verify_token(f"r{1043:x}-{token.split('-')[1]}") is None  # another ticket, same signature
    assert tokens.verify_token("r1-aaaaaaaaaaaaa") is None
    old_secret = settings.SECRET_KEY
    settings.SECRET_KEY = "a-brand-new-secret-key-for-the-test-0123456789"
    settings.SECRET_KEY_FALLBACKS = [old_secret]
    assert tokens.verify_token(token) == 1042
    settings.SECRET_KEY_FALLBACKS = []
    assert tokens.verify_token(token) is None


def test_reply_token_in_the_plus_address_wins(inbox: Any) -> None:
    first = open_ticket(inbox)
    other = deliver(build_email(message_id="<other@cliente.example>", subject="Otra cosa"), inbox=inbox)
    address = tokens.reply_address("soporte@desk.example", first.ticket_id)
    # The subject names the other ticket; the signed address is stronger.
    raw = build_email(to=address, subject=f"Re: [#{ticket_of(other).number}]", message_id="<tok@cliente.example>")
    row = deliver(raw, inbox=inbox)
    assert row.outcome == Outcome.APPENDED and row.ticket_id == first.ticket_id
    assert row.thread_reason == ThreadReason.REPLY_TOKEN
    # A forged token is ignored.
    forged = address.replace(tokens.make_token(first.ticket_id), f"r{other.ticket_id:x}-aaaaaaaaaaaaa")
    row = deliver(build_email(to=forged, subject="hola", message_id="<forged@cliente.example>"), inbox=inbox)
    assert row.thread_reason == ThreadReason.NEW


def test_reply_token_in_a_message_id_we_issued(inbox: Any) -> None:
    first = open_ticket(inbox)
    agent = make_user(role=Role.AGENT)
    outbound = reply_for(add_message(actor=agent, ticket=ticket_of(first), body="¿Más datos?"))
    assert outbound is not None
    # A client that keeps only our Message-ID (no subject tag, no plus-address).
    row = deliver(
        build_email(subject="datos", message_id="<r2@cliente.example>", references=[outbound.message_id]), inbox=inbox
    )
    assert row.ticket_id == first.ticket_id and row.thread_reason == ThreadReason.REPLY_TOKEN


def test_subject_tag(inbox: Any) -> None:
    first = open_ticket(inbox)
    row = deliver(
        build_email(subject=f"Sobre [#{ticket_of(first).number}] otra vez", message_id="<st@cliente.example>"),
        inbox=inbox,
    )
    assert row.ticket_id == first.ticket_id and row.thread_reason == ThreadReason.SUBJECT_TAG
    assert f"[#{ticket_of(first).number}]" in row.thread_detail


def test_in_reply_to_then_references(inbox: Any) -> None:
    first = open_ticket(inbox)
    row = deliver(build_email(message_id="<irt@cliente.example>", in_reply_to="<root@cliente.example>"), inbox=inbox)
    assert row.thread_reason == ThreadReason.IN_REPLY_TO and row.ticket_id == first.ticket_id
    row = deliver(
        build_email(message_id="<ref@cliente.example>", references=["<root@cliente.example>", "<unknown@x.example>"]),
        inbox=inbox,
    )
    assert row.thread_reason == ThreadReason.REFERENCES and row.ticket_id == first.ticket_id


def test_outlook_thread_index(inbox: Any) -> None:
    conversation = bytes(range(22))
    first = open_ticket(inbox, headers={"Thread-Index": base64.b64encode(conversation).decode()})
    child = base64.b64encode(conversation + b"\x00\x01\x02\x03\x04").decode()
    row = deliver(
        build_email(message_id="<ti@cliente.example>", subject="RE: x", headers={"Thread-Index": child}), inbox=inbox
    )
    assert row.thread_reason == ThreadReason.THREAD_INDEX and row.ticket_id == first.ticket_id


def test_merged_tickets_follow_the_merge(inbox: Any) -> None:
    first = open_ticket(inbox)
    second = deliver(build_email(message_id="<m2@cliente.example>", subject="Duplicado"), inbox=inbox)
    merge_tickets(actor=make_user(role=Role.ADMIN), source=ticket_of(first), target=ticket_of(second))
    row = deliver(build_email(message_id="<m3@cliente.example>", in_reply_to="<root@cliente.example>"), inbox=inbox)
    assert row.ticket_id == second.ticket_id


def test_a_non_participant_does_not_join_someone_elses_ticket(inbox: Any) -> None:
    first = open_ticket(inbox)
    raw = build_email(
        sender="Intruso <intruso@otro.example>",
        subject=f"Re: [#{ticket_of(first).number}]",
        message_id="<np@otro.example>",
        in_reply_to="<root@cliente.example>",
    )
    row = deliver(raw, inbox=inbox)
    assert row.outcome == Outcome.CREATED and row.ticket_id != first.ticket_id
    assert row.thread_reason == ThreadReason.NON_PARTICIPANT
    assert f"#{ticket_of(first).number}" in row.thread_detail
    assert ticket_of(first).messages.count() == 1


def test_participants_join_requester_cc_organization_and_recipients(inbox: Any) -> None:
    org = make_organization(domains=["cliente.example"])
    first = deliver(build_email(message_id="<root@cliente.example>", cc=["cc@externo.example"]), inbox=inbox)
    assert ticket_of(first).organization == org
    for n, sender in enumerate(["cc@externo.example", "colega@cliente.example"]):
        row = deliver(
            build_email(sender=sender, message_id=f"<p{n}@x.example>", in_reply_to="<root@cliente.example>"),
            inbox=inbox,
        )
        assert row.ticket_id == first.ticket_id, sender


def test_hold_for_review_then_accept(inbox: Any) -> None:
    from atiende.channels.services import update_inbox

    inbox = update_inbox(actor=None, inbox=inbox, non_participant_policy=NonParticipantPolicy.HOLD)
    first = open_ticket(inbox)
    raw = build_email(
        sender="otro@otro.example", message_id="<held@otro.example>", in_reply_to="<root@cliente.example>"
    )
    held = deliver(raw, inbox=inbox)
    assert held.outcome == Outcome.QUARANTINED
    assert held.reason_code == QuarantineReason.HELD_NON_PARTICIPANT
    assert held.ticket_id == first.ticket_id  # for the reviewer's context; nothing was added
    assert ticket_of(first).messages.count() == 1
    admin = make_user(role=Role.ADMIN)
    assert replay_email(actor=admin, inbound=held).outcome == Outcome.QUARANTINED  # still held
    accepted = replay_email(actor=admin, inbound=held, accept=True)
    assert accepted.outcome == Outcome.APPENDED and accepted.ticket_id == first.ticket_id
    assert accepted.thread_reason == ThreadReason.RELEASED


@override_settings(ATIENDE_EMAIL_NON_PARTICIPANT="hold")
def test_the_default_policy_comes_from_the_settings() -> None:
    assert make_inbox().non_participant_policy == NonParticipantPolicy.HOLD
