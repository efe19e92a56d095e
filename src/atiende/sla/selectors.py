"""Read side of the SLA app: calendars, policy choice, ticket facts, SLA states and explanations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from atiende.accounts.models import User
from atiende.core import clock
from atiende.core.calendars import BusinessCalendar, Explanation
from atiende.sla import calendars, engine
from atiende.sla.models import AppliedSla, Calendar, Holiday, Policy, SlaTarget
from atiende.tickets.choices import PRIORITY_NAMES
from atiende.tickets.models import Message, Ticket, TicketHistory
from atiende.tickets.selectors import tickets_visible_to

TWENTY_FOUR_SEVEN = BusinessCalendar.twenty_four_seven()


# --- calendars ------------------------------------------------------------------------------


def default_calendar() -> BusinessCalendar:
    """The desk's default calendar; a 24/7 calendar when none is configured."""
    saved = Calendar.objects.filter(is_default=True).first()
    return calendars.build(saved) if saved is not None else TWENTY_FOUR_SEVEN


def calendar_of(policy: Policy) -> BusinessCalendar:
    if policy.calendar_id is not None:
        saved = policy.calendar if policy.calendar is not None else Calendar.objects.get(pk=policy.calendar_id)
        return calendars.build(saved)
    return default_calendar()


def calendars_visible_to(viewer: User) -> QuerySet[Calendar]:
    if not viewer.is_active or not viewer.is_agent:
        return Calendar.objects.none()
    return Calendar.objects.all()


def holidays_visible_to(viewer: User) -> QuerySet[Holiday]:
    if not viewer.is_active or not viewer.is_agent:
        return Holiday.objects.none()
    return Holiday.objects.select_related("calendar")


def policies_visible_to(viewer: User) -> QuerySet[Policy]:
    if not viewer.is_active or not viewer.is_agent:
        return Policy.objects.none()
    return Policy.objects.select_related("calendar")


# --- policy choice --------------------------------------------------------------------------


def matches(conditions: Mapping[str, Any], attrs: Mapping[str, Any]) -> bool:
    """Every condition key given must match one of its values (``tags``: any common tag)."""
    for key, wanted in conditions.items():
        if not wanted:
            continue
        values = {str(v) for v in wanted}
        if key == "tags":
            if not values & {str(t) for t in attrs.get("tags", ())}:
                return False
        elif str(attrs.get(key)) not in values:
            return False
    return True


def active_policies() -> list[Policy]:
    """Active policies in the order they are tried, the fallback last."""
    return list(
        Policy.objects.filter(is_active=True).select_related("calendar").order_by("is_fallback", "position", "id")
    )


def choose_policy(policies: Sequence[Policy], attrs: Mapping[str, Any]) -> Policy | None:
    for policy in policies:
        if policy.is_fallback or matches(policy.conditions or {}, attrs):
            return policy
    return None


def ticket_attrs(ticket: Ticket, tags: Iterable[str]) -> dict[str, Any]:
    return {
        "priority": PRIORITY_NAMES.get(ticket.priority, str(ticket.priority)),
        "category": ticket.category_id,
        "organization": ticket.organization_id,
        "channel": ticket.channel,
        "tags": list(tags),
    }


def policy_spec(policy: Policy) -> engine.PolicySpec:
    return engine.PolicySpec(
        targets=policy.targets or {},
        pause_statuses=frozenset(policy.pause_statuses or ()),
        warning_percent=policy.warning_percent,
    )


# --- ticket facts ---------------------------------------------------------------------------


def facts_for(tickets: Sequence[Ticket]) -> dict[int, engine.TicketFacts]:
    """The SLA facts of many tickets in three queries (status history, opening messages)."""
    ids = [t.pk for t in tickets]
    history: dict[int, list[tuple[datetime, Any, Any]]] = defaultdict(list)
    for ticket_id, at, old, new in (
        TicketHistory.objects.filter(ticket_id__in=ids, field="status")
        .order_by("ticket_id", "at", "id")
        .values_list("ticket_id", "at", "old_value", "new_value")
    ):
        history[ticket_id].append((at, old, new))
    created = {t.pk: t.created_at for t in tickets}
    agent_opened = {
        ticket_id
        for ticket_id, at in Message.objects.filter(
            ticket_id__in=ids, author_user__isnull=False, created_at__in=set(created.values())
        ).values_list("ticket_id", "created_at")
        if created.get(ticket_id) == at
    }
    out: dict[int, engine.TicketFacts] = {}
    for ticket in tickets:
        rows = history.get(ticket.pk, [])
        initial = str(rows[0][1]) if rows else ticket.status
        timeline = [(ticket.created_at, initial)] + [(at, str(new)) for at, _old, new in rows]
        first_response = ticket.first_response_at
        if first_response is None and ticket.pk in agent_opened:
            first_response = ticket.created_at  # an agent opened it: the customer was already answered
        out[ticket.pk] = engine.TicketFacts(
            created_at=ticket.created_at,
            priority=PRIORITY_NAMES.get(ticket.priority, str(ticket.priority)),
            status_timeline=timeline,
            first_response_at=first_response,
            waiting_since=ticket.waiting_since,
            last_agent_reply_at=ticket.last_agent_reply_at,
        )
    return out


def ticket_facts(ticket: Ticket) -> engine.TicketFacts:
    return facts_for([ticket])[ticket.pk]


# --- SLA state ------------------------------------------------------------------------------


def target_payload(row: SlaTarget, now: datetime) -> dict[str, Any]:
    return {
        "deadline": row.deadline,
        "state": effective_state(row, now),
        "remaining_seconds": row.remaining_seconds,
        "met_at": row.met_at,
        "warning_at": row.warning_at,
        "cycle_start": row.cycle_start,
    }


def effective_state(row: SlaTarget, now: datetime) -> str:
    """The stored state, with an active target whose deadline has passed shown as breached."""
    if row.state in ("active", "paused") and row.deadline is not None and row.deadline <= now:
        return "breached"
    return row.state


def sla_states(ticket_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Per ticket: policy name, overall state, next deadline, breached flag and each target (2 queries).

    ``{"policy": name, "state": "active|paused|met|breached", "next_deadline": datetime|None,
    "breached": bool, "targets": {target: {"deadline", "state", "remaining_seconds", ...}}}``;
    tickets without an SLA are absent.
    """
    now = clock.now()
    applied = (
        AppliedSla.objects.filter(ticket_id__in=list(ticket_ids)).select_related("policy").prefetch_related("targets")
    )
    out: dict[int, dict[str, Any]] = {}
    for item in applied:
        targets = {row.target: target_payload(row, now) for row in item.targets.all()}
        states = {t["state"] for t in targets.values()}
        overall = next((s for s in ("breached", "active", "paused", "met") if s in states), item.state)
        out[item.ticket_id] = {
            "policy": item.policy.name,
            "policy_id": item.policy_id,
            "state": overall,
            "next_deadline": item.next_deadline,
            "breached": item.breached or "breached" in states,
            "targets": targets,
        }
    return out


def sla_rows_for_list(ticket_ids: Sequence[int]) -> dict[int, list[SlaTarget]]:
    """The SLA targets of a page of tickets, in ONE query (for list badges)."""
    rows: dict[int, list[SlaTarget]] = defaultdict(list)
    for row in SlaTarget.objects.filter(ticket_id__in=list(ticket_ids)).only(
        "ticket_id", "target", "deadline", "warning_at", "met_at", "state", "warned_at"
    ):
        rows[row.ticket_id].append(row)
    return rows


def sla_ticket(viewer: User, ticket_id: int) -> Ticket:
    """A ticket the viewer (an agent) may see; raises ``Ticket.DoesNotExist`` otherwise."""
    if not viewer.is_agent:
        raise Ticket.DoesNotExist
    return tickets_visible_to(viewer).get(pk=ticket_id)


def explain_all(
    ticket: Ticket, *, now: datetime | None = None
) -> tuple[str, list[tuple[engine.TargetResult, Explanation]]] | None:
    """Every target of the ticket's SLA with how its deadline is computed, and the calendar's time zone."""
    applied = AppliedSla.objects.filter(ticket=ticket).select_related("policy", "policy__calendar").first()
    if applied is None:
        return None
    policy = applied.policy
    calendar = calendar_of(policy)
    previous = dict(SlaTarget.objects.filter(applied=applied).values_list("target", "cycle_start"))
    results = engine.compute(
        ticket_facts(ticket), policy_spec(policy), calendar, now or clock.now(), previous_cycles=previous
    )
    return calendar.time_zone, [(result, result.explain(calendar)) for result in results]


def explain(
    ticket: Ticket, target: str, *, now: datetime | None = None
) -> tuple[engine.TargetResult, Explanation] | None:
    """How the deadline of ``target`` on ``ticket`` is computed (None if the ticket has no such target)."""
    found = explain_all(ticket, now=now)
    if found is None:
        return None
    return next(((r, e) for r, e in found[1] if r.target == target), None)
