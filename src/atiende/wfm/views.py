"""Workforce-management pages: overview with real-time staffing, forecast chart, staffing
requirement, schedule with coverage, adherence, simulation and drill results.

Planning pages are for supervisors and administrators (404 for everyone else); any
agent can see their own shifts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from atiende.accounts.models import User
from atiende.wfm import charts, selectors, services
from atiende.wfm.forms import DrillForm, ForecastForm, RequirementForm, RunForm, ScheduleForm, TemplateForm
from atiende.wfm.models import Schedule

V = TypeVar("V", bound=Callable[..., HttpResponse])
_MINUTE = timedelta(minutes=1)


def _gate(test: Callable[[User], bool]) -> Callable[[V], V]:
    def decorator(view: V) -> V:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.is_active or not test(user):  # type: ignore[arg-type]
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


manager_required = _gate(lambda user: user.is_manager)
agent_required = _gate(lambda user: user.is_agent)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 - guaranteed by the gates
    return request.user


def _service_errors(form: Form, exc: ValidationError | PermissionDenied) -> None:
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc) or _("Your role does not allow this."))
        return
    for field, messages in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


def _scoped(qs: QuerySet[Any], pk: int) -> Any:
    return get_object_or_404(qs, pk=pk)


@require_http_methods(["GET", "POST"])
@manager_required
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ForecastForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            forecast = services.build_forecast(actor=user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _service_errors(form, exc)
        else:
            return redirect("wfm:forecast", pk=forecast.pk)
    context = {
        "form": form,
        "realtime": [
            {**row, "at": datetime.fromisoformat(row["start"]).astimezone(selectors.desk_zone())}
            for row in selectors.realtime()
        ],
        "forecasts": selectors.forecasts_visible_to(user)[:10],
        "schedules": selectors.schedules_visible_to(user)[:10],
        "runs": selectors.runs_visible_to(user)[:10],
        "templates": selectors.templates_visible_to(user),
    }
    return render(request, "wfm/home.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@manager_required
def forecast_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    forecast = _scoped(selectors.forecasts_visible_to(user), pk)
    form = RequirementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            req = services.compute_requirement(actor=user, forecast=forecast, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _service_errors(form, exc)
        else:
            return redirect("wfm:requirement", pk=req.pk)
    zone = selectors.desk_zone()
    per_day = 24 * 60 // forecast.interval_minutes
    history = forecast.history[-14 * per_day :]
    chart = charts.line_chart(
        [
            charts.Series(_("History"), history, "history"),
            charts.Series(_("Forecast"), forecast.values, "forecast", offset=len(history)),
        ],
        start=forecast.start - (forecast.interval_minutes * len(history)) * _MINUTE,
        interval_minutes=forecast.interval_minutes,
        zone=zone,
    )
    context = {
        "forecast": forecast,
        "chart": chart,
        "form": form,
        "requirements": forecast.requirements.all()[:10],
        "total": round(sum(forecast.values), 1),
    }
    return render(request, "wfm/forecast.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@manager_required
def requirement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    req = _scoped(selectors.requirements_visible_to(user), pk)
    zone = selectors.desk_zone()
    form = ScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        start = datetime.combine(data.pop("start"), time(0), tzinfo=zone)
        try:
            schedule = services.create_schedule(actor=user, requirements=[req], start=start, **data)
        except (ValidationError, PermissionDenied) as exc:
            _service_errors(form, exc)
        else:
            return redirect("wfm:schedule", pk=schedule.pk)
    chart = charts.line_chart(
        [
            charts.Series(_("Agents required"), req.agents, "required", step=True),
            charts.Series(_("Staff to schedule"), req.scheduled, "coverage", step=True),
        ],
        start=req.forecast.start,
        interval_minutes=req.forecast.interval_minutes,
        zone=zone,
    )
    rows = [
        {
            "start": req.forecast.start + i * req.forecast.interval_minutes * _MINUTE,
            "calls": c,
            "aht": h,
            "agents": a,
            "scheduled": s,
            "sl": sl,
        }
        for i, (c, h, a, s, sl) in enumerate(
            zip(
                req.forecast.values,
                req.forecast.handle_seconds,
                req.agents,
                req.scheduled,
                req.service_level,
                strict=False,
            )
        )
    ]
    context = {"req": req, "chart": chart, "rows": rows, "form": form, "zone": zone}
    return render(request, "wfm/requirement.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@agent_required
def schedule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    schedule: Schedule = _scoped(selectors.schedules_visible_to(user), pk)
    shifts = selectors.shifts_visible_to(user).filter(schedule=schedule).order_by("agent__name", "starts_at")
    manager = user.is_manager
    run_form = RunForm(request.POST if request.POST.get("form") == "run" else None, prefix="run")
    drill_form = DrillForm(request.POST if request.POST.get("form") == "drill" else None, prefix="drill")
    if request.method == "POST":
        if not manager:
            raise Http404
        try:
            if request.POST.get("form") == "run" and run_form.is_valid():
                run = services.simulate_schedule(actor=user, schedule=schedule, **run_form.cleaned_data)
                return redirect("wfm:run", pk=run.pk)
            if request.POST.get("form") == "drill" and drill_form.is_valid():
                drill = services.create_drill(
                    actor=user,
                    schedule=schedule,
                    name=drill_form.cleaned_data["name"],
                    scenario=drill_form.cleaned_data["scenario"],
                    parameters=drill_form.parameters(),
                )
                run = services.run_drill(actor=user, drill=drill, replications=5)
                return redirect("wfm:run", pk=run.pk)
        except (ValidationError, PermissionDenied) as exc:
            _service_errors(drill_form if request.POST.get("form") == "drill" else run_form, exc)
    zone = selectors.desk_zone()
    charts_ = []
    if manager:
        for k, channel in enumerate(schedule.channels):
            charts_.append(
                {
                    "channel": channel or _("Every channel"),
                    "chart": charts.line_chart(
                        [
                            charts.Series(_("Required"), schedule.required[k], "required", step=True),
                            charts.Series(_("Scheduled"), schedule.coverage[k], "coverage", step=True),
                        ],
                        start=schedule.start,
                        interval_minutes=schedule.slot_minutes,
                        zone=zone,
                    ),
                    "short": sum(
                        max(r - c, 0) for r, c in zip(schedule.required[k], schedule.coverage[k], strict=False)
                    ),
                }
            )
    by_agent: dict[str, list[Any]] = {}
    for shift in shifts:
        by_agent.setdefault(str(shift.agent), []).append(
            {
                "shift": shift,
                "breaks": [
                    (datetime.fromisoformat(a).astimezone(zone), datetime.fromisoformat(b).astimezone(zone))
                    for a, b in shift.breaks
                ],
            }
        )
    context = {
        "schedule": schedule,
        "by_agent": sorted(by_agent.items()),
        "charts": charts_,
        "manager": manager,
        "run_form": run_form,
        "drill_form": drill_form,
        "runs": schedule.runs.all()[:10] if manager else [],
        "zone": zone,
    }
    failed = bool(run_form.errors or drill_form.errors)
    return render(request, "wfm/schedule.html", context, status=400 if failed else 200)


@manager_required
def adherence_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    schedule = _scoped(selectors.schedules_visible_to(user), pk)
    report = selectors.adherence(schedule=schedule)
    return render(request, "wfm/adherence.html", {"schedule": schedule, "report": report})


def _fmt(value: float | None, pct: bool) -> str:
    if value is None:
        return "—"
    return f"{number_format(value * 100, 1)} %" if pct else number_format(value, 1)


@manager_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    run = _scoped(selectors.runs_visible_to(user), pk)
    metrics = []
    for key, label, pct in (
        ("service_level", _("Service level"), True),
        ("sla_attainment", _("SLA attainment"), True),
        ("abandon_rate", _("Abandonment"), True),
        ("occupancy", _("Occupancy"), True),
        ("diverted_rate", _("Diverted"), True),
        ("asa", _("Average wait (seconds)"), False),
    ):
        est = (run.result or {}).get(key) or {}
        base = (run.baseline or {}).get(key) or {}
        scale = 100 if pct else 1

        delta = None
        if est.get("mean") is not None and base.get("mean") is not None:
            delta = (est["mean"] - base["mean"]) * scale
        metrics.append(
            {
                "label": label,
                "mean": _fmt(est.get("mean"), pct),
                "low": _fmt(est.get("low"), pct),
                "high": _fmt(est.get("high"), pct),
                "plan": _fmt(base.get("mean"), pct) if base else None,
                "delta": None if delta is None else ("+" if delta >= 0 else "−") + number_format(abs(delta), 1),
            }
        )
    schedule = run.schedule
    chart = charts.line_chart(
        [
            *(
                [charts.Series(_("Plan"), run.baseline.get("interval_service_level", []), "history")]
                if run.baseline
                else []
            ),
            charts.Series(
                _("Service level") if not run.baseline else _("Drill"),
                run.result.get("interval_service_level", []),
                "forecast",
            ),
        ],
        start=schedule.start,
        interval_minutes=schedule.slot_minutes,
        zone=selectors.desk_zone(),
    )
    overflow = [
        {
            **rule,
            "diverted_pct": None if rule.get("diverted_rate") is None else rule["diverted_rate"] * 100,
            "sl_pct": None if rule.get("service_level") is None else rule["service_level"] * 100,
            "abandon_pct": None if rule.get("abandon_rate") is None else rule["abandon_rate"] * 100,
        }
        for rule in run.overflow or []
    ]
    return render(request, "wfm/run.html", {"run": run, "metrics": metrics, "chart": chart, "overflow": overflow})


@require_http_methods(["GET", "POST"])
@manager_required
def templates_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("break_minutes", "lunch_minutes")}
        try:
            services.save_shift_template(actor=user, breaks=form.breaks(), weekdays=[], **data)
        except (ValidationError, PermissionDenied) as exc:
            _service_errors(form, exc)
        else:
            return redirect("wfm:templates")
    context = {"form": form, "templates": selectors.templates_visible_to(user)}
    return render(request, "wfm/templates.html", context, status=400 if form.errors else 200)


@agent_required
def my_shifts(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    shifts = selectors.shifts_visible_to(user).filter(agent=user).order_by("-starts_at")[:60]
    return render(request, "wfm/my_shifts.html", {"shifts": shifts, "zone": selectors.desk_zone()})
