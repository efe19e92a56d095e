"""Automation pages: rules (+ run log and dry run), macros, canned responses, webhooks
(+ deliveries and replay), customer notice templates, my notifications; and the ticket
panel's htmx endpoints (macro preview / apply, canned response search)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atiende.automation import selectors, services
from atiende.automation.choices import RuleKind
from atiende.automation.forms import (
    CannedForm,
    DryRunForm,
    MacroForm,
    RuleForm,
    TemplateForm,
    WebhookForm,
    add_errors,
)
from atiende.automation.services import macros as macro_services
from atiende.automation.services import webhooks as webhook_services
from atiende.core import conditions
from atiende.tickets import selectors as ticket_selectors
from atiende.tickets.views.common import _gate, agent_required, viewer

manager_required = _gate(lambda user: user.is_agent and user.is_manager)
admin_required = _gate(lambda user: user.is_agent and user.role == "admin")


@manager_required
def home(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    rules = selectors.rules_for(user).annotate(run_count=Count("runs", filter=Q(runs__matched=True)))
    return render(
        request,
        "automation/home.html",
        {
            "triggers": [r for r in rules if r.kind == RuleKind.TRIGGER],
            "time_rules": [r for r in rules if r.kind == RuleKind.TIME],
            "macros": selectors.macros_for(user),
            "canned": selectors.canned_for(user)[:50],
            "webhooks": selectors.webhooks_for(user),
            "templates": selectors.templates_for(user).select_related("inbox", "organization"),
            "is_admin": user.role == "admin",
        },
    )


# --- rules -------------------------------------------------------------------------------------------


@manager_required
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = viewer(request)
    rule = get_object_or_404(selectors.rules_for(user), pk=pk) if pk else None
    initial: dict[str, Any] = {"kind": request.GET.get("kind", RuleKind.TRIGGER), "is_active": True}
    if rule is not None:
        initial = {
            f: getattr(rule, f)
            for f in ("name", "kind", "events", "condition", "actions", "description", "is_active", "stop_processing")
        }
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["condition"] = data.get("condition") or {}
        try:
            if rule is None:
                rule = services.create_rule(actor=user, **data)
            else:
                rule = services.update_rule(actor=user, rule=rule, **data)
        except (ValidationError, PermissionDenied) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Rule saved."))
            return redirect("automation:rule", pk=rule.pk)
    return render(
        request,
        "automation/rule_form.html",
        {
            "form": form,
            "rule": rule,
            "catalog": conditions.catalog(),
            "actions": sorted(_action_names()),
            "builder_labels": {
                "all": _("All of these"),
                "any": _("Any of these"),
                "match": _("Match"),
                "add": _("Add a condition"),
                "remove": _("Remove"),
                "field": _("Attribute"),
                "op": _("Operator"),
                "value": _("Value"),
                "action": _("Action"),
                "addAction": _("Add"),
                "complex": _("This condition is nested: edit its JSON below."),
            },
        },
    )


def _action_names() -> list[str]:
    from atiende.automation.actions import registry

    return list(registry())


@manager_required
def rule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = viewer(request)
    rule = get_object_or_404(selectors.rules_for(user), pk=pk)
    form = DryRunForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        ticket = ticket_selectors.tickets_visible_to(user).filter(number=form.cleaned_data["number"]).first()
        if ticket is None:
            form.add_error("number", _("There is no ticket with this number that you can see."))
        else:
            result = services.dry_run(actor=user, rule=rule, ticket=ticket)
    runs = selectors.runs_for(user).filter(rule=rule)[:100]
    return render(request, "automation/rule_detail.html", {"rule": rule, "runs": runs, "form": form, "result": result})


@require_POST
@manager_required
def rule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    user = viewer(request)
    rule = get_object_or_404(selectors.rules_for(user), pk=pk)
    services.update_rule(actor=user, rule=rule, is_active=not rule.is_active)
    return redirect("automation:home")


@require_POST
@manager_required
def rule_move(request: HttpRequest, pk: int) -> HttpResponse:
    user = viewer(request)
    rule = get_object_or_404(selectors.rules_for(user), pk=pk)
    ids = list(selectors.rules_for(user).filter(kind=rule.kind).order_by("position", "id").values_list("pk", flat=True))
    i = ids.index(rule.pk)
    j = i - 1 if request.POST.get("direction") == "up" else i + 1
    if 0 <= j < len(ids):
        ids[i], ids[j] = ids[j], ids[i]
        services.reorder_rules(actor=user, kind=rule.kind, ids=ids)
    return redirect("automation:home")


@require_POST
@manager_required
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = viewer(request)
    services.delete_rule(actor=user, rule=get_object_or_404(selectors.rules_for(user), pk=pk))
    messages.success(request, _("Rule deleted."))
    return redirect("automation:home")


# --- macros -------------------------------------------------------------------------------------------------


@agent_required
def macro_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = viewer(request)
    macro = get_object_or_404(selectors.macros_for(user), pk=pk) if pk else None
    initial: dict[str, Any] = {"is_active": True, "actions": [], "personal": not user.is_manager}
    if macro is not None:
        initial = {
            "name": macro.name,
            "description": macro.description,
            "reply": macro.reply,
            "reply_internal": macro.reply_internal,
            "actions": macro.actions,
            "team": macro.team,
            "personal": macro.owner_id is not None,
            "is_active": macro.is_active,
        }
    form = MacroForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        owner = user if data.pop("personal") else None
        data["actions"] = data.get("actions") or []
        try:
            if macro is None:
                macro = services.create_macro(actor=user, owner=owner, **data)
            else:
                macro = services.update_macro(actor=user, macro=macro, owner=owner, **data)
        except (ValidationError, PermissionDenied) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Macro saved."))
            return redirect("automation:home" if user.is_manager else "automation:macros")
    return render(request, "automation/macro_form.html", {"form": form, "macro": macro})


@agent_required
def macro_list(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    return render(
        request,
        "automation/macros.html",
        {"macros": selectors.macros_for(user), "canned": selectors.canned_for(user)},
    )


def _ticket(request: HttpRequest, number: int) -> Any:
    ticket = ticket_selectors.tickets_visible_to(viewer(request)).filter(number=number).first()
    if ticket is None:
        raise Http404
    return ticket


@agent_required
def macro_preview(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    user = viewer(request)
    ticket = _ticket(request, number)
    macro = get_object_or_404(selectors.macros_for(user), pk=pk)
    preview = services.preview_macro(actor=user, macro=macro, ticket=ticket)
    return render(request, "automation/_macro_preview.html", {"ticket": ticket, "macro": macro, "preview": preview})


@require_POST
@agent_required
def macro_apply(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    user = viewer(request)
    ticket = _ticket(request, number)
    macro = get_object_or_404(selectors.macros_for(user), pk=pk)
    reply = request.POST.get("reply")
    try:
        services.apply_macro(actor=user, macro=macro, ticket=ticket, reply=reply)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Macro “%(name)s” applied.") % {"name": macro.name})
    response = redirect("agent:ticket", number=ticket.number)
    if request.headers.get("HX-Request"):
        out = HttpResponse(status=204)
        out["HX-Redirect"] = response["Location"]
        return out
    return response


# --- canned responses ---------------------------------------------------------------------------------------


@agent_required
def canned_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = viewer(request)
    canned = get_object_or_404(selectors.canned_for(user), pk=pk) if pk else None
    initial: dict[str, Any] = {}
    if canned is not None:
        initial = {
            "title": canned.title,
            "body": canned.body,
            "language": canned.language,
            "shared": canned.owner_id is None and canned.team_id is None,
            "team": canned.team,
        }
    form = CannedForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_canned(actor=user, canned=canned, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Canned response saved."))
            return redirect("automation:macros")
    return render(request, "automation/canned_form.html", {"form": form, "canned": canned})


@require_POST
@agent_required
def canned_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = viewer(request)
    try:
        services.delete_canned(actor=user, canned=get_object_or_404(selectors.canned_for(user), pk=pk))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("automation:macros")


@agent_required
def canned_search(request: HttpRequest, number: int) -> HttpResponse:
    """The composer's canned-response search (htmx): rendered for this ticket, ready to insert."""
    user = viewer(request)
    ticket = _ticket(request, number)
    language = request.GET.get("language", "")
    results = macro_services.search_canned(user=user, query=request.GET.get("q", ""), language=language)[:10]
    items = [{"canned": r, "text": macro_services.render_canned(actor=user, canned=r, ticket=ticket)} for r in results]
    return render(request, "automation/_canned_results.html", {"items": items})


# --- webhooks -------------------------------------------------------------------------------------------------


@admin_required
def webhook_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = viewer(request)
    hook = get_object_or_404(selectors.webhooks_for(user), pk=pk) if pk else None
    initial: dict[str, Any] = {"is_active": True, "event_types": "ticket.created, ticket.updated"}
    if hook is not None:
        initial = {
            "name": hook.name,
            "url": hook.url,
            "event_types": ", ".join(hook.event_types),
            "condition": hook.condition,
            "is_active": hook.is_active,
        }
    form = WebhookForm(request.POST or None, initial=initial)
    secret = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["condition"] = data.get("condition") or {}
        new_secret = data.pop("secret")
        try:
            if hook is None:
                hook, secret = services.create_webhook(actor=user, secret=new_secret, **data)
            else:
                if new_secret:
                    data["secret"] = new_secret
                hook = services.update_webhook(actor=user, webhook=hook, **data)
        except (ValidationError, PermissionDenied) as exc:
            add_errors(form, exc)
        else:
            if secret:
                # Shown once: it is stored encrypted and never displayed again.
                return render(request, "automation/webhook_secret.html", {"hook": hook, "secret": secret})
            messages.success(request, _("Webhook saved."))
            return redirect("automation:webhook", pk=hook.pk)
    return render(request, "automation/webhook_form.html", {"form": form, "hook": hook})


@admin_required
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = viewer(request)
    hook = get_object_or_404(selectors.webhooks_for(user), pk=pk)
    deliveries = selectors.deliveries_for(user).filter(subscription=hook)[:100]
    return render(request, "automation/webhook_detail.html", {"hook": hook, "deliveries": deliveries})


@require_POST
@admin_required
def webhook_replay(request: HttpRequest, pk: int, delivery_pk: int) -> HttpResponse:
    user = viewer(request)
    delivery = get_object_or_404(selectors.deliveries_for(user), pk=delivery_pk, subscription_id=pk)
    try:
        webhook_services.replay(actor=user, delivery=delivery)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Delivery queued again."))
    return redirect("automation:webhook", pk=pk)


# --- customer notice templates ---------------------------------------------------------------------------------


@manager_required
def template_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = viewer(request)
    row = get_object_or_404(selectors.templates_for(user), pk=pk) if pk else None
    initial: dict[str, Any] = {"is_enabled": True}
    if row is not None:
        initial = {
            "notice": row.notice,
            "language": row.language,
            "inbox": row.inbox,
            "organization": row.organization,
            "subject": row.subject,
            "body": row.body,
            "is_enabled": row.is_enabled,
        }
    else:
        from atiende.automation.services.notifications import default_template

        notice = request.GET.get("notice", "received")
        subject, body = default_template(notice)
        initial.update({"notice": notice, "subject": subject, "body": body})
    form = TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_template(actor=user, template=row, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Template saved."))
            return redirect("automation:home")
    return render(request, "automation/template_form.html", {"form": form, "row": row})


# --- notifications -----------------------------------------------------------------------------------------------


@agent_required
def notifications(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    rows = selectors.notifications_for(user)[:100]
    return render(request, "automation/notifications.html", {"rows": rows})


@require_POST
@agent_required
def notifications_read(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    services.mark_read(actor=user, ids=ids)
    return redirect("automation:notifications")
