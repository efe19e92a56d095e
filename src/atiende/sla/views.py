"""SLA pages: the backtest (policies and calendars are edited in the admin, through the services)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from atiende.sla import services
from atiende.sla.choices import TargetKind
from atiende.sla.forms import BacktestForm
from atiende.sla.services.backtest import REPLAYED
from atiende.tickets.views.common import add_service_errors, agent_required, viewer


@agent_required
def backtest(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    if not user.is_manager:
        raise Http404
    result = None
    form = BacktestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.run_backtest(actor=user, **form.service_arguments())
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
    rows = []
    if result is not None:
        for target in REPLAYED:
            rows.append(
                {
                    "label": TargetKind(target).label,
                    "current": result.current.get(target),
                    "candidate": result.candidate.get(target),
                }
            )
    return render(request, "sla/backtest.html", {"form": form, "result": result, "rows": rows})
