"""SQL statements per inbound email: the steps that identify people, open the ticket and acknowledge it.

Email intake is CPU-bound in ORM overhead (every statement costs ~0.3–0.5 ms of CPU), so
these tests pin how many statements each step issues. A number that goes up is a
regression to look at; one that goes down should be pinned lower here.
"""

from __future__ import annotations

import io
from typing import Any
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from atiende.accounts.models import AuditLog
from atiende.accounts.tests.factories import make_organization, make_user
from atiende.channels.choices import OutboundKind, Outcome, SuppressionReason
from atiende.channels.email import autoack, identify
from atiende.channels.email.compose import create_outbound
from atiende.channels.email.parse import ParsedEmail, parse
from atiende.channels.email.threading import ticket_for_message_ids
from atiende.channels.models import OutboundEmail, Suppression
from atiende.channels.tests.factories import build_email, deliver, make_inbox, message_of, ticket_of
from atiende.contacts.choices import IdentityKind
from atiende.contacts.models import Contact
from atiende.contacts.selectors import find_by_identities
from atiende.contacts.services import add_identity
from atiende.contacts.tests.factories import make_contact
from atiende.core import clock
from atiende.core.models import OutboxEvent
from atiende.tickets.choices import Channel
from atiende.tickets.models import Message, Ticket
from atiende.tickets.services import create_ticket_with_message
from atiende.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db

INBOX = "soporte@desk.example"


@pytest.fixture
def inbox() -> Any:
    return make_inbox(address=INBOX, name="Soporte")


def parsed(**fields: Any) -> ParsedEmail:
    return parse(io.BytesIO(build_email(**fields)))


def statements(capture: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in capture.captured_queries]


def test_a_new_sender_is_looked_up_once_and_created_in_one_savepoint() -> None:
    org = make_organization(domains=["contoso.example"])
    message = parsed(sender="María Pérez <Maria.Perez@contoso.example>")
    with CaptureQueriesContext(connection) as capture:
        contact = identify.identify_sender(message, language="es")
    sql = statements(capture)
    # lookup, SAVEPOINT, organization by domain, contact, identity, audit row, event, RELEASE
    assert len(sql) == 8, sql
    assert sum(s.startswith("SAVEPOINT") for s in sql) == 1
    assert contact is not None and contact.name == "María Pérez" and contact.language == "es"
    assert contact.organization == org
    assert contact.primary_email == "maria.perez@contoso.example"
    assert AuditLog.objects.filter(action="contact.created", object_id=str(contact.pk)).count() == 1
    assert OutboxEvent.objects.filter(type="contact.created", subject_id=str(contact.pk)).count() == 1
    with CaptureQueriesContext(connection) as capture:
        again = identify.identify_sender(message)
    assert again == contact and len(capture.captured_queries) == 1


def test_a_sender_created_meanwhile_by_another_worker_is_found_not_duplicated() -> None:
    other = make_contact(email="ana@cliente.example")
    with mock.patch("atiende.contacts.services.find_by_identity", side_effect=[None, other]):
        contact = identify.identify_sender(parsed())  # the first lookup misses the other worker's row
    assert contact == other
    assert Contact.objects.count() == 1  # and the transaction is still usable after the unique violation


def test_copies_are_looked_up_in_one_query_and_new_ones_created_in_one_batch(inbox: Any) -> None:
    fabrikam = make_organization(domains=["fabrikam.example"])
    sender = make_contact(email="lucia@fabrikam.example")
    known = make_contact(email="julian@gmail.example")
    agent = make_user(email="agente@desk.example")
    message = parsed(
        sender="Lucía <lucia@fabrikam.example>",
        to=[INBOX, "Pedro <pedro@fabrikam.example>"],
        cc=[
            "Julian <JULIAN@gmail.example>",
            "Ana <ana@fabrikam.example>",
            "jefe@otra.example",
            "agente@desk.example",
            "soporte+x@desk.example",
            "LUCIA@fabrikam.example",
        ],
    )
    with CaptureQueriesContext(connection) as capture:
        copies = identify.copied(message, sender=sender, own_addresses=[INBOX])
    sql = statements(capture)
    # agents, identities; then for the 3 new people: SAVEPOINT, 2 organization domains, contacts,
    # identities, 3 audit rows, 3 events, RELEASE
    assert len(sql) == 2 + 12, sql
    assert copies.agents == [agent]
    emails = [c.primary_email for c in copies.contacts]
    assert emails == ["pedro@fabrikam.example", "julian@gmail.example", "ana@fabrikam.example", "jefe@otra.example"]
    assert copies.contacts[1] == known
    assert [c.organization for c in copies.contacts] == [fabrikam, None, fabrikam, None]
    assert [c.name for c in copies.contacts] == ["Pedro", known.name, "Ana", ""]
    new = [str(c.pk) for c in copies.contacts if c != known]
    assert AuditLog.objects.filter(action="contact.created", object_id__in=new).count() == 3
    assert OutboxEvent.objects.filter(type="contact.created", subject_id__in=new).count() == 3
    with CaptureQueriesContext(connection) as capture:
        assert identify.copied(message, sender=sender, own_addresses=[INBOX]).contacts == copies.contacts
    assert len(capture.captured_queries) == 2  # all known now: agents and identities


def test_one_new_copy_costs_what_a_new_sender_costs(inbox: Any) -> None:
    sender = make_contact(email="ana@cliente.example")
    message = parsed(cc=["Colega <colega@cliente.example>"])
    with CaptureQueriesContext(connection) as capture:
        copies = identify.copied(message, sender=sender, own_addresses=[INBOX])
    assert len(capture.captured_queries) == 2 + 7, statements(capture)
    assert [c.primary_email for c in copies.contacts] == ["colega@cliente.example"]
    # Without a display name the audit row is labelled with the address, not read back for it.
    with CaptureQueriesContext(connection) as capture:
        nameless = identify.copied(parsed(cc=["sin.nombre@cliente.example"]), sender=sender, own_addresses=[INBOX])
    assert len(capture.captured_queries) == 2 + 7, statements(capture)
    [contact] = nameless.contacts
    row = AuditLog.objects.get(action="contact.created", object_id=str(contact.pk))
    assert row.object_repr == str(contact) == "sin.nombre@cliente.example"


def test_copies_created_meanwhile_by_another_worker_fall_back_one_by_one(inbox: Any) -> None:
    sender = make_contact(email="ana@cliente.example")
    taken = make_contact(email="taken@cliente.example")
    message = parsed(cc=["nueva@cliente.example", "taken@cliente.example", "otra@cliente.example"])
    with mock.patch.object(identify, "find_by_identities", return_value={}):  # the lookup missed taken@
        copies = identify.copied(message, sender=sender, own_addresses=[INBOX])
    emails = [c.primary_email for c in copies.contacts]
    assert emails == ["nueva@cliente.example", "taken@cliente.example", "otra@cliente.example"]
    assert copies.contacts[1] == taken
    assert Contact.objects.count() == 4
    assert AuditLog.objects.filter(action="contact.created").count() == 4  # the batch's rows rolled back


def test_merged_contacts_are_followed_by_the_batch_lookup() -> None:
    source = make_contact(email="old@cliente.example")
    target = make_contact(email="new@cliente.example")
    from atiende.contacts.services import merge_contacts

    merge_contacts(actor=None, source=source, target=target)
    found = find_by_identities(IdentityKind.EMAIL, ["OLD@cliente.example", "new@cliente.example", "x@y.example"])
    assert found == {"old@cliente.example": target, "new@cliente.example": target}


def test_a_new_ticket_from_email_returns_its_message_without_reading_it_back() -> None:
    requester = make_contact(email="ana@cliente.example")
    cc = make_contact(email="jefa@cliente.example")
    make_ticket()  # the ticket-number sequence exists
    with CaptureQueriesContext(connection) as capture:
        ticket, message = create_ticket_with_message(
            actor=None,
            subject="No puedo entrar",
            requester=requester,
            body="Hola",
            channel=Channel.EMAIL,
            ccs=[cc],
            external_id="<m@cliente.example>",
            enforce_required=False,
        )
    sql = statements(capture)
    # ticket number (one UPDATE … RETURNING), ticket, CCs, message, audit row, 2 events
    assert len(sql) == 7, sql
    assert not any("tickets_customfield" in s for s in sql)  # nothing to validate, no form read
    with CaptureQueriesContext(connection) as capture:
        assert message.ticket == ticket and message == Message.objects.get(ticket=ticket)
    assert len(capture.captured_queries) == 1  # only the assertion's own query
    assert list(ticket.ccs.all()) == [cc]


def test_a_failure_after_the_first_write_rolls_the_message_back_and_quarantines_it(inbox: Any) -> None:
    with mock.patch("atiende.tickets.services.create.audit.record", side_effect=RuntimeError("audit down")):
        row = deliver(build_email(message_id="<fails@cliente.example>"), inbox=inbox)
    assert row.outcome == Outcome.QUARANTINED and "audit down" in row.reason
    assert not Ticket.objects.exists() and not Message.objects.exists()
    ok = deliver(build_email(message_id="<works@cliente.example>"), inbox=inbox)
    assert ok.outcome == Outcome.CREATED and Ticket.objects.count() == 1


def test_a_failure_inside_a_caller_savepoint_rolls_back_to_it() -> None:
    requester = make_contact(email="ana@cliente.example")
    with mock.patch("atiende.tickets.services.create.audit.record", side_effect=RuntimeError("audit down")):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                create_ticket_with_message(actor=None, subject="x", requester=requester, body="y")
    assert not Ticket.objects.exists() and Contact.objects.count() == 1


def test_the_acknowledgement_checks_address_suppression_and_rate_limit_in_one_statement(inbox: Any) -> None:
    contact = make_contact(email="ana@cliente.example", name="Ana")
    add_identity(actor=None, contact=contact, kind=IdentityKind.EMAIL, value="ana.personal@cliente.example")
    ticket = make_ticket(requester=contact)
    message = parsed(message_id="<q@cliente.example>")
    with CaptureQueriesContext(connection) as capture:
        row = autoack.queue(inbox=inbox, ticket=ticket, contact=contact, parsed=message)
    # the one check, then create_outbound's INSERT (the check covered suppression)
    assert len(capture.captured_queries) == 1 + 1, statements(capture)
    assert row is not None and row.recipient == "ana@cliente.example"  # the primary address
    assert row.kind == OutboundKind.AUTO_ACK and row.in_reply_to == "<q@cliente.example>"


def test_the_acknowledgement_respects_suppression_and_the_rate_limit(inbox: Any, settings: Any) -> None:
    settings.ATIENDE_EMAIL_AUTOACK_LIMIT = 2
    contact = make_contact(email="ana@cliente.example")
    ticket = make_ticket(requester=contact)
    message = parsed()
    assert autoack.queue(inbox=inbox, ticket=ticket, contact=contact, parsed=message) is not None
    assert autoack.queue(inbox=inbox, ticket=ticket, contact=contact, parsed=message) is not None
    assert autoack.queue(inbox=inbox, ticket=ticket, contact=contact, parsed=message) is None  # over the limit
    OutboundEmail.objects.update(created_at=clock.now().replace(year=2000))  # outside the window
    assert autoack.queue(inbox=inbox, ticket=ticket, contact=contact, parsed=message) is not None
    Suppression.objects.create(address="ana@cliente.example", reason=SuppressionReason.MANUAL, created_at=clock.now())
    with CaptureQueriesContext(connection) as capture:
        assert autoack.queue(inbox=inbox, ticket=ticket, contact=contact, parsed=message) is None
    assert len(capture.captured_queries) == 1
    assert OutboundEmail.objects.count() == 3  # a suppressed address gets no row at all
    no_email = Contact.objects.create(created_at=clock.now(), updated_at=clock.now())
    assert autoack.queue(inbox=inbox, ticket=ticket, contact=no_email, parsed=message) is None


def test_message_ids_are_looked_up_in_one_statement_ours_first() -> None:
    ours, theirs = make_ticket(), make_ticket()
    sent = create_outbound(
        kind=OutboundKind.REPLY, inbox=make_inbox(), ticket=ours, to=["a@x.example"], subject="Re", body_text="Hola"
    )
    Message.objects.filter(ticket=theirs).update(external_id=sent.message_id)
    with CaptureQueriesContext(connection) as capture:
        found = ticket_for_message_ids([sent.message_id, "<none@x.example>"])
    assert len(capture.captured_queries) == 1
    assert {mid: t.pk for mid, t in found.items()} == {sent.message_id: ours.pk}


def test_a_new_sender_with_a_copy_from_end_to_end(inbox: Any) -> None:
    make_contact(email="jefa@cliente.example")
    with CaptureQueriesContext(connection) as capture:
        row = deliver(
            build_email(sender="Nuevo <nuevo@cliente.example>", cc=["jefa@cliente.example"], message_id="<e2e@x>"),
            inbox=inbox,
        )
    sql = statements(capture)
    ticket = ticket_of(row)
    assert row.outcome == Outcome.CREATED and message_of(row).ticket_id == ticket.pk
    assert [c.primary_email for c in ticket.ccs.all()] == ["jefa@cliente.example"]
    assert OutboundEmail.objects.filter(kind=OutboundKind.AUTO_ACK, recipient="nuevo@cliente.example").exists()
    # The sender's and the copies' identities in one query, the acknowledgement's address once.
    assert sum(s.startswith("SELECT") and 'FROM "contacts_contactidentity"' in s for s in sql) == 2
    # Suppression is checked once, in the acknowledgement's one statement.
    assert sum('"atiende_channels_suppression"' in s for s in sql) == 1


def test_the_acknowledgement_limit_counts_only_acknowledgements_to_that_address(inbox: Any, settings: Any) -> None:
    settings.ATIENDE_EMAIL_AUTOACK_LIMIT = 1
    contact = make_contact(email="Ana@Cliente.example")
    other = make_contact(email="otra@cliente.example")
    ticket = make_ticket(requester=contact)
    message = parsed()
    # Replies to her and acknowledgements to someone else do not use up her allowance.
    create_outbound(
        kind=OutboundKind.REPLY, inbox=inbox, ticket=ticket, to=["ana@cliente.example"], subject="Re", body_text="x"
    )
    assert autoack.queue(inbox=inbox, ticket=make_ticket(requester=other), contact=other, parsed=message) is not None
    first = autoack.queue(inbox=inbox, ticket=ticket, contact=contact, parsed=message)
    assert first is not None and first.recipient == "ana@cliente.example"
    assert autoack.queue(inbox=inbox, ticket=ticket, contact=contact, parsed=message) is None


def test_the_sender_and_the_copies_are_looked_up_together(inbox: Any) -> None:
    ana = make_contact(email="ana@cliente.example")
    jefa = make_contact(email="jefa@cliente.example")
    with CaptureQueriesContext(connection) as capture:
        row = deliver(
            build_email(
                sender="Ana <ANA@cliente.example>",
                cc=["ana@cliente.example", "Jefa <jefa@cliente.example>", "Nuevo <nuevo@cliente.example>"],
                message_id="<together@x>",
            ),
            inbox=inbox,
        )
    ticket = ticket_of(row)
    assert ticket.requester_id == ana.pk
    ccs = sorted(ticket.ccs.all(), key=lambda c: c.pk)
    assert ccs[0] == jefa and [c.primary_email for c in ccs] == ["jefa@cliente.example", "nuevo@cliente.example"]
    assert Contact.objects.get(identities__value="nuevo@cliente.example").name == "Nuevo"
    sql = statements(capture)
    # One lookup for everyone on the message, one for the acknowledgement's address.
    assert sum(s.startswith("SELECT") and 'FROM "contacts_contactidentity"' in s for s in sql) == 2


def test_an_unusable_from_falls_back_to_reply_to_with_the_shared_lookup(inbox: Any) -> None:
    known = make_contact(email="respuestas@cliente.example")
    row = deliver(
        build_email(sender="no es una direccion", headers={"Reply-To": "respuestas@cliente.example"}),
        inbox=inbox,
    )
    assert ticket_of(row).requester_id == known.pk
    row = deliver(
        build_email(
            sender="tampoco", headers={"Reply-To": "Nueva <nueva@cliente.example>"}, message_id="<fallback-2@x>"
        ),
        inbox=inbox,
    )
    assert ticket_of(row).requester.primary_email == "nueva@cliente.example"
