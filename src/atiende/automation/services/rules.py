"""Rules: editing them, running triggers on events, time-based rules, and dry runs."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils.translation import gettext as _

from atiende.accounts import audit
from atiende.accounts.models import User
from atiende.automation import conf
from atiende.automation.actions import ActionContext, run_actions, validate_actions
from atiende.automation.choices import RuleKind, TriggerEvent
from atiende.automation.models import Rule, RuleRun, TimeRuleFiring
from atiende.core import clock
from atiende.core import conditions as c
from atiende.core.models import OutboxEvent
from atiende.tickets.models import Message, Ticket

logger = logging.getLogger(__name__)

RULE_FIELDS = (
    "name",
    "description",
    "kind",
    "events",
    "condition",
    "actions",
    "position",
    "is_active",
    "stop_processing",
)
# Event types the trigger subscriber listens to (message events are narrowed by author).
TRIGGER_EVENT_TYPES = (
    "ticket.created",
    "ticket.updated",
    "ticket.message_added",
    "sla.warning",
    "sla.breached",
    "routing.assigned",
    "csat.received",
)


def require_manager(actor: User | None) -> None:
    if actor is not None and not actor.is_manager:
        raise PermissionDenied(_("Only supervisors and administrators can change automation."))


def calendar() -> c.BusinessTime:
    """The desk's business calendar (the SLA app's default), or always open."""
    try:
        from atiende.sla.selectors import default_calendar
    except ImportError:
        return c.AlwaysOpen()
    try:
        cal: c.BusinessTime = default_calendar()
    except Exception:  # a misconfigured calendar must not stop every rule
        logger.exception("could not load the default business calendar; using 24/7")
        return c.AlwaysOpen()
    return cal


class LazyCalendar:
    """The desk calendar, loaded only when a business-hours operator needs it."""

    def __init__(self) -> None:
        self._calendar: c.BusinessTime | None = None

    def resolved(self) -> c.BusinessTime:
        return self._get()

    def _get(self) -> c.BusinessTime:
        if self._calendar is None:
            self._calendar = calendar()
        return self._calendar

    def business_seconds_between(self, start: datetime, end: datetime) -> float:
        return self._get().business_seconds_between(start, end)

    def is_open(self, at: datetime) -> bool:
        return self._get().is_open(at)


# --- editing -----------------------------------------------------------------------------------------


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    kind = values.get("kind", RuleKind.TRIGGER)
    if kind not in RuleKind.values:
        errors["kind"] = [_("Unknown kind.")]
    name = (values.get("name") or "").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    values["name"] = name[:150]
    events = values.get("events") or []
    if kind == RuleKind.TRIGGER:
        if not isinstance(events, list) or not events:
            errors["events"] = [_("Choose at least one event.")]
        else:
            unknown = [e for e in events if e not in TriggerEvent.values]
            if unknown:
                errors["events"] = [_("Unknown event: %(e)s.") % {"e": ", ".join(map(str, unknown))}]
    else:
        events = []
    values["events"] = events
    condition = values.get("condition") or {}
    for path, reason in c.validate(condition, allow_changes=kind == RuleKind.TRIGGER):
        errors.setdefault(f"condition.{path}" if path else "condition", []).append(reason)
    values["condition"] = condition
    actions = values.get("actions")
    if actions is None:
        actions = []
    if not actions:
        errors.setdefault("actions", []).append(_("Add at least one action."))
    for path, reason in validate_actions(actions):
        errors.setdefault(f"actions{path}", []).append(reason)
    values["actions"] = actions
    if errors:
        raise ValidationError(errors)
    return values


def _state(rule: Rule) -> dict[str, Any]:
    return {f: getattr(rule, f) for f in RULE_FIELDS}


@transaction.atomic
def create_rule(
    *,
    actor: User | None,
    name: str,
    actions: list[dict[str, Any]],
    kind: str = RuleKind.TRIGGER,
    events: list[str] | None = None,
    condition: dict[str, Any] | None = None,
    description: str = "",
    position: int | None = None,
    is_active: bool = True,
    stop_processing: bool = False,
) -> Rule:
    require_manager(actor)
    values = _clean({"name": name, "kind": kind, "events": events, "condition": condition, "actions": actions})
    if position is None:
        position = (Rule.objects.filter(kind=kind).aggregate(m=Max("position"))["m"] or 0) + 10
    now = clock.now()
    rule = Rule.objects.create(
        **values,
        description=description,
        position=position,
        is_active=is_active,
        stop_processing=stop_processing,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    audit.record(actor=actor, action="automation.rule_created", obj=rule, after=_state(rule))
    return rule


@transaction.atomic
def update_rule(*, actor: User | None, rule: Rule, **changes: Any) -> Rule:
    require_manager(actor)
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed.")})
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    before = _state(rule)
    merged = {**before, **changes}
    values = _clean({k: merged[k] for k in ("name", "kind", "events", "condition", "actions")})
    for key, value in {**merged, **values}.items():
        setattr(rule, key, value)
    rule.updated_at = clock.now()
    rule.save()
    audit.record(actor=actor, action="automation.rule_updated", obj=rule, before=before, after=_state(rule))
    return rule


@transaction.atomic
def delete_rule(*, actor: User | None, rule: Rule) -> None:
    require_manager(actor)
    audit.record(actor=actor, action="automation.rule_deleted", obj=rule, before=_state(rule))
    rule.delete()


@transaction.atomic
def reorder_rules(*, actor: User | None, kind: str, ids: list[int]) -> list[Rule]:
    """Put the rules of ``kind`` in the order of ``ids`` (others keep their order after them)."""
    require_manager(actor)
    rules = {r.pk: r for r in Rule.objects.select_for_update().filter(kind=kind)}
    missing = [i for i in ids if i not in rules]
    if missing:
        raise ValidationError({"ids": _("Unknown rule: %(ids)s.") % {"ids": ", ".join(map(str, missing))}})
    ordered = [rules[i] for i in ids] + [
        r for pk, r in sorted(rules.items(), key=lambda kv: (kv[1].position, kv[0])) if pk not in ids
    ]
    now = clock.now()
    for position, rule in enumerate(ordered, start=1):
        rule.position = position * 10
        rule.updated_at = now
    Rule.objects.bulk_update(ordered, ["position", "updated_at"])
    audit.record(
        actor=actor, action="automation.rules_reordered", obj=ordered[0] if ordered else Rule(), after={"ids": ids}
    )
    return ordered


# --- triggers ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadedRule:
    id: int
    name: str
    events: frozenset[str]
    condition: Any
    actions: list[Any]
    stop_processing: bool
    owner_id: int | None
    matcher: c.Matcher


_loaded: dict[str, Any] = {"version": None, "rules": []}


def _version() -> tuple[Any, ...]:
    row = Rule.objects.filter(kind=RuleKind.TRIGGER).aggregate(n=Count("id"), m=Max("updated_at"), i=Max("id"))
    return (row["n"], row["m"], row["i"])


def active_triggers() -> list[LoadedRule]:
    """The active triggers in order, cached per process until a rule changes (one cheap query)."""
    version = _version()
    if _loaded["version"] != version:
        _loaded["rules"] = [
            LoadedRule(
                r.id,
                r.name,
                frozenset(r.events),
                r.condition,
                r.actions,
                r.stop_processing,
                r.created_by_id,
                _matcher(r.condition),
            )
            for r in Rule.objects.filter(kind=RuleKind.TRIGGER, is_active=True).order_by("position", "id")
        ]
        _loaded["version"] = version
    rules: list[LoadedRule] = _loaded["rules"]
    return rules


def _matcher(condition: Any) -> c.Matcher:
    try:
        return c.compile_python(condition)
    except Exception as exc:  # e.g. a custom field deleted since: every run logs the error
        message = str(exc)

        def broken(subject: c.Subject) -> bool:
            raise c.ConditionError([("", message)])

        return broken


def trigger_names(event_type: str, payload: Mapping[str, Any]) -> set[str]:
    if event_type == "ticket.message_added":
        if payload.get("kind") == "note":
            return {TriggerEvent.INTERNAL_NOTE.value}
        if payload.get("author_kind") == "customer":
            return {TriggerEvent.CUSTOMER_MESSAGE.value}
        if payload.get("author_kind") == "agent":
            return {TriggerEvent.AGENT_MESSAGE.value}
        return set()
    return {event_type} if event_type in TriggerEvent.values else set()


def subject_for(
    ticket: Ticket,
    *,
    message: Message | None = None,
    changes: Mapping[str, Any] | None = None,
    now: datetime | None = None,
    cal: c.BusinessTime | None = None,
) -> c.Subject:
    objects: dict[str, Any] = {"ticket": ticket}
    if message is not None:
        objects["message"] = message
    return c.Subject(objects=objects, changes=dict(changes or {}), now=now or clock.now(), calendar=cal or calendar())


def _load_ticket(ticket_id: Any) -> Ticket | None:
    if not isinstance(ticket_id, int):
        return None
    return (
        Ticket.objects.select_related("requester", "organization", "team", "assignee", "category")
        .filter(pk=ticket_id)
        .first()
    )


def run_triggers(event: OutboxEvent) -> list[RuleRun]:
    """Run the triggers listening to ``event`` on its ticket, in order (the subscriber).

    Every write carries ``event`` as its cause, so the events the actions emit are one
    level deeper and a chain of rules stops at ``core.events.MAX_DEPTH``.
    """
    names = trigger_names(event.type, event.payload)
    if not names:
        return []
    rules = [r for r in active_triggers() if r.events & names]
    if not rules:
        return []
    ticket = _load_ticket(event.payload.get("ticket_id"))
    if ticket is None:
        return []
    message = None
    if event.type == "ticket.message_added":
        message = Message.objects.filter(pk=event.payload.get("message_id")).first()
    cal = LazyCalendar()
    subject = subject_for(ticket, message=message, changes=event.changes, cal=cal)
    owners = {u.pk: u for u in User.objects.filter(pk__in={r.owner_id for r in rules if r.owner_id})}
    log_unmatched = bool(conf.get("ATIENDE_AUTOMATION_LOG_UNMATCHED"))
    now = clock.now()
    runs: list[RuleRun] = []
    for rule in rules:
        base = {
            "rule_id": rule.id,
            "ticket": ticket,
            "event_id": event.pk,
            "event_type": event.type,
            "depth": event.depth,
            "at": now,
        }
        try:
            matched = rule.matcher(subject)
        except Exception as exc:  # a rule broken by a deleted custom field: log it, keep going
            runs.append(RuleRun(**base, matched=False, error=str(exc)[:2000]))
            continue
        if not matched:
            if log_unmatched:
                runs.append(RuleRun(**base, matched=False))
            continue
        ctx = ActionContext(
            ticket=ticket,
            actor=owners.get(rule.owner_id) if rule.owner_id else None,
            rule_id=rule.id,
            event_type=event.type,
            event_payload=event.payload,
        )
        results = run_actions(ctx, list(rule.actions))
        errors = "; ".join(str(r["error"]) for r in results if "error" in r)
        runs.append(RuleRun(**base, matched=True, actions=results, error=errors[:2000]))
        # Later rules see what earlier ones did.
        ticket = _load_ticket(ticket.pk) or ticket
        subject = subject_for(ticket, message=message, changes=event.changes, cal=cal)
        if rule.stop_processing:
            break
    RuleRun.objects.bulk_create(runs)
    return runs


# --- dry run -----------------------------------------------------------------------------------------------


class _Rollback(Exception):
    pass


def explain(condition: Any, subject: c.Subject) -> list[dict[str, Any]]:
    """Each leaf of ``condition`` with its own result on ``subject``."""
    out = []
    for leaf in c.leaves(condition):
        try:
            result: bool | None = c.evaluate(dict(leaf), subject)
            error = ""
        except Exception as exc:
            result, error = None, str(exc)
        out.append(
            {
                "field": leaf.get("field"),
                "op": leaf.get("op"),
                "value": leaf.get("value"),
                "result": result,
                "error": error,
            }
        )
    return out


def dry_run(*, actor: User, rule: Rule, ticket: Ticket) -> dict[str, Any]:
    """Would ``rule`` match ``ticket`` now, and what would its actions do? Changes nothing.

    The actions really run — so their validation errors are real — inside a transaction
    that is always rolled back; anything queued for after the commit (emails, webhook
    deliveries, event delivery) is discarded with it. ``changed`` operators see no change.
    """
    if not actor.is_agent:
        raise PermissionDenied(_("Your role does not allow this."))
    subject = subject_for(ticket)
    leaves = explain(rule.condition, subject)
    try:
        matched = c.evaluate(rule.condition, subject)
    except Exception as exc:
        return {"matched": False, "leaves": leaves, "actions": [], "error": str(exc)}
    results: list[dict[str, Any]] = []
    if matched:
        try:
            with transaction.atomic():
                owner = rule.created_by if rule.created_by_id else None
                ctx = ActionContext(
                    ticket=Ticket.objects.get(pk=ticket.pk), actor=owner, rule_id=rule.pk, event_type="dry_run"
                )
                results = run_actions(ctx, list(rule.actions))
                raise _Rollback
        except _Rollback:
            pass
    return {"matched": matched, "leaves": leaves, "actions": results, "error": ""}


# --- time-based rules -------------------------------------------------------------------------------------------


def _exact(condition: Any) -> bool:
    return not c.validate(condition, allow_changes=False, queryable=True)


def run_time_rule(rule: Rule, *, now: datetime | None = None, cal: c.BusinessTime | None = None) -> int:
    """Act once on each ticket that matches ``rule`` and has no open window; close the
    windows of tickets that stopped matching. Returns how many tickets it acted on."""
    now = now or clock.now()
    cal = cal or calendar()
    try:
        q = c.prefilter_q(rule.condition, now=now, calendar=cal)
    except c.ConditionError as exc:
        RuleRun.objects.create(rule=rule, matched=False, error=str(exc)[:2000], event_type="time", at=now)
        return 0
    exact = _exact(rule.condition)
    base = Ticket.objects.filter(q, merged_into__isnull=True)
    open_firings = TimeRuleFiring.objects.filter(rule=rule, closed_at__isnull=True)
    if exact:
        open_firings.exclude(ticket_id__in=base.values("pk")).update(closed_at=now)
    else:
        for firing in open_firings.select_related("ticket", "ticket__requester"):
            subject = subject_for(firing.ticket, now=now, cal=cal)
            if not (base.filter(pk=firing.ticket_id).exists() and c.evaluate(rule.condition, subject)):
                TimeRuleFiring.objects.filter(pk=firing.pk).update(closed_at=now)
    batch = int(conf.get("ATIENDE_TIME_RULE_BATCH"))
    candidates = (
        base.exclude(pk__in=TimeRuleFiring.objects.filter(rule=rule, closed_at__isnull=True).values("ticket_id"))
        .select_related("requester", "organization", "team", "assignee", "category")
        .order_by("id")
    )
    owner = rule.created_by if rule.created_by_id else None
    acted = 0
    for ticket in candidates[:batch]:
        if not exact and not c.evaluate(rule.condition, subject_for(ticket, now=now, cal=cal)):
            continue
        try:
            with transaction.atomic():
                TimeRuleFiring.objects.create(rule=rule, ticket=ticket, fired_at=now)
                ctx = ActionContext(ticket=ticket, actor=owner, rule_id=rule.pk, event_type="time")
                results = run_actions(ctx, list(rule.actions))
                errors = "; ".join(str(r["error"]) for r in results if "error" in r)
                RuleRun.objects.create(
                    rule=rule,
                    ticket=ticket,
                    matched=True,
                    actions=results,
                    error=errors[:2000],
                    event_type="time",
                    at=now,
                )
        except IntegrityError:
            continue  # another scheduler run acted on it first
        acted += 1
    return acted


def run_time_rules(*, now: datetime | None = None) -> dict[int, int]:
    now = now or clock.now()
    cal = calendar()
    return {
        rule.pk: run_time_rule(rule, now=now, cal=cal)
        for rule in Rule.objects.filter(kind=RuleKind.TIME, is_active=True)
        .select_related("created_by")
        .order_by("position", "id")
    }


def purge_runs(*, older_than_days: int | None = None) -> int:
    from datetime import timedelta

    days = older_than_days if older_than_days is not None else int(conf.get("ATIENDE_AUTOMATION_LOG_DAYS"))
    deleted, _counts = RuleRun.objects.filter(at__lt=clock.now() - timedelta(days=days)).delete()
    return deleted


def matching_tickets(condition: Any) -> Q:
    """The exact ``Q`` of a condition over tickets (saved views, reports)."""
    return c.compile_q(condition, calendar=calendar())
