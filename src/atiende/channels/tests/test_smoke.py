from __future__ import annotations

import pytest

from atiende.channels.choices import Outcome
from atiende.channels.tests.factories import build_email, deliver, make_inbox

pytestmark = pytest.mark.django_db


def test_new_mail_creates_a_ticket_and_reply_appends() -> None:
    inbox = make_inbox(address="soporte@desk.example")
    first = deliver(build_email(message_id="<m1@cliente.example>"), inbox=inbox)
    assert first.outcome == Outcome.CREATED, first.reason
    reply = deliver(
        build_email(
            subject="Re: No puedo entrar", message_id="<m2@cliente.example>", in_reply_to="<m1@cliente.example>"
        ),
        inbox=inbox,
    )
    assert reply.outcome == Outcome.APPENDED, reply.reason
    assert reply.ticket_id == first.ticket_id
