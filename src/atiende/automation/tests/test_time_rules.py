"""Time-based rules: scheduler-run, compiled to Q, once per ticket per condition window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from atiende.automation.models import Notification, RuleRun, TimeRuleFiring
from atiende.automation.services import rules as rule_services
from atiende.automation.tasks import run_time_rules
from atiende.automation.tests.factories import drain, make_admin, make_rule
from atiende.core import clock
from atiende.core.periodic import jobs
from atiende.tickets import services as ticket_services
from atiende.tickets.models import Ticket
from atiende.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday


def test_registered_with_the_scheduler() -> None:
    assert "automation.time_rules" in {job.name for job in jobs()}


def test_pending_reminder_acts_once_per_window() -> None:
    rule = make_rule(
        kind="time",
        events=[],
        condition={
            "all": [
                {"field": "ticket.status", "op": "is", "value": "pending"},
                {"field": "ticket.status_changed_at", "op": "older_than_business_hours", "value": 72},
            ]
        },
        actions=[{"type": "add_tags", "tags": ["reminded"]}],
    )
    with clock.frozen_at(T0):
        ticket = make_ticket()
        untouched = make_ticket()
        ticket_services.update_ticket(actor=None, ticket=ticket, status="pending")
        drain()
    with clock.frozen_at(T0 + timedelta(hours=71)):
        assert rule_services.run_time_rule(rule) == 0
    with clock.frozen_at(T0 + timedelta(hours=73)):
        assert rule_services.run_time_rule(rule) == 1
        assert rule_services.run_time_rule(rule) == 0  # same window: not again
        drain()
    assert set(Ticket.objects.get(pk=ticket.pk).tags.values_list("name", flat=True)) == {"reminded"}
    assert not Ticket.objects.get(pk=untouched.pk).tags.exists()
    assert RuleRun.objects.filter(rule=rule, ticket=ticket, matched=True, event_type="time").count() == 1
    # The customer answers (window closes), then the ticket is pending again: a new window.
    with clock.frozen_at(T0 + timedelta(hours=80)):
        ticket_services.add_message(actor=None, ticket=ticket, body="here", author_contact=ticket.requester)
        assert rule_services.run_time_rule(rule) == 0
        assert TimeRuleFiring.objects.get(rule=rule, ticket=ticket).closed_at is not None
        ticket_services.update_ticket(actor=None, ticket=Ticket.objects.get(pk=ticket.pk), status="pending")
    with clock.frozen_at(T0 + timedelta(hours=160)):
        assert rule_services.run_time_rule(rule) == 1
    assert TimeRuleFiring.objects.filter(rule=rule, ticket=ticket).count() == 2


def test_one_open_firing_per_rule_and_ticket_is_enforced_by_the_database() -> None:
    rule = make_rule(kind="time", events=[], condition={}, actions=[{"type": "add_tags", "tags": ["x"]}])
    ticket = make_ticket()
    TimeRuleFiring.objects.create(rule=rule, ticket=ticket, fired_at=clock.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeRuleFiring.objects.create(rule=rule, ticket=ticket, fired_at=clock.now())


def test_unassigned_urgent_notifies_supervisors_and_scans_only_candidates(
    django_assert_max_num_queries: object,
) -> None:
    admin = make_admin()
    rule = make_rule(
        actor=admin,
        kind="time",
        events=[],
        condition={
            "all": [
                {"field": "ticket.priority", "op": "is", "value": "urgent"},
                {"field": "ticket.assignee", "op": "is_empty"},
                {"field": "ticket.created_at", "op": "older_than", "value": 0.5},
            ]
        },
        actions=[{"type": "notify", "to": "supervisors", "title": "#{{ ticket.number }} waits unassigned"}],
    )
    with clock.frozen_at(T0):
        urgent = make_ticket(priority="urgent")
        for _ in range(5):
            make_ticket(priority="low")
    with clock.frozen_at(T0 + timedelta(minutes=31)):
        run_time_rules.call()
    note = Notification.objects.get(recipient=admin)
    assert note.title == f"#{urgent.number} waits unassigned"
    assert TimeRuleFiring.objects.filter(rule=rule).count() == 1


def test_event_only_leaves_are_decided_in_python() -> None:
    rule = make_rule(
        kind="time",
        events=[],
        condition={
            "all": [
                {"field": "ticket.status", "op": "is", "value": "new"},
                {"field": "sla.breached", "op": "is", "value": False},
            ]
        },
        actions=[{"type": "add_tags", "tags": ["checked"]}],
    )
    ticket = make_ticket()
    assert rule_services.run_time_rule(rule) == 1
    assert TimeRuleFiring.objects.filter(rule=rule, ticket=ticket, closed_at__isnull=True).exists()
