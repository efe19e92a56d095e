"""The live SLA clock: targets follow ticket events; the sweep warns and breaches once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from atiende.accounts.models import User
from atiende.core import clock
from atiende.core.models import OutboxEvent
from atiende.sla import selectors, services
from atiende.sla.models import AppliedSla, Policy, SlaTarget
from atiende.sla.tests.factories import make_policy
from atiende.tickets import services as ticket_services
from atiende.tickets.tests.factories import make_ticket

# Monday 23 Nov 2026, 09:00 in Madrid (UTC+1)
MONDAY_9 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)


def targets(ticket_id: int) -> dict[str, SlaTarget]:
    return {row.target: row for row in SlaTarget.objects.filter(ticket_id=ticket_id)}


def events(kind: str) -> list[dict[str, Any]]:
    return list(OutboxEvent.objects.filter(type=kind).order_by("created_at", "id").values_list("payload", flat=True))


def test_ticket_gets_business_hours_deadlines(policy: Policy, at: Any) -> None:
    with at(MONDAY_9):
        ticket = make_ticket()
    rows = targets(ticket.pk)
    assert set(rows) == {"first_response", "resolution"}  # normal priority: no next response yet
    # 4 business hours from Monday 09:00 → 13:00 Madrid
    assert rows["first_response"].deadline == MONDAY_9 + 4 * H
    # 16 business hours: Monday 9-14 + 15-18 (8 h), Tuesday the same → Tuesday 18:00 Madrid
    assert rows["resolution"].deadline == datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    # warning at 80 %: 3 h 12 min of business time
    assert rows["first_response"].warning_at == MONDAY_9 + timedelta(hours=3, minutes=12)
    assert rows["first_response"].next_due == rows["first_response"].warning_at
    applied = AppliedSla.objects.get(ticket=ticket)
    assert applied.policy == policy
    assert applied.next_deadline == MONDAY_9 + 4 * H


def test_pending_pauses_the_clock_and_a_reply_meets_first_response(policy: Policy, agent: User, at: Any) -> None:
    with at(MONDAY_9):
        ticket = make_ticket()
    with at(MONDAY_9 + 2 * H):  # 11:00 Madrid
        ticket_services.update_ticket(actor=agent, ticket=ticket, status="pending")
    row = targets(ticket.pk)["first_response"]
    assert row.state == "paused"
    assert row.deadline is None
    assert row.next_due is None  # nothing for the sweep while paused
    assert row.remaining_seconds == 2 * 3600
    with at(MONDAY_9 + 4 * H):  # 13:00 Madrid: the customer answers, the ticket reopens
        ticket_services.add_message(actor=None, ticket=ticket, body="Here it is", author_contact=ticket.requester)
    row = targets(ticket.pk)["first_response"]
    assert row.state == "active"
    # 2 h counted before the pause; 13-14 and 15-16 → 16:00 Madrid
    assert row.deadline == datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    with at(datetime(2026, 11, 23, 14, 30, tzinfo=UTC)):
        ticket_services.add_message(actor=agent, ticket=ticket, body="On it")
    rows = targets(ticket.pk)
    assert rows["first_response"].state == "met"
    assert rows["first_response"].met_at == datetime(2026, 11, 23, 14, 30, tzinfo=UTC)
    assert rows["first_response"].next_due is None
    # the explanation shows the pause and the lunch break
    explained = selectors.explain(ticket, "first_response", now=datetime(2026, 11, 23, 14, 30, tzinfo=UTC))
    assert explained is not None
    kinds = [s.kind for s in explained[1].segments]
    assert kinds == ["counted", "paused", "counted", "closed", "counted"]


def test_next_response_cycle_starts_with_customer_and_ends_with_agent(policy: Policy, agent: User, at: Any) -> None:
    with at(MONDAY_9):
        ticket = make_ticket()
    with at(MONDAY_9 + H):
        ticket_services.add_message(actor=agent, ticket=ticket, body="Hello")
    assert "next_response" not in targets(ticket.pk)
    with at(MONDAY_9 + 2 * H):
        ticket_services.add_message(actor=None, ticket=ticket, body="Still broken", author_contact=ticket.requester)
    row = targets(ticket.pk)["next_response"]
    assert row.cycle_start == MONDAY_9 + 2 * H
    assert row.deadline == MONDAY_9 + 6 * H + H  # 4 business hours, skipping the 14-15 lunch break
    with at(MONDAY_9 + 3 * H):
        ticket_services.add_message(actor=agent, ticket=ticket, body="Fixed")
    row = targets(ticket.pk)["next_response"]
    assert row.state == "met"
    assert row.met_at == MONDAY_9 + 3 * H


def test_sweep_warns_then_breaches_exactly_once(policy: Policy, agent: User, at: Any) -> None:
    with at(MONDAY_9):
        ticket = make_ticket()
    with at(MONDAY_9 + 3 * H + timedelta(minutes=13)):
        assert services.sweep() == services.SweepResult(warned=1, breached=0)
        assert services.sweep() == services.SweepResult(warned=0, breached=0)
    warnings = events("sla.warning")
    assert warnings == [
        {
            "ticket_id": ticket.pk,
            "target": "first_response",
            "policy_id": policy.pk,
            "deadline": (MONDAY_9 + 4 * H).isoformat(),
        }
    ]
    with at(MONDAY_9 + 4 * H):
        assert services.sweep() == services.SweepResult(warned=0, breached=1)
        assert services.sweep() == services.SweepResult(warned=0, breached=0)
    assert [e["target"] for e in events("sla.breached")] == ["first_response"]
    row = targets(ticket.pk)["first_response"]
    assert row.state == "breached" and row.breached_at is not None and row.next_due is None
    assert AppliedSla.objects.get(ticket=ticket).breached
    # a later recompute (priority change) keeps the claims of the same cycle: no second breach
    with at(MONDAY_9 + 5 * H):
        ticket_services.update_ticket(actor=agent, ticket=ticket, priority="high")
        services.sweep()
    assert len(events("sla.breached")) == 1
    assert len(events("sla.warning")) == 1


def test_met_late_is_still_one_breach(policy: Policy, agent: User, at: Any) -> None:
    with at(MONDAY_9):
        ticket = make_ticket()
    with at(MONDAY_9 + 5 * H):  # nobody swept; the reply comes an hour late
        ticket_services.add_message(actor=agent, ticket=ticket, body="Sorry for the wait")
    row = targets(ticket.pk)["first_response"]
    assert row.state == "breached"
    assert row.next_due == MONDAY_9 + 4 * H  # the sweep still owes the breach event
    with at(MONDAY_9 + 5 * H):
        assert services.sweep().breached == 1
    assert [e["target"] for e in events("sla.breached")] == ["first_response"]
    assert events("sla.warning") == []  # superseded by the breach


def test_policy_chosen_by_condition_in_order_with_fallback(policy: Policy, at: Any) -> None:
    vip = make_policy(name="VIP", position=1, conditions={"tags": ["vip"]}, targets={"normal": {"first_response": 600}})
    urgent_email = make_policy(
        name="Urgent email",
        position=2,
        conditions={"priority": ["urgent"], "channel": ["email"]},
        targets={"urgent": {"first_response": 900}},
    )
    with at(MONDAY_9):
        plain = make_ticket()
        tagged = make_ticket(tags=["vip"])
        urgent = make_ticket(priority="urgent", channel="email")
        urgent_chat = make_ticket(priority="urgent", channel="chat")
    chosen = {a.ticket_id: a.policy_id for a in AppliedSla.objects.all()}
    assert chosen == {plain.pk: policy.pk, tagged.pk: vip.pk, urgent.pk: urgent_email.pk, urgent_chat.pk: policy.pk}
    # urgent tickets under the standard policy also get a periodic update target
    assert "periodic_update" in targets(urgent_chat.pk)
    assert targets(urgent.pk)["first_response"].deadline == MONDAY_9 + timedelta(minutes=15)


def test_no_calendar_means_24_7_and_no_policy_means_no_sla(db: None, at: Any) -> None:
    with at(MONDAY_9):
        ticket = make_ticket()
    assert not AppliedSla.objects.exists()
    assert selectors.default_calendar().always_open
    make_policy(name="Any", is_fallback=True)
    services.recompute_ticket(ticket_id=ticket.pk, now=MONDAY_9)
    assert targets(ticket.pk)["first_response"].deadline == MONDAY_9 + 4 * H
    with clock.frozen_at(MONDAY_9):
        state = selectors.sla_states([ticket.pk])[ticket.pk]
    assert state["policy"] == "Any"
    assert state["state"] == "active"
    assert state["targets"]["first_response"]["deadline"] == MONDAY_9 + 4 * H


def test_solving_meets_resolution_and_reopening_resumes_it(policy: Policy, agent: User, at: Any) -> None:
    with at(MONDAY_9):
        ticket = make_ticket(actor=agent, requester=None)  # opened by an agent: first response already given
    assert targets(ticket.pk)["first_response"].state == "met"
    with at(MONDAY_9 + 2 * H):
        ticket_services.update_ticket(actor=agent, ticket=ticket, status="solved")
    assert targets(ticket.pk)["resolution"].state == "met"
    with at(MONDAY_9 + 3 * H):
        ticket_services.update_ticket(actor=agent, ticket=ticket, status="open")
    row = targets(ticket.pk)["resolution"]
    assert row.state == "active"
    # 2 h used (9-11), the hour solved does not count; 14 h left from 12:00 Madrid:
    # Monday 12-14 + 15-18 (5 h), Tuesday 8 h, Wednesday 09-10 → Wednesday 10:00 Madrid
    assert row.deadline == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
