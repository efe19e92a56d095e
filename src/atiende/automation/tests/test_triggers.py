"""Triggers: ordering, every action, loop protection, the run log and dry runs."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_team, make_user
from atiende.automation import services
from atiende.automation.models import CustomerNoticeSent, Notification, Rule, RuleRun
from atiende.automation.tests.factories import drain, make_admin, make_rule
from atiende.channels.models import OutboundEmail
from atiende.channels.tests.factories import make_inbox
from atiende.core.events import MAX_DEPTH
from atiende.core.models import OutboxEvent
from atiende.tickets import services as ticket_services
from atiende.tickets.models import Category, Ticket
from atiende.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def tags(ticket: Ticket) -> set[str]:
    return set(fresh(ticket).tags.values_list("name", flat=True))


def test_rule_validation_errors_name_the_json_path() -> None:
    admin = make_admin()
    with pytest.raises(ValidationError) as exc:
        services.create_rule(
            actor=admin,
            name="",
            events=["ticket.exploded"],
            condition={"all": [{"field": "ticket.priority", "op": "like", "value": "x"}]},
            actions=[{"type": "set_priority", "priority": "extreme"}, {"type": "launch"}],
        )
    errors = exc.value.message_dict
    assert set(errors) >= {"name", "events", "condition.all[0].op", "actions[0].priority", "actions[1].type"}


def test_agents_cannot_edit_rules() -> None:
    with pytest.raises(PermissionDenied):
        make_rule(actor=make_user(role=Role.AGENT))


def test_time_rules_refuse_changed_operators() -> None:
    with pytest.raises(ValidationError) as exc:
        make_rule(kind="time", condition={"field": "ticket.status", "op": "changed"})
    assert "condition.op" in exc.value.message_dict


def test_trigger_on_created_sets_fields_in_order() -> None:
    team = make_team()
    category = Category.objects.create(name="Billing", created_at=fresh_now())
    agent = make_user(teams=[team])
    make_rule(
        condition={"field": "ticket.subject", "op": "contains", "value": "invoice"},
        actions=[
            {"type": "set_priority", "priority": "urgent"},
            {"type": "set_team", "team": team.pk},
            {"type": "set_assignee", "assignee": agent.pk},
            {"type": "set_category", "category": category.pk},
            {"type": "set_tier", "tier": 2},
            {"type": "add_tags", "tags": ["billing", "auto"]},
            {"type": "set_status", "status": "pending"},
        ],
    )
    make_rule(
        condition={"field": "ticket.priority", "op": "is", "value": "urgent"},
        actions=[{"type": "remove_tags", "tags": ["auto"]}],
    )
    ticket = make_ticket(subject="Invoice 42 is wrong")
    other = make_ticket(subject="Password reset")
    drain()
    t = fresh(ticket)
    assert (t.priority, t.team_id, t.assignee_id, t.category_id, t.tier, t.status) == (
        4,
        team.pk,
        agent.pk,
        category.pk,
        2,
        "pending",
    )
    assert tags(ticket) == {"billing"}  # the second rule saw the first one's change
    assert fresh(other).priority == 2 and tags(other) == set()
    runs = RuleRun.objects.filter(ticket=ticket).order_by("id")
    assert [r.matched for r in runs] == [True, True]
    assert all("error" not in a for a in runs[0].actions) and len(runs[0].actions) == 7
    assert RuleRun.objects.filter(ticket=other, matched=False).count() == 2


def fresh_now() -> Any:
    from atiende.core import clock

    return clock.now()


def test_custom_field_action_and_condition() -> None:
    ticket_services.create_custom_field(
        actor=None, key="plan", label="Plan", type="select", options=["free", "pro"], applies_to_all=True
    )
    make_rule(events=["ticket.created"], actions=[{"type": "set_custom_fields", "fields": {"plan": "pro"}}])
    make_rule(
        events=["ticket.updated"],
        condition={"field": "ticket.custom.plan", "op": "changed_to", "value": "pro"},
        actions=[{"type": "add_tags", "tags": ["pro"]}],
    )
    ticket = make_ticket()
    drain()
    assert fresh(ticket).custom_fields == {"plan": "pro"}
    assert tags(ticket) == {"pro"}


def test_message_triggers_are_narrowed_by_author() -> None:
    agent = make_user()
    make_rule(
        events=["message.customer"],
        condition={"field": "message.body", "op": "contains", "value": "refund"},
        actions=[{"type": "add_tags", "tags": ["refund"]}],
    )
    make_rule(events=["message.agent"], actions=[{"type": "add_tags", "tags": ["answered"]}])
    ticket = make_ticket()
    drain()
    ticket_services.add_message(
        actor=None, ticket=ticket, body="I want a REFUND please", author_contact=ticket.requester
    )
    drain()
    assert tags(ticket) == {"refund"}
    ticket_services.add_message(actor=agent, ticket=ticket, body="Sure")
    drain()
    assert tags(ticket) == {"refund", "answered"}


def test_internal_note_and_notification_and_stop_processing() -> None:
    admin = make_admin()
    agent = make_user()
    make_rule(
        actor=admin,
        condition={"field": "ticket.priority", "op": "is", "value": "urgent"},
        actions=[
            {"type": "add_note", "body": "Urgent ticket #{{ ticket.number }} from {{ requester.name }}"},
            {"type": "notify", "to": "user", "user": agent.pk, "title": "Urgent: {{ ticket.subject }}"},
        ],
        stop_processing=True,
    )
    make_rule(actions=[{"type": "add_tags", "tags": ["never"]}])
    ticket = make_ticket(priority="urgent", subject="Down")
    drain()
    note = fresh(ticket).messages.filter(kind="note").get()
    assert note.body_text == f"Urgent ticket #{ticket.number} from {ticket.requester.name}"
    assert note.author_user == admin
    n = Notification.objects.get(recipient=agent)
    assert n.title == "Urgent: Down" and n.ticket_id == ticket.pk
    assert tags(ticket) == set()


def test_note_without_an_agent_owner_is_an_error_in_the_log() -> None:
    rule = make_rule(actions=[{"type": "add_note", "body": "x"}, {"type": "add_tags", "tags": ["still"]}])
    ticket = make_ticket()
    drain()
    run = RuleRun.objects.get(rule=rule, ticket=ticket)
    assert run.matched and "agent" in run.error
    assert tags(ticket) == {"still"}  # one failing action does not stop the others


def test_send_email_to_requester_and_address() -> None:
    make_inbox()
    make_rule(
        actions=[
            {
                "type": "send_email",
                "to": "requester",
                "subject": "Hi {{ requester.first_name }}",
                "body": "Ticket {{ ticket.number }}",
            },
            {
                "type": "send_email",
                "to": "address",
                "address": "boss@example.test",
                "body": "New: {{ ticket.subject }}",
            },
        ]
    )
    ticket = make_ticket(subject="Printer")
    drain()
    notices = CustomerNoticeSent.objects.values("outbound_id")
    mails = OutboundEmail.objects.filter(ticket=ticket, kind="notification").exclude(pk__in=notices).order_by("id")
    assert [m.to for m in mails] == [[ticket.requester.primary_email], ["boss@example.test"]]
    assert mails[0].body_text == f"Ticket {ticket.number}"
    assert mails[1].body_text == "New: Printer"


def test_escalate_action_calls_routing_when_available() -> None:
    make_rule(actor=make_admin(), actions=[{"type": "escalate", "tier": 2, "reason": "auto", "note": "from a rule"}])
    ticket = make_ticket()
    drain()
    run = RuleRun.objects.get(ticket=ticket)
    try:
        from atiende.routing.services import escalate  # noqa: F401
    except ImportError:
        assert "routing" in run.error
    else:
        assert run.error == "" and fresh(ticket).tier == 2


def test_two_rules_that_ping_pong_stop_at_the_depth_limit() -> None:
    make_rule(
        events=["ticket.updated"],
        condition={"field": "ticket.priority", "op": "changed_to", "value": "high"},
        actions=[{"type": "set_priority", "priority": "low"}],
    )
    make_rule(
        events=["ticket.updated"],
        condition={"field": "ticket.priority", "op": "changed_to", "value": "low"},
        actions=[{"type": "set_priority", "priority": "high"}],
    )
    ticket = make_ticket()
    drain()
    ticket_services.update_ticket(actor=None, ticket=ticket, priority="high")
    drain()
    updates = OutboxEvent.objects.filter(type="ticket.updated", subject_id=str(ticket.pk))
    assert updates.count() == MAX_DEPTH + 1  # the agent's change + one per level
    assert max(updates.values_list("depth", flat=True)) == MAX_DEPTH
    assert RuleRun.objects.filter(ticket=ticket, matched=True).count() == MAX_DEPTH + 1
    assert OutboxEvent.objects.filter(delivered_at__isnull=True).count() == 0


def test_dry_run_changes_nothing() -> None:
    make_inbox()
    admin = make_admin()
    rule = make_rule(
        actor=admin,
        events=["ticket.updated"],
        condition={
            "all": [
                {"field": "ticket.priority", "op": "is", "value": "normal"},
                {"field": "ticket.status", "op": "is", "value": "new"},
            ]
        },
        actions=[
            {"type": "set_priority", "priority": "urgent"},
            {"type": "add_note", "body": "dry"},
            {"type": "send_email", "to": "requester", "body": "x"},
            {"type": "set_team", "team": 999999},
        ],
    )
    ticket = make_ticket()
    drain()
    before = (OutboxEvent.objects.count(), OutboundEmail.objects.count(), RuleRun.objects.count())
    result = services.dry_run(actor=admin, rule=rule, ticket=ticket)
    assert result["matched"] is True
    assert [leaf["result"] for leaf in result["leaves"]] == [True, True]
    kinds = {a["type"]: a for a in result["actions"]}
    assert "error" in kinds["set_team"] and "result" in kinds["send_email"] and "result" in kinds["add_note"]
    assert fresh(ticket).priority == 2 and not fresh(ticket).messages.filter(kind="note").exists()
    assert (OutboxEvent.objects.count(), OutboundEmail.objects.count(), RuleRun.objects.count()) == before
    other = services.dry_run(actor=admin, rule=rule, ticket=make_ticket(priority="low"))
    assert other["matched"] is False and other["actions"] == []


def test_disabled_and_reordered_rules() -> None:
    admin = make_admin()
    a = make_rule(actor=admin, actions=[{"type": "set_priority", "priority": "high"}])
    b = make_rule(actor=admin, actions=[{"type": "set_priority", "priority": "low"}])
    services.reorder_rules(actor=admin, kind="trigger", ids=[b.pk, a.pk])
    ticket = make_ticket()
    drain()
    assert fresh(ticket).priority == 3  # b then a: a wins
    services.update_rule(actor=admin, rule=Rule.objects.get(pk=a.pk), is_active=False)
    second = make_ticket()
    drain()
    assert fresh(second).priority == 1
