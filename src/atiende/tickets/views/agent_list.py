"""Agent workspace: ticket views in a sidebar with counts, the ticket list, bulk actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from atiende.accounts.selectors import agents, teams_visible_to
from atiende.tickets import extensions, selectors, ticket_views
from atiende.tickets.choices import Channel, Priority, Status, Tier
from atiende.tickets.filtersets import CUSTOM_FIELD_PREFIX
from atiende.tickets.forms import BulkForm, ListFilterForm, split_tags
from atiende.tickets.models import CustomField, Ticket
from atiende.tickets.services.bulk import BulkResult, bulk_merge_tickets, bulk_update_tickets
from atiende.tickets.ticket_views import ALL_COLUMNS, CUSTOM_COLUMN_PREFIX, ORDERINGS, TicketView
from atiende.tickets.views.common import agent_required, viewer
from atiende.tickets.views.paging import keyset_page

PAGE_SIZE = 50
# get_FOO_display() rebuilds a dict of the choices on every call; these are built once.
STATUS_LABELS: dict[str, Any] = dict(Status.choices)
PRIORITY_LABELS: dict[int, Any] = dict(Priority.choices)
TIER_LABELS: dict[int, Any] = dict(Tier.choices)
CHANNEL_LABELS: dict[str, Any] = dict(Channel.choices)
NON_FILTER_PARAMS = ("cursor", "ordering")


@agent_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("agent:view", key="mine")


def sidebar_context(request: HttpRequest, views: list[TicketView], current: str) -> dict[str, Any]:
    user = viewer(request)
    numbers = ticket_views.counts(user, views)
    return {
        "views": [
            {
                "view": v,
                "count": ticket_views.display_count(numbers.get(v.key)),
                "current": v.key == current,
                "editable": v.saved is not None and ticket_views.can_edit_saved_view(user, v.saved),
            }
            for v in views
        ],
        "current_key": current,
    }


@agent_required
@require_GET
def sidebar(request: HttpRequest) -> HttpResponse:
    """The sidebar alone: htmx refreshes it every few seconds (live counts)."""
    views = ticket_views.views_for(viewer(request))
    context = sidebar_context(request, views, request.GET.get("current", ""))
    return render(request, "tickets/agent/_sidebar.html", context)


def _filter_data(request: HttpRequest) -> QueryDict:
    data = request.GET.copy()
    for key in NON_FILTER_PARAMS:
        data.pop(key, None)
    for key in [k for k, v in data.lists() if not any(v)]:
        data.pop(key)  # empty fields of the filter bar
    return data


def _columns(view: TicketView) -> tuple[list[dict[str, Any]], list[str]]:
    keys = [c for c in view.columns if c in ALL_COLUMNS or c.startswith(CUSTOM_COLUMN_PREFIX)]
    custom_keys = [c[len(CUSTOM_COLUMN_PREFIX) :] for c in keys if c.startswith(CUSTOM_COLUMN_PREFIX)]
    labels = dict(CustomField.objects.filter(key__in=custom_keys).values_list("key", "label")) if custom_keys else {}
    columns = []
    for key in keys:
        if key.startswith(CUSTOM_COLUMN_PREFIX):
            cf_key = key[len(CUSTOM_COLUMN_PREFIX) :]
            if cf_key in labels:
                columns.append({"key": key, "label": labels[cf_key], "custom": cf_key, "sortable": False})
        else:
            columns.append({"key": key, "label": ALL_COLUMNS[key], "custom": "", "sortable": key in ORDERINGS})
    return columns, custom_keys


def _when(value: Any) -> SafeString:
    local = timezone.localtime(value)
    return format_html(
        '<td class="nowrap"><time datetime="{}">{}</time></td>',
        local.isoformat(),
        formats.date_format(local, "SHORT_DATETIME_FORMAT"),
    )


def _plain(value: Any) -> SafeString:
    return format_html("<td>{}</td>", "—" if value in (None, "", []) else value)


def _cell(ticket: Ticket, key: str, custom: str, url: str) -> SafeString:
    """One table cell, built here rather than in the template: 50 rows × a dozen columns
    of template branching costs more CPU than the rest of the page."""
    if custom:
        value = (ticket.custom_fields or {}).get(custom)
        return _plain(", ".join(map(str, value)) if isinstance(value, list) else value)
    if key == "subject":
        return format_html('<td class="subject"><a href="{}">{}</a></td>', url, ticket.subject)
    if key == "number":
        return format_html('<td class="nowrap"><a href="{}" tabindex="-1">#{}</a></td>', url, ticket.number)
    if key == "status":
        return format_html(
            '<td><span class="badge status-{}">{}</span></td>', ticket.status, STATUS_LABELS.get(ticket.status, "")
        )
    if key == "priority":
        return format_html(
            '<td><span class="badge priority-{}">{}</span></td>',
            ticket.priority,
            PRIORITY_LABELS.get(ticket.priority, ""),
        )
    if key == "requester":
        return _plain(ticket.requester.name)
    if key == "organization":
        return _plain(ticket.organization.name if ticket.organization else None)
    if key == "team":
        return _plain(ticket.team.name if ticket.team else None)
    if key == "assignee":
        return _plain((ticket.assignee.name or ticket.assignee.email) if ticket.assignee else None)
    if key == "category":
        return _plain(ticket.category.name if ticket.category else None)
    if key == "tier":
        return _plain(TIER_LABELS.get(ticket.tier))
    if key == "channel":
        return _plain(CHANNEL_LABELS.get(ticket.channel))
    if key == "tags":
        return format_html(
            "<td>{}</td>",
            format_html_join("", '<span class="tag">{}</span>', ((t.name,) for t in ticket.tags.all())),
        )
    if key in ("created_at", "updated_at"):
        return _when(getattr(ticket, key))
    return _plain(None)


def _rows(request: HttpRequest, tickets: list[Ticket], columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    badges = extensions.list_badges(request, tickets) if extensions.has_list_badges() else None
    for ticket in tickets:
        url = reverse("agent:ticket", kwargs={"number": ticket.number})
        cells = [_cell(ticket, c["key"], c["custom"], url) for c in columns]
        if badges is not None:
            cells.append(format_html('<td class="badges">{}</td>', badges.get(ticket.pk, "")))
        rows.append({"ticket": ticket, "cells": cells})
    return rows


@agent_required
@require_GET
def ticket_list(request: HttpRequest, key: str) -> HttpResponse:
    user = viewer(request)
    views = ticket_views.views_for(user)
    view = ticket_views.find_view(views, key)
    if view is None:
        raise Http404
    queryset = ticket_views.view_queryset(view, user, selectors.ticket_list(user))
    data = _filter_data(request)
    filter_errors: dict[str, list[str]] = {}
    if data:
        fs = ticket_views.filterset(data, viewer=user, queryset=queryset)
        filter_errors = ticket_views.filter_errors(fs)
        queryset = queryset.none() if filter_errors else fs.qs
    ordering = request.GET.get("ordering") or view.ordering
    if ordering.lstrip("-") not in ORDERINGS:
        ordering = view.ordering
    tickets, next_cursor = keyset_page(queryset, ordering=ordering, cursor=request.GET.get("cursor"), size=PAGE_SIZE)
    columns, _custom = _columns(view)
    teams = list(teams_visible_to(user))
    people = list(agents().order_by("name", "email"))
    filter_form = ListFilterForm(data or None, teams=teams, people=people)
    filter_form.is_valid()
    query_without_cursor = request.GET.copy()
    query_without_cursor.pop("cursor", None)
    sort_links = {}
    for column in columns:
        if column["sortable"]:
            params = query_without_cursor.copy()
            current = ordering.lstrip("-") == column["key"]
            params["ordering"] = column["key"] if current and ordering.startswith("-") else f"-{column['key']}"
            sort_links[column["key"]] = {
                "url": f"?{params.urlencode()}",
                "active": current,
                "descending": ordering.startswith("-"),
            }
    next_url = None
    if next_cursor:
        params = request.GET.copy()
        params["cursor"] = next_cursor
        next_url = f"?{params.urlencode()}"
    first_url = f"?{query_without_cursor.urlencode()}" if request.GET.get("cursor") else None
    save_params = data.copy()
    if request.GET.get("ordering"):
        save_params["ordering"] = ordering
    context = {
        **sidebar_context(request, views, view.key),
        "view": view,
        "tickets": tickets,
        "rows": _rows(request, tickets, columns),
        "badge_column": extensions.has_list_badges(),
        "columns": columns,
        "sort_links": sort_links,
        "ordering": ordering,
        "next_url": next_url,
        "first_url": first_url,
        "filter_form": filter_form,
        "filter_errors": filter_errors,
        "filtered": bool(data),
        "bulk_form": BulkForm(initial={"next": request.get_full_path()}),
        "agents": people,
        "teams": teams,
        "save_view_query": save_params.urlencode(),
        "custom_filter_prefix": CUSTOM_FIELD_PREFIX,
    }
    if request.session.get("atiende_last_list") != request.get_full_path():
        request.session["atiende_last_list"] = request.get_full_path()
    return render(request, "tickets/agent/list.html", context)


def _summary(request: HttpRequest, result: BulkResult) -> None:
    if result.changed:
        messages.success(
            request,
            ngettext("%(n)d ticket changed.", "%(n)d tickets changed.", len(result.changed))
            % {"n": len(result.changed)},
        )
    for number, reason in sorted(result.failed.items()):
        messages.error(request, _("#%(number)s not changed: %(reason)s") % {"number": number, "reason": reason})


@agent_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    form = BulkForm(request.POST)
    fallback = reverse("agent:home")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = fallback
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else str(error))
        return HttpResponseRedirect(target)
    data = form.cleaned_data
    tickets = list(selectors.tickets_visible_to(user).filter(pk__in=data["tickets"]).order_by("id"))
    try:
        if data["action"] == "merge":
            into = selectors.tickets_visible_to(user).filter(number=data["merge_into"]).first()
            if into is None:
                raise ValidationError({"merge_into": _("No ticket with that number.")})
            result = bulk_merge_tickets(actor=user, tickets=tickets, target=into)
        else:
            result = bulk_update_tickets(actor=user, tickets=tickets, **_bulk_changes(user, data))
    except (ValidationError, PermissionDenied) as exc:
        for message in getattr(exc, "messages", [str(exc)]):
            messages.error(request, message)
        return HttpResponseRedirect(target)
    ticket_views.forget_counts(user)
    _summary(request, result)
    return HttpResponseRedirect(target)


def _bulk_changes(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    action = data["action"]
    if action == "assign":
        raw = data["assignee"]
        if raw == "none":
            return {"assignee": None}
        who = user if raw == "me" else agents().filter(pk=int(raw) if str(raw).isdigit() else 0).first()
        if who is None:
            raise ValidationError({"assignee": _("Choose an agent.")})
        return {"assignee": who}
    if action == "status":
        return {"status": data["status"]}
    if action == "priority":
        return {"priority": data["priority"]}
    if action == "add_tags":
        return {"add_tags": split_tags(data["tags"])}
    if action == "remove_tags":
        return {"remove_tags": split_tags(data["tags"])}
    raise ValidationError({"action": _("Choose what to change.")})
