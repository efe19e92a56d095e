"""Macros (actions + reply text, previewed then applied) and canned responses."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from atiende.accounts import audit
from atiende.accounts.models import Team, User
from atiende.automation.actions import ActionContext, run_actions, validate_actions
from atiende.automation.models import CannedResponse, Macro
from atiende.automation.templating import render, ticket_context
from atiende.core import clock
from atiende.tickets.models import Ticket

# Macros may not call webhooks or other macros: an agent's click stays on the ticket.
MACRO_ACTIONS = {
    "set_status",
    "set_priority",
    "set_team",
    "set_assignee",
    "set_category",
    "set_tier",
    "add_tags",
    "remove_tags",
    "set_custom_fields",
    "add_note",
    "escalate",
}


def _can_share(actor: User | None, team: Team | None, owner: User | None) -> None:
    if actor is None or actor.is_manager:
        return
    if owner is not None and owner.pk == actor.pk and team is None:
        return  # personal
    raise PermissionDenied(_("Only supervisors and administrators can change shared items."))


def _clean_macro(name: str, actions: Any, reply: str) -> None:
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("This field is required.")]
    for path, reason in validate_actions(actions if actions is not None else [], allowed=MACRO_ACTIONS):
        errors.setdefault(f"actions{path}", []).append(reason)
    if not actions and not (reply or "").strip():
        errors.setdefault("actions", []).append(_("Add an action or a reply text."))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_macro(
    *,
    actor: User | None,
    name: str,
    actions: list[dict[str, Any]] | None = None,
    reply: str = "",
    reply_internal: bool = False,
    description: str = "",
    owner: User | None = None,
    team: Team | None = None,
    is_active: bool = True,
) -> Macro:
    _can_share(actor, team, owner)
    _clean_macro(name, actions or [], reply)
    now = clock.now()
    macro = Macro.objects.create(
        name=name.strip()[:150],
        description=description,
        actions=actions or [],
        reply=reply,
        reply_internal=reply_internal,
        owner=owner,
        team=team,
        is_active=is_active,
        created_at=now,
        updated_at=now,
    )
    audit.record(actor=actor, action="automation.macro_created", obj=macro, after={"name": macro.name})
    return macro


MACRO_FIELDS = {"name", "description", "actions", "reply", "reply_internal", "owner", "team", "is_active", "position"}


@transaction.atomic
def update_macro(*, actor: User | None, macro: Macro, **changes: Any) -> Macro:
    unknown = set(changes) - MACRO_FIELDS
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed.")})
    _can_share(actor, macro.team, macro.owner)
    for key, value in changes.items():
        setattr(macro, key, value)
    _can_share(actor, macro.team, macro.owner)
    _clean_macro(macro.name, macro.actions, macro.reply)
    macro.updated_at = clock.now()
    macro.save()
    audit.record(
        actor=actor, action="automation.macro_updated", obj=macro, after={k: str(v) for k, v in changes.items()}
    )
    return macro


@transaction.atomic
def delete_macro(*, actor: User | None, macro: Macro) -> None:
    _can_share(actor, macro.team, macro.owner)
    audit.record(actor=actor, action="automation.macro_deleted", obj=macro, before={"name": macro.name})
    macro.delete()


def macro_actions_and_reply(ctx: ActionContext, macro: Macro) -> str:
    """Post the macro's reply text (rendered) on the ticket; '' when it has none."""
    from atiende.tickets import services as ticket_services

    if not macro.reply.strip():
        return ""
    if ctx.actor is None or not ctx.actor.is_agent:
        raise ValidationError({"reply": _("A reply needs an agent as author.")})
    body = render(macro.reply, ctx.placeholders())
    message = ticket_services.add_message(actor=ctx.actor, ticket=ctx.ticket, body=body, internal=macro.reply_internal)
    ctx.ticket = message.ticket
    return _("note added") if macro.reply_internal else _("reply sent")


def preview_macro(*, actor: User, macro: Macro, ticket: Ticket) -> dict[str, Any]:
    """What applying ``macro`` would do: the rendered reply and each action (changes nothing)."""
    if not actor.is_agent:
        raise PermissionDenied(_("Your role does not allow this."))
    reply = render(macro.reply, ticket_context(ticket, agent=actor)) if macro.reply else ""

    class _Rollback(Exception):
        pass

    results: list[dict[str, Any]] = []
    try:
        with transaction.atomic():
            ctx = ActionContext(ticket=Ticket.objects.get(pk=ticket.pk), actor=actor, event_type="macro.preview")
            results = run_actions(ctx, list(macro.actions))
            raise _Rollback
    except _Rollback:
        pass
    return {
        "macro": macro.pk,
        "name": macro.name,
        "reply": reply,
        "reply_internal": macro.reply_internal,
        "actions": results,
    }


@transaction.atomic
def apply_macro(*, actor: User, macro: Macro, ticket: Ticket, reply: str | None = None) -> dict[str, Any]:
    """Run the macro's actions on ``ticket`` as ``actor`` and post its reply (``reply`` overrides the
    rendered text, e.g. after the agent edited the preview)."""
    if not actor.is_agent:
        raise PermissionDenied(_("Your role does not allow this."))
    if not macro.is_active:
        raise ValidationError({"macro": _("This macro is inactive.")})
    ctx = ActionContext(ticket=ticket, actor=actor, event_type="macro")
    results = run_actions(ctx, list(macro.actions))
    failed = [r for r in results if "error" in r]
    if failed:
        raise ValidationError({"actions": [f"{r['type']}: {r['error']}" for r in failed]})
    text = reply if reply is not None else (render(macro.reply, ctx.placeholders()) if macro.reply else "")
    if text.strip():
        from atiende.tickets import services as ticket_services

        message = ticket_services.add_message(actor=actor, ticket=ctx.ticket, body=text, internal=macro.reply_internal)
        ctx.ticket = message.ticket
        results.append({"type": "reply", "result": _("note added") if macro.reply_internal else _("reply sent")})
    audit.record(actor=actor, action="automation.macro_applied", obj=ctx.ticket, after={"macro": macro.pk})
    return {"ticket": ctx.ticket.pk, "actions": results}


# --- canned responses ------------------------------------------------------------------------------------------


@transaction.atomic
def save_canned(
    *,
    actor: User,
    title: str,
    body: str,
    language: str = "",
    shared: bool = False,
    team: Team | None = None,
    canned: CannedResponse | None = None,
) -> CannedResponse:
    """Create or change a canned response: personal to ``actor``, or shared (managers)."""
    if not actor.is_agent:
        raise PermissionDenied(_("Your role does not allow this."))
    owner = None if shared or team is not None else actor
    if canned is not None:
        _can_share(actor, canned.team, canned.owner)
    _can_share(actor, team, owner)
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("This field is required.")
    if not body.strip():
        errors["body"] = _("This field is required.")
    if language not in {"", "es", "en"}:
        errors["language"] = _("Use es, en or leave it empty for any language.")
    if errors:
        raise ValidationError(errors)
    now = clock.now()
    row = canned or CannedResponse(created_at=now)
    row.title, row.body, row.language, row.owner, row.team = title.strip()[:150], body, language, owner, team
    row.updated_at = now
    row.save()
    return row


@transaction.atomic
def delete_canned(*, actor: User, canned: CannedResponse) -> None:
    _can_share(actor, canned.team, canned.owner)
    canned.delete()


def render_canned(*, actor: User, canned: CannedResponse, ticket: Ticket | None) -> str:
    if ticket is None:
        return canned.body
    return render(canned.body, ticket_context(ticket, agent=actor))


def visible_q(user: User) -> Q:
    """Shared with everyone, shared with one of the user's teams, or the user's own."""
    return Q(owner__isnull=True, team__isnull=True) | Q(team__in=user.teams.all()) | Q(owner=user)


def search_canned(*, user: User, query: str = "", language: str = "") -> QuerySet[CannedResponse]:
    qs = CannedResponse.objects.filter(visible_q(user))
    if language:
        qs = qs.filter(Q(language=language) | Q(language=""))
    for word in query.split()[:5]:
        qs = qs.filter(Q(title__icontains=word) | Q(body__icontains=word))
    return qs.order_by("title", "id")
