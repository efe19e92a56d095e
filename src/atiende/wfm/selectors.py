"""The read side of workforce management, scoped by the viewer.

Supervisors and administrators see every plan; agents see only their own shifts (and
nothing of forecasts, drills or simulations); customers see nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.apps import apps
from django.conf import settings
from django.db.models import Q, QuerySet

from atiende.accounts.choices import Role
from atiende.accounts.models import User
from atiende.core import clock
from atiende.tickets.models import Ticket
from atiende.wfm.models import (
    AgentWorkRule,
    Drill,
    Forecast,
    ForecastEvent,
    Schedule,
    ScheduledShift,
    ShiftTemplate,
    SimulationRun,
    StaffingRequirement,
)

WORKING_PRESENCE = ("online", "in_call")


# --- scoping -----------------------------------------------------------------------------------


def _manager(viewer: User) -> bool:
    return bool(viewer.is_active and viewer.is_manager)


def forecasts_visible_to(viewer: User) -> QuerySet[Forecast]:
    return Forecast.objects.all() if _manager(viewer) else Forecast.objects.none()


def requirements_visible_to(viewer: User) -> QuerySet[StaffingRequirement]:
    qs = StaffingRequirement.objects.select_related("forecast")
    return qs if _manager(viewer) else qs.none()


def templates_visible_to(viewer: User) -> QuerySet[ShiftTemplate]:
    return ShiftTemplate.objects.all() if _manager(viewer) else ShiftTemplate.objects.none()


def forecast_events_visible_to(viewer: User) -> QuerySet[ForecastEvent]:
    return ForecastEvent.objects.all() if _manager(viewer) else ForecastEvent.objects.none()


def schedules_visible_to(viewer: User) -> QuerySet[Schedule]:
    if _manager(viewer):
        return Schedule.objects.all()
    if viewer.is_active and viewer.is_agent:
        return Schedule.objects.filter(shifts__agent=viewer).distinct()
    return Schedule.objects.none()


def shifts_visible_to(viewer: User) -> QuerySet[ScheduledShift]:
    qs = ScheduledShift.objects.select_related("agent", "schedule")
    if _manager(viewer):
        return qs
    if viewer.is_active and viewer.is_agent:
        return qs.filter(agent=viewer)
    return qs.none()


def drills_visible_to(viewer: User) -> QuerySet[Drill]:
    return Drill.objects.select_related("schedule") if _manager(viewer) else Drill.objects.none()


def runs_visible_to(viewer: User) -> QuerySet[SimulationRun]:
    qs = SimulationRun.objects.select_related("schedule", "drill")
    return qs if _manager(viewer) else qs.none()


# --- inputs for the services -----------------------------------------------------------------------


def ticket_arrivals(*, start: datetime, end: datetime, channel: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Creation times (epoch seconds) and agent-reply counts of tickets created in ``[start, end)``."""
    qs = Ticket.objects.filter(created_at__gte=start, created_at__lt=end)
    if channel:
        qs = qs.filter(channel=channel)
    rows = list(qs.values_list("created_at", "agent_reply_count").iterator(chunk_size=5000))
    created = np.fromiter((r[0].timestamp() for r in rows), dtype=np.float64, count=len(rows))
    replies = np.fromiter((r[1] or 0 for r in rows), dtype=np.float64, count=len(rows))
    return created, replies


def desk_zone() -> ZoneInfo:
    """The desk's time zone: the SLA default calendar's, else the site's."""
    try:
        from atiende.sla.selectors import default_calendar

        return ZoneInfo(default_calendar().time_zone)
    except Exception:
        return ZoneInfo(settings.TIME_ZONE)


def holiday_dates() -> set[date]:
    """Holidays of the desk's default calendar (the SLA app), if it has any."""
    try:
        from atiende.sla.selectors import default_calendar

        return set(getattr(default_calendar(), "holidays", {}) or {})
    except Exception:
        return set()


def forecast_events(*, channel: str, start: datetime) -> QuerySet[ForecastEvent]:
    return ForecastEvent.objects.filter(Q(channel="") | Q(channel=channel), ends_at__gt=start)


def schedulable_agents() -> QuerySet[User]:
    return User.objects.filter(is_active=True, role__in=[Role.AGENT, Role.SUPERVISOR]).order_by("id")


def work_rules() -> QuerySet[AgentWorkRule]:
    return AgentWorkRule.objects.select_related("agent")


def overflow_rules() -> list[dict[str, Any]]:
    """The routing app's active overflow rules (contract 4), as plain dicts; empty if routing has none."""
    try:
        model = apps.get_model("routing", "OverflowRule")
    except LookupError:
        return []
    rows = model.objects.filter(is_active=True).select_related("team").order_by("team_id", "position", "id")
    return [
        {
            "rule_id": r.pk,
            "name": r.name,
            "team": str(r.team),
            "condition": r.condition,
            "threshold": r.threshold,
            "action": r.action,
        }
        for r in rows
    ]


# --- adherence -------------------------------------------------------------------------------------


def _presence(agent_ids: Iterable[int], start: datetime, end: datetime) -> list[tuple[int, str, datetime, datetime]]:
    try:
        model = apps.get_model("routing", "PresenceLog")
    except LookupError:
        return []
    now = clock.now()
    rows = model.objects.filter(agent_id__in=list(agent_ids), started_at__lt=end).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=start)
    )
    return [(r.agent_id, r.status, r.started_at, r.ended_at or now) for r in rows.order_by("agent_id", "started_at")]


def _mark(mask: np.ndarray, origin: datetime, a: datetime, b: datetime, value: bool = True) -> None:
    i = max(int((a - origin).total_seconds() // 60), 0)
    j = min(int(-(-(b - origin).total_seconds() // 60)), mask.shape[0])
    if j > i:
        mask[i:j] = value


def adherence(
    *,
    schedule: Schedule,
    start: datetime | None = None,
    end: datetime | None = None,
    interval_minutes: int | None = None,
) -> dict[str, Any]:
    """Scheduled state vs actual presence per agent and interval (minute resolution).

    *Adherence*: share of the scheduled working minutes the agent was available (online or
    in a call). *Conformance*: available minutes over scheduled working minutes (can exceed 1).
    """
    start = start or schedule.start
    end = min(end or schedule.end, schedule.end, max(clock.now(), start))
    step = interval_minutes or schedule.slot_minutes
    minutes = max(int((end - start).total_seconds() // 60), 0)
    n_int = -(-minutes // step) if minutes else 0
    shifts = list(schedule.shifts.filter(starts_at__lt=end, ends_at__gt=start).select_related("agent"))
    agents: dict[int, User] = {s.agent_id: s.agent for s in shifts}
    planned = {a: np.zeros(minutes, bool) for a in agents}
    on_break = {a: np.zeros(minutes, bool) for a in agents}
    for s in shifts:
        _mark(planned[s.agent_id], start, s.starts_at, s.ends_at)
        for b0, b1 in s.breaks:
            bs, be = datetime.fromisoformat(b0), datetime.fromisoformat(b1)
            _mark(planned[s.agent_id], start, bs, be, False)
            _mark(on_break[s.agent_id], start, bs, be)
    actual = {a: np.zeros(minutes, bool) for a in agents}
    for agent_id, status, a, b in _presence(agents, start, end):
        if status in WORKING_PRESENCE:
            _mark(actual[agent_id], start, a, b)
    rows = []
    for agent_id, user in sorted(agents.items(), key=lambda kv: str(kv[1])):
        p, q = planned[agent_id], actual[agent_id]
        per_interval = []
        for i in range(n_int):
            sl = slice(i * step, min((i + 1) * step, minutes))
            sched = int(p[sl].sum())
            per_interval.append(
                {
                    "start": (start + timedelta(minutes=i * step)).isoformat(),
                    "scheduled": "working" if sched else ("break" if on_break[agent_id][sl].any() else "off"),
                    "scheduled_minutes": sched,
                    "available_minutes": int(q[sl].sum()),
                    "in_adherence_minutes": int((p[sl] & q[sl]).sum()),
                }
            )
        sched_total = int(p.sum())
        rows.append(
            {
                "agent_id": agent_id,
                "agent": str(user),
                "scheduled_minutes": sched_total,
                "available_minutes": int(q.sum()),
                "adherence": round(float((p & q).sum()) / sched_total, 4) if sched_total else None,
                "conformance": round(float(q.sum()) / sched_total, 4) if sched_total else None,
                "intervals": per_interval,
            }
        )
    return {"start": start.isoformat(), "end": end.isoformat(), "interval_minutes": step, "agents": rows}


def realtime(*, hours: int = 4, step_minutes: int = 30) -> list[dict[str, Any]]:
    """Required vs scheduled vs logged in, from the current interval for the next ``hours``."""
    now = clock.now()
    epoch = int(now.timestamp())
    first = datetime.fromtimestamp(epoch - epoch % (step_minutes * 60), tz=now.tzinfo)
    last = first + timedelta(hours=hours)
    # The latest requirement per channel whose forecast covers the window.
    latest: dict[str, StaffingRequirement] = {}
    for req in (
        StaffingRequirement.objects.select_related("forecast")
        .filter(forecast__start__lt=last)
        .order_by("-created_at", "-id")[:50]
    ):
        latest.setdefault(req.forecast.channel, req)
    shifts = list(ScheduledShift.objects.filter(starts_at__lt=last, ends_at__gt=first))
    logged = 0
    try:
        model = apps.get_model("routing", "PresenceLog")
        logged = model.objects.filter(ended_at__isnull=True, status__in=WORKING_PRESENCE).count()
    except LookupError:
        pass
    out = []
    for i in range(hours * 60 // step_minutes):
        at = first + timedelta(minutes=i * step_minutes)
        mid = at + timedelta(minutes=step_minutes / 2)
        required = 0
        for req in latest.values():
            f = req.forecast
            idx = int((mid - f.start).total_seconds() // (f.interval_minutes * 60))
            if 0 <= idx < len(req.agents):
                required += int(req.agents[idx])
        scheduled = 0
        for s in shifts:
            if s.starts_at <= mid < s.ends_at and not any(
                datetime.fromisoformat(b0) <= mid < datetime.fromisoformat(b1) for b0, b1 in s.breaks
            ):
                scheduled += 1
        out.append(
            {
                "start": at.isoformat(),
                "required": required,
                "scheduled": scheduled,
                "logged_in": logged if i == 0 else None,
            }
        )
    return out
