"""The actions rules and macros can take, from a registry.

An action is JSON: ``{"type": "set_priority", "priority": "urgent"}``. Each registered
:class:`ActionType` validates its parameters (``validate`` → ``[(key, reason)]``) and
runs them on a :class:`ActionContext`. Field changes are collected and written with one
``tickets.services.update_ticket`` call (one ``ticket.updated`` event), flushed before
any action that reads the ticket; every write goes through a service and, inside an event
delivery, carries that event as its cause (``core.events``), so rule chains stop at
``MAX_DEPTH``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atiende.accounts.models import Team, User
from atiende.automation.choices import NotificationKind, Recipient
from atiende.automation.templating import render, ticket_context
from atiende.tickets.choices import PRIORITY_BY_NAME, Status, Tier
from atiende.tickets.models import Category, Ticket

Errors = list[tuple[str, str]]


class ActionFailed(Exception):
    """An action could not run; the message says why (logged on the run)."""


@dataclass
class ActionContext:
    ticket: Ticket
    actor: User | None  # who acts: the agent applying a macro, the rule's author, or None (system)
    rule_id: int | None = None
    event_type: str = ""
    event_payload: Mapping[str, Any] = field(default_factory=dict)
    pending: dict[str, Any] = field(default_factory=dict)
    results: list[dict[str, Any]] = field(default_factory=list)

    def flush(self) -> None:
        """Write the collected field changes in one ``update_ticket`` call."""
        if not self.pending:
            return
        from atiende.tickets import services as ticket_services

        changes, self.pending = self.pending, {}
        self.ticket = ticket_services.update_ticket(actor=None, ticket=self.ticket, **changes)

    def placeholders(self) -> dict[str, Any]:
        return ticket_context(self.ticket, agent=self.actor if self.actor and self.actor.is_agent else None)


@dataclass(frozen=True)
class ActionType:
    type: str
    label: Any
    validate: Callable[[Mapping[str, Any]], Errors]
    run: Callable[[ActionContext, Mapping[str, Any]], str]
    field_change: bool = False  # only queues a change (no flush needed before it)


_registry: dict[str, ActionType] = {}


def register_action(action: ActionType) -> ActionType:
    _registry[action.type] = action
    return action


def registry() -> dict[str, ActionType]:
    return dict(_registry)


def validate_actions(actions: Any, *, allowed: set[str] | None = None) -> Errors:
    """Every problem of a list of actions, as ``(path, reason)`` (``[0].priority``)."""
    if not isinstance(actions, list):
        return [("", _("Expected a list of actions."))]
    errors: Errors = []
    for i, item in enumerate(actions):
        if not isinstance(item, dict):
            errors.append((f"[{i}]", _("Expected an object with a “type”.")))
            continue
        kind = item.get("type")
        action = _registry.get(kind) if isinstance(kind, str) else None
        if action is None or (allowed is not None and kind not in allowed):
            names = ", ".join(sorted(allowed if allowed is not None else _registry))
            errors.append((f"[{i}].type", _("Unknown action; use one of: %(names)s.") % {"names": names}))
            continue
        for key, reason in action.validate(item):
            errors.append((f"[{i}].{key}" if key else f"[{i}]", reason))
    return errors


def run_actions(ctx: ActionContext, actions: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Run ``actions`` in order; a failing action is recorded and the others still run.

    Returns ``[{"type", "result"} | {"type", "error"}]``.
    """
    for item in actions:
        action = _registry.get(str(item.get("type")))
        if action is None:
            ctx.results.append({"type": item.get("type"), "error": _("Unknown action.")})
            continue
        try:
            if not action.field_change:
                ctx.flush()
            result = action.run(ctx, item)
            ctx.results.append({"type": action.type, "result": result})
        except (ActionFailed, ValidationError, ValueError) as exc:
            ctx.pending = {}
            ctx.results.append({"type": action.type, "error": _message(exc)})
        except Exception as exc:  # PermissionDenied and friends: record, never break the chain
            ctx.pending = {}
            ctx.results.append({"type": action.type, "error": _message(exc) or exc.__class__.__name__})
    try:
        ctx.flush()
    except (ValidationError, ValueError) as exc:
        ctx.results.append({"type": "update", "error": _message(exc)})
    return ctx.results


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        return " ".join(exc.messages)
    return str(exc)


# --- parameter helpers ---------------------------------------------------------------------------


def _required(params: Mapping[str, Any], key: str, check: Callable[[Any], bool], reason: str) -> Errors:
    if key not in params:
        return [(key, _("This field is required."))]
    return [] if check(params[key]) else [(key, reason)]


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _only(params: Mapping[str, Any], *keys: str) -> Errors:
    unknown = sorted(set(params) - {"type", *keys})
    return [(k, _("Unknown parameter.")) for k in unknown]


# --- ticket fields ---------------------------------------------------------------------------------


def _set_status_validate(p: Mapping[str, Any]) -> Errors:
    return _only(p, "status") + _required(p, "status", lambda v: v in Status.values, _("Unknown status."))


def _set_status(ctx: ActionContext, p: Mapping[str, Any]) -> str:
    ctx.pending["status"] = p["status"]
    return _("status → %(v)s") % {"v": p["status"]}


def _set_priority_validate(p: Mapping[str, Any]) -> Errors:
    return _only(p, "priority") + _required(
        p, "priority", lambda v: v in PRIORITY_BY_NAME, _("Use low, normal, high or urgent.")
    )


def _set_priority(ctx: ActionContext, p: Mapping[str, Any]) -> str:
    ctx.pending["priority"] = p["priority"]
    return _("priority → %(v)s") % {"v": p["priority"]}


def _set_tier_validate(p: Mapping[str, Any]) -> Errors:
    return _only(p, "tier") + _required(p, "tier", lambda v: v in Tier.values, _("Use a tier from 0 to 4."))


def _set_tier(ctx: ActionContext, p: Mapping[str, Any]) -> str:
    ctx.pending["tier"] = p["tier"]
    return _("tier → %(v)s") % {"v": p["tier"]}


def _id_validate(key: str, *, nullable: bool) -> Callable[[Mapping[str, Any]], Errors]:
    def validate(p: Mapping[str, Any]) -> Errors:
        reason = _("Expected an id (or null).") if nullable else _("Expected an id.")
        return _only(p, key) + _required(p, key, lambda v: _is_id(v) or (nullable and v is None), reason)

    return validate


def _set_team(ctx: ActionContext, p: Mapping[str, Any]) -> str:
    team = Team.objects.filter(pk=p["team"]).first() if p["team"] is not None else None
    if p["team"] is not None and team is None:
        raise ActionFailed(_("The team %(id)s does not exist.") % {"id": p["team"]})
    ctx.pending["team"] = team
    return _("team → %(v)s") % {"v": team.name if team else "—"}


def _set_assignee(ctx: ActionContext, p: Mapping[str, Any]) -> str:
    user = User.objects.filter(pk=p["assignee"], is_active=True).first() if p["assignee"] is not None else None
    if p["assignee"] is not None and (user is None or not user.is_agent):
        raise ActionFailed(_("The agent %(id)s does not exist or is inactive.") % {"id": p["assignee"]})
    ctx.pending["assignee"] = user
    return _("assignee → %(v)s") % {"v": user.email if user else "—"}


def _set_category(ctx: ActionContext, p: Mapping[str, Any]) -> str:
    category = Category.objects.filter(pk=p["category"]).first() if p["category"] is not None else None
    if p["category"] is not None and category is None:
        raise ActionFailed(_("The category %(id)s does not exist.") % {"id": p["category"]})
    ctx.pending["category"] = category
    return _("category → %(v)s") % {"v": category.name if category else "—"}


def _tags_validate(p: Mapping[str, Any]) -> Errors:
    return _only(p, "tags") + _required(
        p,
        "tags",
        lambda v: isinstance(v, list) and bool(v) and all(_is_text(t) for t in v),
        _("Expected a non-empty list of tag names."),
    )


def _tags_runner(key: str) -> Callable[[ActionContext, Mapping[str, Any]], str]:
    def run(ctx: ActionContext, p: Mapping[str, Any]) -> str:
        ctx.pending[key] = list(ctx.pending.get(key, [])) + list(p["tags"])
        return f"{key}: {', '.join(p['tags'])}"

    return run


def _custom_validate(p: Mapping[str, Any]) -> Errors:
    return _only(p, "fields") + _required(
        p, "fields", lambda v: isinstance(v, dict) and bool(v), _("Expected an object of field keys and values.")
    )


def _set_custom(ctx: ActionContext, p: Mapping[str, Any]) -> str:
    merged = dict(ctx.pending.get("custom_fields", {}))
    merged.update(p["fields"])
    ctx.pending["custom_fields"] = merged
    return ", ".join(f"{k} → {v}" for k, v in p["fields"].items())


# --- messages and notifications ----------------------------------------------------------------------


def _note_validate(p: Mapping[str, Any]) -> Errors:
    return _only(p, "body") + _required(p, "body", _is_text, _("Write the text of the note."))


def _add_note(ctx: ActionContext, p: Mapping[str, Any]) -> str:
    from atiende.tickets import services as ticket_services

    if ctx.actor is None or not ctx.actor.is_agent:
        raise ActionFailed(_("Internal notes need an agent as author: the rule has no agent owner."))
    body = render(p["body"], ctx.placeholders())
    message = ticket_services.add_message(actor=ctx.actor, ticket=ctx.ticket, body=body, internal=True)
    ctx.ticket = message.ticket
    return _("note added")


def _email_validate(p: Mapping[str, Any]) -> Errors:
    errors = _only(p, "to", "address", "subject", "body") + _required(
        p,
        "to",
        lambda v: v in {Recipient.REQUESTER, Recipient.ASSIGNEE, Recipient.TEAM, Recipient.ADDRESS},
        _("Use requester, assignee, team or address."),
    )
    errors += _required(p, "body", _is_text, _("Write the text of the email."))
    if p.get("to") == Recipient.ADDRESS:
        from django.core.validators import validate_email

        try:
            validate_email(p.get("address") or "")
        except ValidationError:
            errors.append(("address", _("Enter a valid email address.")))
    return errors


def _recipients(ctx: ActionContext, to: str, address: str = "") -> list[str]:
    ticket = ctx.ticket
    if to == Recipient.REQUESTER:
        return [i.value for i in ticket.requester.identities.all() if i.kind == "email"][:1]
    if to == Recipient.ASSIGNEE:
        return [ticket.assignee.email] if ticket.assignee_id and ticket.assignee else []
    if to == Recipient.TEAM:
        if not ticket.team_id:
            return []
        return list(ticket.team.members.filter(is_active=True).values_list("email", flat=True))  # type: ignore[union-attr]
    return [address] if address else []


def _send_email(ctx: ActionContext, p: Mapping[str, Any]) -> str:
    from atiende.channels.services.outbound import send_notification

    to = _recipients(ctx, p["to"], p.get("address", ""))
    if not to:
        raise ActionFailed(_("Nobody to email: the %(to)s has no address.") % {"to": p["to"]})
    values = ctx.placeholders()
    subject = render(p.get("subject") or "", values)
    send_notification(ticket=ctx.ticket, to=to, subject=subject, body=render(p["body"], values))
    return _("email queued to %(to)s") % {"to": ", ".join(to)}


def _notify_validate(p: Mapping[str, Any]) -> Errors:
    allowed = {Recipient.ASSIGNEE, Recipient.TEAM, Recipient.FOLLOWERS, Recipient.SUPERVISORS, Recipient.USER}
    errors = _only(p, "to", "user", "title", "body") + _required(
        p, "to", lambda v: v in allowed, _("Use assignee, team, followers, supervisors or user.")
    )
    errors += _required(p, "title", _is_text, _("Write a title."))
    if p.get("to") == Recipient.USER:
        errors += _required(p, "user", _is_id, _("Expected an id."))
    return errors


def notify_users(ctx: ActionContext, to: str, user_id: int | None = None) -> list[User]:
    ticket = ctx.ticket
    users = User.objects.filter(is_active=True)
    if to == Recipient.ASSIGNEE:
        return list(users.filter(pk=ticket.assignee_id)) if ticket.assignee_id else []
    if to == Recipient.TEAM:
        return list(users.filter(teams=ticket.team_id)) if ticket.team_id else []
    if to == Recipient.FOLLOWERS:
        return list(users.filter(followed_tickets=ticket))
    if to == Recipient.SUPERVISORS:
        return list(users.filter(role__in=["admin", "supervisor"]))
    return list(users.filter(pk=user_id or 0).exclude(role="customer"))


def _notify(ctx: ActionContext, p: Mapping[str, Any]) -> str:
    from atiende.automation.services.notifications import notify

    recipients = notify_users(ctx, p["to"], p.get("user"))
    values = ctx.placeholders()
    title = render(p["title"], values)
    body = render(p.get("body") or "", values)
    for user in recipients:
        notify(
            recipient=user,
            title=title,
            body=body,
            ticket=ctx.ticket,
            url=f"/agent/tickets/{ctx.ticket.number}/",
            kind=NotificationKind.RULE,
        )
    return _("%(n)d notified") % {"n": len(recipients)}


def _webhook_validate(p: Mapping[str, Any]) -> Errors:
    return _only(p, "webhook") + _required(p, "webhook", _is_id, _("Expected the id of a webhook."))


def _call_webhook(ctx: ActionContext, p: Mapping[str, Any]) -> str:
    from atiende.automation.models import WebhookSubscription
    from atiende.automation.services.webhooks import queue_delivery

    subscription = WebhookSubscription.objects.filter(pk=p["webhook"], is_active=True).first()
    if subscription is None:
        raise ActionFailed(_("The webhook %(id)s does not exist or is disabled.") % {"id": p["webhook"]})
    payload = {
        "type": "automation.rule",
        "rule_id": ctx.rule_id,
        "event_type": ctx.event_type,
        "ticket": {"id": ctx.ticket.pk, "number": ctx.ticket.number, "subject": ctx.ticket.subject},
        "data": dict(ctx.event_payload),
    }
    delivery = queue_delivery(subscription=subscription, event_type="automation.rule", payload=payload)
    return _("webhook delivery %(id)s queued") % {"id": delivery.pk}


def _macro_validate(p: Mapping[str, Any]) -> Errors:
    return _only(p, "macro") + _required(p, "macro", _is_id, _("Expected the id of a macro."))


def _apply_macro(ctx: ActionContext, p: Mapping[str, Any]) -> str:
    from atiende.automation.models import Macro
    from atiende.automation.services.macros import macro_actions_and_reply

    macro = Macro.objects.filter(pk=p["macro"], is_active=True).first()
    if macro is None:
        raise ActionFailed(_("The macro %(id)s does not exist or is inactive.") % {"id": p["macro"]})
    nested = [a for a in macro.actions if a.get("type") != "apply_macro"]  # no macro recursion
    run_actions(ctx, nested)
    reply = macro_actions_and_reply(ctx, macro)
    return _("macro “%(name)s” applied") % {"name": macro.name} + (f" ({reply})" if reply else "")


def _escalate_validate(p: Mapping[str, Any]) -> Errors:
    return (
        _only(p, "tier", "reason", "note")
        + _required(p, "tier", lambda v: v in Tier.values, _("Use a tier from 0 to 4."))
        + _required(p, "reason", _is_text, _("Give a reason."))
    )


def _escalate(ctx: ActionContext, p: Mapping[str, Any]) -> str:
    try:
        from atiende.routing.services import escalate
    except ImportError as exc:
        raise ActionFailed(_("Escalation is not available (routing is not installed).")) from exc
    values = ctx.placeholders()
    # Rules escalate as the system (free-text reason); a macro as the agent who applies it.
    escalate(
        actor=None if ctx.rule_id is not None else ctx.actor,
        ticket=ctx.ticket,
        to_tier=int(p["tier"]),
        reason=render(p["reason"], values),
        note=render(p.get("note") or "", values),
    )
    ctx.ticket = Ticket.objects.get(pk=ctx.ticket.pk)
    return _("escalated to tier %(t)s") % {"t": p["tier"]}


LABELS = {
    "set_status": gettext_lazy("Set status"),
    "set_priority": gettext_lazy("Set priority"),
    "set_team": gettext_lazy("Set team"),
    "set_assignee": gettext_lazy("Set assignee"),
    "set_category": gettext_lazy("Set category"),
    "set_tier": gettext_lazy("Set tier"),
    "add_tags": gettext_lazy("Add tags"),
    "remove_tags": gettext_lazy("Remove tags"),
    "set_custom_fields": gettext_lazy("Set custom fields"),
    "add_note": gettext_lazy("Add an internal note"),
    "send_email": gettext_lazy("Send an email"),
    "notify": gettext_lazy("Notify in the app"),
    "call_webhook": gettext_lazy("Call a webhook"),
    "apply_macro": gettext_lazy("Apply a macro"),
    "escalate": gettext_lazy("Escalate"),
}


def register_defaults() -> None:
    r = register_action
    r(ActionType("set_status", LABELS["set_status"], _set_status_validate, _set_status, field_change=True))
    r(ActionType("set_priority", LABELS["set_priority"], _set_priority_validate, _set_priority, field_change=True))
    r(ActionType("set_team", LABELS["set_team"], _id_validate("team", nullable=True), _set_team, field_change=True))
    r(
        ActionType(
            "set_assignee",
            LABELS["set_assignee"],
            _id_validate("assignee", nullable=True),
            _set_assignee,
            field_change=True,
        )
    )
    r(
        ActionType(
            "set_category",
            LABELS["set_category"],
            _id_validate("category", nullable=True),
            _set_category,
            field_change=True,
        )
    )
    r(ActionType("set_tier", LABELS["set_tier"], _set_tier_validate, _set_tier, field_change=True))
    r(ActionType("add_tags", LABELS["add_tags"], _tags_validate, _tags_runner("add_tags"), field_change=True))
    r(ActionType("remove_tags", LABELS["remove_tags"], _tags_validate, _tags_runner("remove_tags"), field_change=True))
    r(ActionType("set_custom_fields", LABELS["set_custom_fields"], _custom_validate, _set_custom, field_change=True))
    r(ActionType("add_note", LABELS["add_note"], _note_validate, _add_note))
    r(ActionType("send_email", LABELS["send_email"], _email_validate, _send_email))
    r(ActionType("notify", LABELS["notify"], _notify_validate, _notify))
    r(ActionType("call_webhook", LABELS["call_webhook"], _webhook_validate, _call_webhook))
    r(ActionType("apply_macro", LABELS["apply_macro"], _macro_validate, _apply_macro))
    r(ActionType("escalate", LABELS["escalate"], _escalate_validate, _escalate))
