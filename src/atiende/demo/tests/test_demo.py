"""The demo data: counts, variety, logins, determinism, and the ``demo`` command's refusals.

Loading is the expensive part (it runs every service), so each test loads once and
checks many things.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from atiende.accounts.choices import AGENT_ROLES, Role
from atiende.accounts.models import AuditLog, Organization, Team, User
from atiende.contacts.models import Contact, ContactIdentity
from atiende.core import clock, events
from atiende.core.models import OutboxEvent
from atiende.demo import DEMO_LOGINS
from atiende.demo.loader import load_demo
from atiende.tickets.choices import Channel, FieldType, MessageKind, Priority, Status
from atiende.tickets.models import Category, CategoryField, CustomField, Message, Ticket, TicketHistory, TicketLink

# A fixed "today", so a load never straddles midnight.
TODAY = datetime(2025, 3, 12, 15, 30, tzinfo=UTC)


def _fingerprint() -> str:
    rows = Ticket.objects.order_by("number").values_list(
        "number", "subject", "status", "priority", "channel", "created_at", "requester__name"
    )
    digest = hashlib.sha256()
    for row in rows:
        digest.update(repr(row).encode())
    for message in Message.objects.order_by("ticket__number", "created_at", "id").values_list("kind", "body_text"):
        digest.update(repr(message).encode())
    return digest.hexdigest()


@pytest.mark.django_db
def test_demo_command_loads_a_realistic_desk_and_refuses_to_load_twice() -> None:
    out = io.StringIO()
    # 120 tickets over 10 days: the ticket rate of the full demo (≈20 a day), so the
    # last days hold new, open, pending and on-hold tickets as they do there.
    with clock.frozen_at(TODAY):
        call_command("demo", "--tickets=120", "--days=10", "--no-progress", stdout=out)

    # The company.
    assert Team.objects.count() == 3
    agents = User.objects.filter(role__in=AGENT_ROLES)
    assert agents.count() == 12
    roles = set(agents.values_list("role", flat=True))
    assert roles == {Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.LIGHT_AGENT}
    assert all(t.members.exists() for t in Team.objects.all())

    # Customers.
    assert Organization.objects.count() == 40
    assert Organization.objects.filter(domains__isnull=True).count() == 0
    assert 0 < Organization.objects.filter(members_see_org_tickets=True).count() < 40
    assert Contact.objects.count() == 300
    assert Contact.objects.filter(organization__isnull=False).count() > 240
    assert ContactIdentity.objects.filter(kind="phone").count() > 50
    assert ContactIdentity.objects.filter(kind="whatsapp").count() > 30
    assert 10 < Contact.objects.filter(user__isnull=False).count() < 40
    languages = set(Contact.objects.values_list("language", flat=True))
    assert {"es", "en"} <= languages

    # The service catalog: a two-level tree and fields of every type.
    assert Category.objects.count() >= 10
    assert Category.objects.filter(parent__isnull=False, parent__parent__isnull=True).count() >= 6
    assert set(CustomField.objects.values_list("type", flat=True)) == set(FieldType.values)
    assert CustomField.objects.filter(agent_only=True).exists()
    assert CategoryField.objects.filter(required=True).exists()

    # Tickets and their conversations.
    tickets = Ticket.objects.all()
    assert tickets.count() == 120
    numbers = list(tickets.values_list("number", flat=True))
    assert len(set(numbers)) == 120
    statuses = set(tickets.values_list("status", flat=True))
    assert statuses == set(Status.values), statuses
    assert set(tickets.values_list("priority", flat=True)) == set(Priority.values)
    channels = set(tickets.values_list("channel", flat=True))
    for channel in (Channel.EMAIL, Channel.PORTAL, Channel.CHAT, Channel.WHATSAPP, Channel.PHONE, Channel.API):
        assert channel in channels, channel
    email = tickets.filter(channel=Channel.EMAIL).count()
    assert all(email >= tickets.filter(channel=c).count() for c in channels)
    assert tickets.filter(category__isnull=False).count() > 100
    assert tickets.exclude(custom_fields={}).count() > 10
    assert tickets.filter(tags__isnull=False).distinct().count() > 30
    assert tickets.filter(reopen_count__gt=0).exists()
    spanish = tickets.filter(requester__language="es").count()
    assert 0.3 < spanish / 120 < 0.9  # both languages
    assert Message.objects.filter(kind=MessageKind.NOTE).exists()
    assert Message.objects.filter(author_contact__isnull=False).count() > 120  # customer replies
    assert Message.objects.filter(author_user__isnull=False, kind=MessageKind.REPLY).count() > 100
    assert TicketHistory.objects.filter(field="status").count() > 100
    assert TicketHistory.objects.filter(field="assignee").count() > 60
    assert TicketLink.objects.exists()
    # Older tickets are mostly done, the recent ones are not.
    first_days = tickets.filter(created_at__lt=datetime(2025, 3, 5, tzinfo=UTC))
    assert first_days.filter(status__in=[Status.SOLVED, Status.CLOSED]).count() > 0.8 * first_days.count()
    # Everything happened in the window, through the services, with events and audit.
    assert not tickets.filter(created_at__gte=datetime(2025, 3, 12, tzinfo=UTC)).exists()
    assert not TicketHistory.objects.filter(at__gte=datetime(2025, 3, 12, tzinfo=UTC)).exists()
    assert AuditLog.objects.filter(action="ticket.created").count() == 120
    assert OutboxEvent.objects.filter(type="ticket.created").count() == 120

    # The logins work, one line each.
    lines = out.getvalue().splitlines()
    for email_, password, role in DEMO_LOGINS:
        user = authenticate(username=email_, password=password)
        assert user is not None and user.role == role, email_
        assert f"demo login: {email_} {password} {role}" in lines
    assert {r for _e, _p, r in DEMO_LOGINS} == set(Role.values)
    customer = User.objects.get(email=next(e for e, _p, r in DEMO_LOGINS if r == "customer"))
    assert customer.contact.tickets.exists()  # type: ignore[attr-defined]

    # A second load is refused with a clear message.
    with pytest.raises(CommandError, match="already loaded"):
        call_command("demo", "--tickets=10", "--no-progress", stdout=io.StringIO())


@pytest.mark.django_db
def test_demo_command_does_not_mix_into_a_desk_with_its_own_tickets() -> None:
    from atiende.tickets.tests.factories import make_ticket

    make_ticket()
    with pytest.raises(CommandError, match="already has tickets"):
        call_command("demo", "--tickets=10", "--no-progress", stdout=io.StringIO())


@pytest.fixture
def created_subscriber() -> Iterator[list[tuple[int, datetime, datetime]]]:
    """A subscriber to ticket.created that notes (ticket id, event time, clock at delivery)."""
    seen: list[tuple[int, datetime, datetime]] = []

    def handler(event: Any) -> None:
        seen.append((event.payload["ticket_id"], event.created_at, clock.now()))

    events.subscribe("ticket.created", name="tests.demo.created")(handler)
    yield seen
    events.unsubscribe("tests.demo.created")


@pytest.mark.django_db(transaction=True)
def test_same_seed_same_desk_and_events_delivered_when_they_happened(
    created_subscriber: list[tuple[int, datetime, datetime]],
) -> None:
    with clock.frozen_at(TODAY):
        first = load_demo(seed=7, tickets=30, progress=False, days=20)
    assert first.errors == []
    assert first.tickets == 30
    # Real commits here: events with a subscriber were delivered after their chunk, with
    # the clock at the time the ticket was created; the others wait for the sweeper.
    created = OutboxEvent.objects.filter(type="ticket.created")
    assert created.count() == 30
    assert not created.filter(delivered_at__isnull=True).exists()
    assert len(created_subscriber) == 30
    assert all(at == now for _id, at, now in created_subscriber)
    for type_ in OutboxEvent.objects.order_by().values_list("type", flat=True).distinct():
        pending = OutboxEvent.objects.filter(type=type_, delivered_at__isnull=True).exists()
        assert pending == (not events.subscribers_for(type_)), type_
    from django_tasks_db.models import DBTaskResult

    assert not DBTaskResult.objects.exists()
    fingerprint = _fingerprint()

    call_command("flush", interactive=False, verbosity=0)
    with clock.frozen_at(TODAY):
        second = load_demo(seed=7, tickets=30, progress=False, days=20)
    assert second.errors == []
    assert _fingerprint() == fingerprint
