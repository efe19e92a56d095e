"""Routing pages: presence switch and take next (top bar), escalation (ticket panel),
team routing overview and shadow reports (supervisors and administrators)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Min, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from atiende.accounts.models import Team
from atiende.core import clock
from atiende.routing import selectors, services
from atiende.routing.choices import Direction, PresenceStatus
from atiende.routing.forms import EscalationForm, PresenceForm, TeamRoutingForm
from atiende.routing.models import AgentState, OverflowRule, TeamRoutingConfig
from atiende.tickets.models import Ticket
from atiende.tickets.selectors import tickets_visible_to
from atiende.tickets.views.common import add_service_errors, agent_required, viewer

manager_required = agent_required  # refined in each view: non-managers get 404


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or reverse("agent:home")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("agent:home")
    return redirect(target)


@require_POST
@agent_required
def presence(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    form = PresenceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose online, away, offline or in a call."))
        return _back(request)
    services.set_presence(actor=user, agent=user, status=form.cleaned_data["status"])
    messages.success(
        request, _("You are now %(status)s.") % {"status": PresenceStatus(form.cleaned_data["status"]).label}
    )
    return _back(request)


@require_POST
@agent_required
def take_next(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    try:
        ticket = services.take_next(actor=user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return _back(request)
    if ticket is None:
        messages.info(request, _("Nothing waiting that you can take right now."))
        return _back(request)
    messages.success(request, _("Ticket #%(number)s is yours.") % {"number": ticket.number})
    return redirect("agent:ticket", number=ticket.number)


@agent_required
def escalate(request: HttpRequest, number: int) -> HttpResponse:
    user = viewer(request)
    ticket = tickets_visible_to(user).filter(number=number).first()
    if ticket is None:
        raise Http404
    form = EscalationForm(request.POST or None, initial={"to_tier": min(ticket.tier + 1, 4)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        move = services.escalate if data["direction"] == Direction.UP else services.deescalate
        try:
            move(
                actor=user,
                ticket=ticket,
                to_tier=data["to_tier"],
                reason=data["reason"].code,
                note=data["note"],
                team=data["team"],
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Moved to tier %(tier)s.") % {"tier": data["to_tier"]})
            return redirect("agent:ticket", number=ticket.number)
    status = 400 if request.method == "POST" else 200
    return render(request, "routing/escalate.html", {"ticket": ticket, "form": form}, status=status)


def _require_manager(request: HttpRequest) -> None:
    if not viewer(request).is_manager:
        raise Http404


@agent_required
def overview(request: HttpRequest) -> HttpResponse:
    """Every team's routing: strategy, who is online, what waits, overflow rules.

    POST ``team=<id>`` with the settings form changes that team's routing."""
    _require_manager(request)
    bound: tuple[int, TeamRoutingForm] | None = None
    if request.method == "POST":
        team = Team.objects.filter(pk=request.POST.get("team") or 0).first()
        if team is None:
            raise Http404
        form = TeamRoutingForm(request.POST, prefix=f"team{team.pk}")
        if form.is_valid():
            try:
                services.configure_team(actor=viewer(request), team=team, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Routing of %(team)s saved.") % {"team": team.name})
                return redirect("routing:overview")
        bound = (team.pk, form)
    elif request.method != "GET":
        return HttpResponse(status=405)
    now = clock.now()
    configs = {c.team_id: c for c in TeamRoutingConfig.objects.all()}
    waiting = {
        row["team_id"]: row
        for row in Ticket.objects.filter(
            assignee__isnull=True, status__in=selectors.ACTIVE_STATUSES, team__isnull=False
        )
        .values("team_id")
        .annotate(n=Count("id"), oldest=Min("created_at"))
        .order_by()
    }
    online = dict(
        Team.objects.annotate(
            n=Count("members", filter=Q(members__routing_state__status=PresenceStatus.ONLINE), distinct=True)
        ).values_list("pk", "n")
    )
    rules: dict[int, list[OverflowRule]] = {}
    for rule in OverflowRule.objects.select_related("target_team").order_by("position", "pk"):
        rules.setdefault(rule.team_id, []).append(rule)
    teams = []
    for team in Team.objects.order_by("name"):
        w = waiting.get(team.pk)
        config = configs.get(team.pk)
        if bound is not None and bound[0] == team.pk:
            form = bound[1]
        else:
            initial = (
                {"strategy": config.strategy, "auto_assign": config.auto_assign, "aging_minutes": config.aging_minutes}
                if config is not None
                else {"strategy": "least_loaded", "auto_assign": False, "aging_minutes": 30}
            )
            form = TeamRoutingForm(initial=initial, prefix=f"team{team.pk}")
        teams.append(
            {
                "team": team,
                "form": form,
                "config": config,
                "online": online.get(team.pk, 0),
                "waiting": w["n"] if w else 0,
                "oldest_minutes": int((now - w["oldest"]).total_seconds() // 60) if w else None,
                "rules": rules.get(team.pk, []),
            }
        )
    agents = AgentState.objects.select_related("agent").order_by("status", "agent__name")
    return render(
        request,
        "routing/overview.html",
        {"teams": teams, "agents": agents, "policies": selectors.shadow_policies_for(viewer(request))},
        status=400 if bound is not None else 200,
    )


@require_GET
@agent_required
def shadow_report(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    policy = selectors.shadow_policies_for(viewer(request)).filter(pk=pk).first()
    if policy is None:
        raise Http404
    return render(request, "routing/shadow.html", {"policy": policy, "report": selectors.shadow_report(policy)})
