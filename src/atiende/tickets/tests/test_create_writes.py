"""create_ticket checks everything before its first write, so the writes need no savepoint of their own."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from atiende.contacts.tests.factories import make_contact
from atiende.tickets import services
from atiende.tickets.choices import FieldType
from atiende.tickets.models import Message, Tag, Ticket
from atiende.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def test_create_ticket_with_message_returns_both_and_create_ticket_the_ticket():
    requester = make_contact()
    ticket, message = services.create_ticket_with_message(actor=None, subject="Hola", requester=requester, body="x")
    assert message == Message.objects.get(ticket=ticket) and message.ticket is ticket
    assert message.author_contact == requester and message.body_text == "x"
    other = services.create_ticket(actor=None, subject="Otra", requester=requester, body="y")
    assert isinstance(other, Ticket) and other.number == ticket.number + 1


def test_a_refused_ticket_leaves_the_callers_transaction_usable():
    requester = make_contact()
    with transaction.atomic():
        with pytest.raises(ValidationError) as exc:
            services.create_ticket(actor=None, subject="x", requester=requester, body="y", tags=["ok", "!!!"])
        assert "tags" in exc.value.message_dict
        assert not Ticket.objects.exists() and not Tag.objects.exists()  # refused before any write
        with pytest.raises(ValidationError):
            services.create_ticket(actor=None, subject="x", requester=requester, body="")
        assert make_ticket(requester=requester, tags=(t for t in ["a", "b"])).tags.count() == 2  # a generator too


def test_no_savepoint_of_its_own_without_files():
    requester = make_contact()
    make_ticket()  # the ticket-number sequence exists
    with CaptureQueriesContext(connection) as capture:
        services.create_ticket(actor=None, subject="x", requester=requester, body="y", enforce_required=False)
    sql = [q["sql"] for q in capture.captured_queries]
    assert not any(s.startswith("SAVEPOINT") for s in sql), sql  # the ticket number is one UPDATE … RETURNING
    assert not any("tickets_customfield" in s for s in sql)  # no custom field to check: the form is not read


def test_required_fields_are_still_enforced_unless_told_otherwise():
    services.create_custom_field(
        actor=None, key="model", label="Model", type=FieldType.TEXT, required=True, applies_to_all=True
    )
    requester = make_contact()
    with pytest.raises(ValidationError) as exc:
        services.create_ticket(actor=None, subject="x", requester=requester, body="y")
    assert "custom_fields.model" in exc.value.message_dict
    ticket = services.create_ticket(actor=None, subject="x", requester=requester, body="y", enforce_required=False)
    assert ticket.custom_fields == {}
    with pytest.raises(ValidationError):
        services.create_ticket(
            actor=None, subject="x", requester=requester, body="y", custom_fields={"nope": 1}, enforce_required=False
        )


def test_with_files_a_savepoint_is_kept_except_inside_a_unit():
    import io

    from atiende.core.units import unit

    requester = make_contact()
    ticket = make_ticket(requester=requester)

    def files() -> list[tuple[io.BytesIO, str, str]]:
        return [(io.BytesIO(b"%PDF-1.4 factura"), "factura.pdf", "application/pdf")]

    def savepoints(capture: CaptureQueriesContext) -> int:
        return sum(q["sql"].startswith("SAVEPOINT") for q in capture.captured_queries)

    with CaptureQueriesContext(connection) as capture:
        services.create_ticket(actor=None, subject="x", requester=requester, body="y", attachments=files())
        services.add_message(actor=None, ticket=ticket, author_contact=requester, body="z", attachments=files())
    # create: its writes, and the attachment's; add_message: its own, and the attachment's
    assert savepoints(capture) == 4
    with CaptureQueriesContext(connection) as capture, unit():
        new = services.create_ticket(actor=None, subject="x", requester=requester, body="y", attachments=files())
        services.add_message(actor=None, ticket=ticket, author_contact=requester, body="z", attachments=files())
    assert savepoints(capture) == 1  # the unit's alone
    assert new.attachments.count() == 1 and ticket.attachments.count() == 2
