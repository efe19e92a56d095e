"""Create, change and delete saved views (filters on any ticket field, sort, columns, sharing)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from atiende.tickets import ticket_views
from atiende.tickets.forms import SavedViewForm, saved_view_initial
from atiende.tickets.models import SavedView
from atiende.tickets.services.saved_views import create_saved_view, delete_saved_view, update_saved_view
from atiende.tickets.views.agent_list import sidebar_context
from atiende.tickets.views.common import add_service_errors, agent_required, viewer

TEMPLATE = "tickets/agent/saved_view_form.html"
ALIASES = {"team": "share_with", "name": "name", "ordering": "ordering", "columns": "columns"}


def _editable(request: HttpRequest, pk: int) -> SavedView:
    user = viewer(request)
    view = ticket_views.saved_views_visible_to(user).filter(pk=pk).first()
    if view is None:
        raise Http404
    if not ticket_views.can_edit_saved_view(user, view):
        raise Http404
    return view


def _aliases(form: SavedViewForm) -> dict[str, str]:
    mapped = dict(ALIASES)
    for name in form.fields:
        if name.startswith("f_"):
            mapped[f"filters.{name[2:]}"] = name
    return mapped


def _render(request: HttpRequest, form: SavedViewForm, saved: SavedView | None, status: int = 200) -> HttpResponse:
    views = ticket_views.views_for(viewer(request))
    context: dict[str, Any] = {
        **sidebar_context(request, views, f"saved-{saved.pk}" if saved else ""),
        "form": form,
        "saved": saved,
        "cancel_url": reverse("agent:view", kwargs={"key": f"saved-{saved.pk}"}) if saved else reverse("agent:home"),
    }
    return render(request, TEMPLATE, context, status=status)


def _filters_from_query(request: HttpRequest) -> dict[str, Any]:
    """Prefill "save as view" from the list's filter bar."""
    filters: dict[str, Any] = {}
    for key, values in request.GET.lists():
        if key in ("ordering", "cursor") or not any(values):
            continue
        filters[key] = values if key in ticket_views.MULTI_PARAMS else values[-1]
    return filters


@agent_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    if request.method != "POST":
        defaults = {"ordering": request.GET.get("ordering")} if request.GET.get("ordering") else {}
        form = SavedViewForm(
            viewer=user, filters=_filters_from_query(request), initial=saved_view_initial(None, defaults)
        )
        return _render(request, form, None)
    form = SavedViewForm(request.POST, viewer=user)
    if not form.is_valid():
        return _render(request, form, None, status=400)
    data = form.cleaned_data
    try:
        view = create_saved_view(
            actor=user,
            name=data["name"],
            filters=form.filters(),
            ordering=data["ordering"],
            columns=data["columns"],
            team=data["share_with"],
        )
    except (ValidationError, PermissionDenied) as exc:
        add_service_errors(form, exc, _aliases(form))
        return _render(request, form, None, status=400)
    messages.success(request, _("The view “%(name)s” is saved.") % {"name": view.name})
    return redirect("agent:view", key=f"saved-{view.pk}")


@agent_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = viewer(request)
    saved = _editable(request, pk)
    if request.method != "POST":
        form = SavedViewForm(viewer=user, filters=saved.filters, initial=saved_view_initial(saved))
        return _render(request, form, saved)
    form = SavedViewForm(request.POST, viewer=user)
    if not form.is_valid():
        return _render(request, form, saved, status=400)
    data = form.cleaned_data
    try:
        update_saved_view(
            actor=user,
            view=saved,
            name=data["name"],
            filters=form.filters(),
            ordering=data["ordering"],
            columns=data["columns"],
            team=data["share_with"],
        )
    except (ValidationError, PermissionDenied) as exc:
        add_service_errors(form, exc, _aliases(form))
        return _render(request, form, saved, status=400)
    messages.success(request, _("The view is saved."))
    return redirect("agent:view", key=f"saved-{saved.pk}")


@agent_required
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = _editable(request, pk)
    delete_saved_view(actor=viewer(request), view=saved)
    messages.success(request, _("The view “%(name)s” is deleted.") % {"name": saved.name})
    return redirect("agent:home")
