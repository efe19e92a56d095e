"""Ticket lifecycle through the services: statuses, replies, KPI timestamps, history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_team, make_user
from atiende.contacts.tests.factories import make_contact, make_customer
from atiende.core import clock
from atiende.core.models import OutboxEvent
from atiende.tickets import services
from atiende.tickets.choices import Channel, LinkKind, MessageKind, Priority, Status
from atiende.tickets.models import Ticket, TicketHistory, TicketLink
from atiende.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0) - timedelta(days=30)


@pytest.fixture
def agent():
    team = make_team(name="Soporte")
    user = make_user(role=Role.AGENT)
    team.members.add(user)
    return user


def test_numbers_are_unique_and_increasing():
    first = make_ticket()
    second = make_ticket()
    assert second.number == first.number + 1
    assert first.reference == f"#{first.number}"


def test_customer_created_ticket_waits_until_agent_replies(agent):
    requester = make_contact()
    with clock.frozen_at(T0):
        ticket = make_ticket(requester=requester, channel=Channel.EMAIL)
    assert ticket.status == Status.NEW
    assert ticket.waiting_since == T0
    with clock.frozen_at(T0 + timedelta(hours=2)):
        services.add_message(actor=agent, ticket=ticket, body="Hola, lo revisamos.")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.first_response_at == T0 + timedelta(hours=2)
    assert ticket.agent_reply_count == 1
    assert ticket.customer_wait_seconds == 7200
    assert ticket.waiting_since is None
    # A second reply does not move the first response.
    with clock.frozen_at(T0 + timedelta(hours=3)):
        services.add_message(actor=agent, ticket=ticket, body="More info", status=Status.PENDING)
    ticket.refresh_from_db()
    assert ticket.first_response_at == T0 + timedelta(hours=2)
    assert ticket.status == Status.PENDING
    assert ticket.agent_reply_count == 2


def test_customer_reply_reopens_pending_and_solved(agent):
    ticket = make_ticket()
    services.update_ticket(actor=agent, ticket=ticket, status=Status.PENDING)
    services.add_message(actor=None, ticket=ticket, author_contact=ticket.requester, body="Here it is")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.customer_reply_count == 1
    services.update_ticket(actor=agent, ticket=ticket, status=Status.SOLVED)
    services.add_message(actor=None, ticket=ticket, author_contact=ticket.requester, body="Still broken")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.reopen_count == 1


def test_reply_to_closed_ticket_opens_linked_follow_up(agent):
    ticket = make_ticket()
    services.update_ticket(actor=agent, ticket=ticket, status=Status.CLOSED)
    message = services.add_message(actor=None, ticket=ticket, author_contact=ticket.requester, body="Again!")
    follow_up = message.ticket
    assert follow_up.pk != ticket.pk
    assert follow_up.follow_up_of_id == ticket.pk
    assert follow_up.requester_id == ticket.requester_id
    assert TicketLink.objects.filter(source=follow_up, target=ticket, kind=LinkKind.RELATED).exists()
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert ticket.messages.count() == 1


def test_reply_after_reopen_window_opens_follow_up(agent, settings):
    settings.ATIENDE_REOPEN_WINDOW_DAYS = 7
    with clock.frozen_at(T0):
        ticket = make_ticket()
        services.update_ticket(actor=agent, ticket=ticket, status=Status.SOLVED)
    with clock.frozen_at(T0 + timedelta(days=8)):
        message = services.add_message(actor=None, ticket=ticket, author_contact=ticket.requester, body="Hi")
    assert message.ticket.follow_up_of_id == ticket.pk


def test_closed_is_final(agent):
    ticket = make_ticket()
    services.update_ticket(actor=agent, ticket=ticket, status=Status.CLOSED)
    with pytest.raises(ValidationError) as exc:
        services.update_ticket(actor=agent, ticket=ticket, status=Status.OPEN)
    assert "status" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.add_message(actor=agent, ticket=ticket, body="late reply")


def test_cannot_go_back_to_new(agent):
    ticket = make_ticket()
    services.update_ticket(actor=agent, ticket=ticket, status=Status.OPEN)
    with pytest.raises(ValidationError) as exc:
        services.update_ticket(actor=agent, ticket=ticket, status=Status.NEW)
    assert "status" in exc.value.message_dict


def test_field_history_and_events_record_every_change(agent):
    ticket = make_ticket()
    team = agent.teams.first()
    services.update_ticket(
        actor=agent, ticket=ticket, priority="urgent", team=team, assignee=agent, tags=["vip", "Factura"]
    )
    rows = {h.field: (h.old_value, h.new_value) for h in TicketHistory.objects.filter(ticket=ticket)}
    assert rows["priority"] == ("normal", "urgent")
    assert rows["team"] == (None, team.pk)
    assert rows["assignee"] == (None, agent.pk)
    assert rows["status"] == ("new", "open")  # assigning a new ticket opens it
    assert rows["tags"] == ([], ["factura", "vip"])
    event = OutboxEvent.objects.filter(type="ticket.updated", subject_id=str(ticket.pk)).get()
    assert event.changes["priority"] == ["normal", "urgent"]
    assert event.actor_id == agent.pk


def test_no_change_records_nothing(agent):
    ticket = make_ticket()
    before = OutboxEvent.objects.count()
    services.update_ticket(actor=agent, ticket=ticket, priority=Priority.NORMAL)
    assert OutboxEvent.objects.count() == before
    assert not TicketHistory.objects.filter(ticket=ticket).exists()


def test_assignee_must_belong_to_team(agent):
    other_team = make_team()
    ticket = make_ticket()
    with pytest.raises(ValidationError) as exc:
        services.update_ticket(actor=agent, ticket=ticket, team=other_team, assignee=agent)
    assert "assignee" in exc.value.message_dict
    customer, _contact = make_customer()
    with pytest.raises(ValidationError):
        services.update_ticket(actor=agent, ticket=ticket, assignee=customer)


def test_moving_team_drops_assignee_not_in_it(agent):
    ticket = make_ticket(actor=agent, team=agent.teams.first(), assignee=agent)
    services.update_ticket(actor=agent, ticket=ticket, team=make_team())
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_light_agent_notes_only():
    light = make_user(role=Role.LIGHT_AGENT)
    ticket = make_ticket()
    note = services.add_message(actor=light, ticket=ticket, body="FYI", internal=True)
    assert note.kind == MessageKind.NOTE
    with pytest.raises(PermissionDenied):
        services.add_message(actor=light, ticket=ticket, body="Hello customer")
    with pytest.raises(PermissionDenied):
        services.update_ticket(actor=light, ticket=ticket, priority="high")


def test_internal_note_does_not_count_as_response(agent):
    ticket = make_ticket()
    services.add_message(actor=agent, ticket=ticket, body="internal", internal=True)
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    assert ticket.status == Status.NEW
    assert ticket.agent_reply_count == 0


def test_customer_permissions():
    user, contact = make_customer()
    ticket = make_ticket(requester=contact, actor=user)
    with pytest.raises(PermissionDenied):
        services.add_message(actor=user, ticket=ticket, body="x", internal=True)
    with pytest.raises(PermissionDenied):
        services.update_ticket(actor=user, ticket=ticket, priority="urgent")
    ticket = services.update_ticket(actor=user, ticket=ticket, status=Status.SOLVED)
    assert ticket.status == Status.SOLVED
    ticket = services.update_ticket(actor=user, ticket=ticket, status=Status.OPEN)
    assert ticket.status == Status.OPEN
    assert ticket.reopen_count == 1
    other = make_contact()
    with pytest.raises(PermissionDenied):
        make_ticket(requester=other, actor=user)


def test_html_is_sanitized_and_subject_single_line(agent):
    ticket = make_ticket(
        subject="Hola\r\nBcc: evil@example.com",
        body="",
        html='<p onclick="x()">Hi<script>alert(1)</script> <a href="javascript:alert(1)">l</a></p>',
    )
    message = ticket.messages.get()
    assert "script" not in message.body_html
    assert "onclick" not in message.body_html
    assert "javascript:" not in message.body_html
    assert message.body_text.startswith("Hi")
    assert "\n" not in ticket.subject and "\r" not in ticket.subject


def test_empty_message_rejected():
    with pytest.raises(ValidationError) as exc:
        make_ticket(body="  ")
    assert "message.body" in exc.value.message_dict


def test_priority_validation():
    with pytest.raises(ValidationError) as exc:
        make_ticket(priority="whenever")
    assert "priority" in exc.value.message_dict


def test_kpi_timestamps_on_solve_and_close(agent):
    with clock.frozen_at(T0):
        ticket = make_ticket()
    with clock.frozen_at(T0 + timedelta(hours=5)):
        services.update_ticket(actor=agent, ticket=ticket, status=Status.SOLVED)
    with clock.frozen_at(T0 + timedelta(days=4)):
        services.update_ticket(actor=agent, ticket=ticket, status=Status.CLOSED)
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.solved_at == T0 + timedelta(hours=5)
    assert ticket.closed_at == T0 + timedelta(days=4)
    assert ticket.customer_wait_seconds == 5 * 3600


def test_customer_reply_to_closed_ticket_with_required_form_is_not_lost(agent):
    from atiende.tickets.choices import FieldType

    serial = services.create_custom_field(actor=None, key="serial", label="Serial", type=FieldType.TEXT)
    category = services.create_category(actor=None, name="Devices", form=[(serial, True)])
    ticket = make_ticket(category=category, custom_fields={"serial": "SN-1"})
    services.update_ticket(actor=agent, ticket=ticket, status=Status.CLOSED)
    # The form later gains another required field nobody filled in.
    model = services.create_custom_field(actor=None, key="model_no", label="Model", type=FieldType.TEXT)
    services.update_category(actor=None, category=category, form=[(serial, True), (model, True)])
    message = services.add_message(actor=None, ticket=ticket, author_contact=ticket.requester, body="Again")
    follow_up = message.ticket
    assert follow_up.follow_up_of_id == ticket.pk
    assert follow_up.custom_fields == {"serial": "SN-1"}


@pytest.mark.parametrize("original_team", ["Soporte", None])
def test_a_follow_up_from_intake_is_created_with_the_original_team(agent, original_team):
    """The team is part of the follow-up's creation (audit row, ``ticket.created``), not a later write."""
    from atiende.accounts.models import AuditLog, Team
    from atiende.tickets.services.catalog import create_category

    sales = make_team(name="Ventas")
    category = create_category(actor=None, name="Facturación", default_team=sales)
    team = Team.objects.get(name=original_team) if original_team else None
    ticket = make_ticket(category=category, team=team) if team else make_ticket(category=category)
    if team is None:
        Ticket.objects.filter(pk=ticket.pk).update(team=None)  # routed nowhere (the category's default was undone)
        ticket.refresh_from_db()
    services.update_ticket(actor=agent, ticket=ticket, status=Status.CLOSED)
    follow_up = services.add_message(actor=None, ticket=ticket, author_contact=ticket.requester, body="Otra vez").ticket
    assert follow_up.follow_up_of_id == ticket.pk
    expected = team.pk if team else None
    assert follow_up.team_id == expected  # the original's routing, not the category's default
    created = OutboxEvent.objects.get(type="ticket.created", subject_id=str(follow_up.pk))
    assert created.payload["team_id"] == expected
    audit = AuditLog.objects.get(action="ticket.created", object_id=str(follow_up.pk))
    assert audit.after["team"] == expected
