"""The write side of workforce management: forecasts, requirements, schedules, simulations, drills.

Each service takes ``actor`` and keyword arguments, runs in one transaction, writes the
audit log and emits a ``wfm.*`` event. The maths lives in the pure modules
(:mod:`~atiende.wfm.forecasting`, :mod:`~atiende.wfm.erlang`, :mod:`~atiende.wfm.scheduling`,
:mod:`~atiende.wfm.simulation`); these functions feed them the desk's data and store results.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from atiende.accounts import audit
from atiende.accounts.models import User
from atiende.core import clock
from atiende.core.events import emit
from atiende.wfm import erlang, events, selectors
from atiende.wfm import forecasting as fc
from atiende.wfm import scheduling as sc
from atiende.wfm import simulation as sim
from atiende.wfm.choices import IntervalMinutes, RunKind, Scenario, Strategy
from atiende.wfm.models import (
    AgentWorkRule,
    Drill,
    Forecast,
    Schedule,
    ScheduledShift,
    ShiftTemplate,
    SimulationRun,
    StaffingRequirement,
)

# A ticket's handle time is estimated from its agent replies (tickets carry no handle-time
# clock yet; calls will): this many seconds per agent reply, at least one reply.
HANDLE_SECONDS_PER_REPLY = 300.0
MAX_HISTORY_DAYS = 366
MAX_HORIZON_DAYS = 35


def _require_manager(actor: User | None) -> None:
    if actor is not None and not actor.is_manager:
        raise PermissionDenied(_("Only supervisors and administrators plan the workforce."))


def _floor(at: datetime, minutes: int) -> datetime:
    epoch = int(at.timestamp())
    step = minutes * 60
    return datetime.fromtimestamp(epoch - epoch % step, tz=at.tzinfo)


# --- forecasts -----------------------------------------------------------------------------------


def build_forecast(
    *,
    actor: User | None,
    channel: str = "",
    interval_minutes: int = 60,
    history_days: int = 56,
    horizon_days: int = 7,
    models: Sequence[str] = fc.MODELS,
) -> Forecast:
    """Forecast contacts and handle time per interval from the desk's own ticket history."""
    _require_manager(actor)
    errors: dict[str, str] = {}
    if interval_minutes not in IntervalMinutes.values:
        errors["interval_minutes"] = _("Choose 15, 30 or 60 minutes.")
    if not 14 <= history_days <= MAX_HISTORY_DAYS:
        errors["history_days"] = _("Between 14 and %(max)s days of history.") % {"max": MAX_HISTORY_DAYS}
    if not 1 <= horizon_days <= MAX_HORIZON_DAYS:
        errors["horizon_days"] = _("Between 1 and %(max)s days ahead.") % {"max": MAX_HORIZON_DAYS}
    unknown = [m for m in models if m not in fc.MODELS]
    if unknown:
        errors["models"] = _("Unknown model: %(name)s.") % {"name": ", ".join(unknown)}
    if errors:
        raise ValidationError(errors)
    now = clock.now()
    end = _floor(now, interval_minutes)
    start = end - timedelta(days=history_days)
    step = interval_minutes * 60
    per_day = 24 * 60 // interval_minutes
    week = 7 * per_day
    n = history_days * per_day
    created, replies = selectors.ticket_arrivals(start=start, end=end, channel=channel)
    offsets = ((created - start.timestamp()) // step).astype(np.int64)
    y = np.bincount(offsets, minlength=n)[:n].astype(np.float64)
    hol_dates = selectors.holiday_dates()
    zone = selectors.desk_zone()
    stamps = [start + timedelta(seconds=step * i) for i in range(n)]
    is_hol = np.array([s.astimezone(zone).date() in hol_dates for s in stamps], dtype=bool)
    factor = fc.holiday_factor(y, is_hol, week)
    y_clean = fc.clean_holidays(y, is_hol, week)
    horizon = horizon_days * per_day
    holdout = min(week, max(n // 4, 1))
    result = fc.backtest_and_forecast(y_clean, seasons=[per_day, week], horizon=horizon, holdout=holdout, models=models)
    future = [end + timedelta(seconds=step * j) for j in range(horizon)]
    values = fc.adjust(
        np.asarray(result.forecast),
        future,
        holidays=hol_dates,
        holiday_multiplier=factor,
        events=[
            fc.Adjustment(e.starts_at, e.ends_at, e.factor)
            for e in selectors.forecast_events(channel=channel, start=end)
        ],
        local_date=lambda d: d.astimezone(zone).date(),
    )
    handle = HANDLE_SECONDS_PER_REPLY * np.maximum(replies, 1)
    profile = fc.handle_time_profile(offsets, handle, period=week, default=HANDLE_SECONDS_PER_REPLY)
    handle_future = profile[(n + np.arange(horizon)) % week]
    with transaction.atomic():
        forecast = Forecast.objects.create(
            channel=channel,
            interval_minutes=interval_minutes,
            start=end,
            values=[round(float(v), 4) for v in values],
            handle_seconds=[round(float(v), 2) for v in handle_future],
            history_start=start,
            history=[int(v) for v in y],
            model=result.chosen,
            backtests=[b.as_dict() for b in result.backtests],
            holiday_factor=round(factor, 4),
            created_by=actor,
            created_at=now,
        )
        audit.record(actor=actor, action="wfm.forecast_created", obj=forecast, after={"model": forecast.model})
        emit(
            events.ForecastCreated(forecast_id=forecast.pk, channel=channel, model=forecast.model),
            subject=forecast,
            actor=actor,
        )
    return forecast


# --- staffing requirement ------------------------------------------------------------------------


def compute_requirement(
    *,
    actor: User | None,
    forecast: Forecast,
    target: float = 0.8,
    answer_time: int = 20,
    patience: int | None = None,
    shrinkage: float = 0.3,
    max_occupancy: float | None = None,
) -> StaffingRequirement:
    """Agents per interval (Erlang C, or A with ``patience``) and staff to schedule after shrinkage."""
    _require_manager(actor)
    errors: dict[str, str] = {}
    if not 0 < target < 1:
        errors["target"] = _("A fraction between 0 and 1, e.g. 0.8.")
    if answer_time < 0:
        errors["answer_time"] = _("Zero or more seconds.")
    if patience is not None and patience <= 0:
        errors["patience"] = _("More than zero seconds, or empty for no abandonment.")
    if not 0 <= shrinkage < 1:
        errors["shrinkage"] = _("A fraction from 0 up to (not including) 1.")
    if max_occupancy is not None and not 0 < max_occupancy <= 1:
        errors["max_occupancy"] = _("A fraction above 0 and up to 1.")
    if errors:
        raise ValidationError(errors)
    calls = np.asarray(forecast.values, dtype=np.float64)
    aht = np.maximum(np.asarray(forecast.handle_seconds, dtype=np.float64), 1.0)
    interval = forecast.interval_minutes * 60
    agents = erlang.required_agents(
        calls=calls,
        interval=interval,
        aht=aht,
        target=target,
        answer_time=answer_time,
        max_occupancy=max_occupancy,
        patience=patience,
    )
    m = erlang.metrics(
        agents=agents, calls=calls, interval=interval, aht=aht, answer_time=answer_time, patience=patience
    )
    scheduled = erlang.scheduled_staff(agents, shrinkage)
    with transaction.atomic():
        req = StaffingRequirement.objects.create(
            forecast=forecast,
            target=target,
            answer_time=answer_time,
            patience=patience,
            shrinkage=shrinkage,
            max_occupancy=max_occupancy,
            agents=[int(v) for v in agents],
            scheduled=[int(v) for v in scheduled],
            service_level=[round(float(v), 5) for v in m.service_level],
            created_by=actor,
            created_at=clock.now(),
        )
        audit.record(actor=actor, action="wfm.requirement_created", obj=req, after={"forecast": forecast.pk})
    return req


# --- shift templates and work rules ---------------------------------------------------------------


def save_shift_template(*, actor: User | None, template: ShiftTemplate | None = None, **fields: Any) -> ShiftTemplate:
    _require_manager(actor)
    obj = template or ShiftTemplate()
    for key, value in fields.items():
        setattr(obj, key, value)
    errors: dict[str, str] = {}
    if obj.start_latest < obj.start_earliest:
        errors["start_latest"] = _("The latest start cannot be before the earliest.")
    if not 30 <= (obj.length_minutes or 0) <= 16 * 60:
        errors["length_minutes"] = _("Between 30 minutes and 16 hours.")
    if not 5 <= (obj.start_step_minutes or 0) <= 24 * 60:
        errors["start_step_minutes"] = _("Between 5 minutes and a day.")
    for item in obj.breaks or []:
        if not (
            isinstance(item, dict)
            and {"length", "earliest", "latest"} <= set(item)
            and all(isinstance(item[k], int) and item[k] >= 0 for k in ("length", "earliest", "latest"))
            and item["earliest"] <= item["latest"]
            and item["latest"] + item["length"] <= (obj.length_minutes or 0)
        ):
            errors["breaks"] = _(
                "Each break needs whole minutes: length, earliest and latest start into the shift, inside it."
            )
            break
    if any(not isinstance(d, int) or not 0 <= d <= 6 for d in obj.weekdays or []):
        errors["weekdays"] = _("Weekdays are numbers from 0 (Monday) to 6 (Sunday).")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        created = obj.pk is None
        obj.save()
        audit.record(
            actor=actor, action="wfm.template_created" if created else "wfm.template_updated", obj=obj, after=fields
        )
    return obj


def save_work_rule(*, actor: User | None, agent: User, **fields: Any) -> AgentWorkRule:
    _require_manager(actor)
    rule, _created = AgentWorkRule.objects.get_or_create(agent=agent)
    for key, value in fields.items():
        setattr(rule, key, value)
    for slot in rule.availability or []:
        try:
            ok = 0 <= int(slot["weekday"]) <= 6 and time.fromisoformat(slot["start"]) < time.fromisoformat(slot["end"])
        except (KeyError, TypeError, ValueError):
            ok = False
        if not ok:
            raise ValidationError({"availability": _("Each entry needs weekday (0-6), start and end as HH:MM.")})
    with transaction.atomic():
        rule.save()
        audit.record(actor=actor, action="wfm.work_rule_saved", obj=rule, after=fields)
    return rule


# --- schedules -----------------------------------------------------------------------------------


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _series_on(
    values: Sequence[float], forecast: Forecast, start: datetime, slots: int, slot_minutes: int
) -> np.ndarray:
    """``values`` (aligned on ``forecast``) resampled on the schedule's slots (0 outside)."""
    out = np.zeros(slots)
    step = forecast.interval_minutes
    for s in range(slots):
        at = start + timedelta(minutes=s * slot_minutes)
        idx = int((at - forecast.start).total_seconds() // (step * 60))
        if 0 <= idx < len(values):
            out[s] = values[idx]
    return out


def create_schedule(
    *,
    actor: User | None,
    requirements: Sequence[StaffingRequirement],
    start: datetime,
    days: int = 7,
    name: str = "",
    agents: Sequence[User] | None = None,
    templates: Sequence[ShiftTemplate] | None = None,
    min_rest_minutes: int = 11 * 60,
    time_limit: float = 10.0,
) -> Schedule:
    """Shifts covering the requirements (one skill per channel) with CP-SAT; stores coverage per slot."""
    _require_manager(actor)
    errors: dict[str, str] = {}
    if not requirements:
        errors["requirements"] = _("Choose at least one staffing requirement.")
    if len({r.forecast.interval_minutes for r in requirements}) > 1:
        errors["requirements"] = _("The requirements must use the same interval.")
    if not 1 <= days <= 14:
        errors["days"] = _("Between 1 and 14 days.")
    if not 0 < time_limit <= 120:
        errors["time_limit"] = _("Between 1 and 120 seconds.")
    if not 0 <= min_rest_minutes <= 24 * 60:
        errors["min_rest_minutes"] = _("Between 0 and 24 hours.")
    templates = list(templates if templates is not None else ShiftTemplate.objects.filter(is_active=True))
    if not templates:
        errors["templates"] = _("Create a shift template first.")
    if errors:
        raise ValidationError(errors)
    slot = requirements[0].forecast.interval_minutes
    slots = days * 24 * 60 // slot
    channels = [r.forecast.channel for r in requirements]
    need = np.stack([_series_on(r.scheduled, r.forecast, start, slots, slot) for r in requirements]).astype(np.int64)
    demand = [_series_on(r.forecast.values, r.forecast, start, slots, slot).round(4).tolist() for r in requirements]
    aht = [
        _series_on(r.forecast.handle_seconds, r.forecast, start, slots, slot).round(2).tolist() for r in requirements
    ]
    staff = list(agents if agents is not None else selectors.schedulable_agents())
    rules = {r.agent_id: r for r in AgentWorkRule.objects.filter(agent__in=staff)}
    zone = selectors.desk_zone()
    first_weekday = start.astimezone(zone).weekday()
    specs: list[sc.AgentSpec] = []
    for user in staff:
        rule = rules.get(user.pk)
        skills = tuple(
            k for k, ch in enumerate(channels) if rule is None or not rule.channels or not ch or ch in rule.channels
        )
        available = None
        if rule is not None and rule.availability:
            windows = []
            for day in range(days):
                weekday = (first_weekday + day) % 7
                for a in rule.availability:
                    if int(a["weekday"]) == weekday:
                        base = day * 24 * 60
                        windows.append(
                            (
                                base + _minutes(time.fromisoformat(a["start"])),
                                base + _minutes(time.fromisoformat(a["end"])),
                            )
                        )
            available = tuple(windows)
        specs.append(
            sc.AgentSpec(
                id=user.pk,
                skills=skills,
                available=available,
                max_minutes=rule.max_minutes_per_week if rule else 40 * 60,
                max_days=rule.max_days_per_week if rule else 5,
            )
        )
    tpls = [
        sc.ShiftTemplate(
            name=t.name,
            start_earliest=_minutes(t.start_earliest),
            start_latest=_minutes(t.start_latest),
            length=t.length_minutes,
            start_step=t.start_step_minutes,
            breaks=tuple(
                sc.BreakRule(int(b["length"]), int(b["earliest"]), int(b["latest"]), bool(b.get("paid", True)))
                for b in t.breaks
            ),
            weekdays=tuple(t.weekdays) if t.weekdays else (0, 1, 2, 3, 4, 5, 6),
        )
        for t in templates
    ]
    solved = sc.solve_schedule(
        requirement=need,
        slot_minutes=slot,
        agents=specs,
        templates=tpls,
        first_weekday=first_weekday,
        min_rest_minutes=min_rest_minutes,
        time_limit=time_limit,
    )
    with transaction.atomic():
        schedule = Schedule.objects.create(
            name=name or _("Schedule from %(date)s") % {"date": start.astimezone(zone).date().isoformat()},
            start=start,
            days=days,
            slot_minutes=slot,
            channels=channels,
            required=need.tolist(),
            coverage=solved.coverage.tolist(),
            inputs={
                "demand": demand,
                "aht": aht,
                "answer_time": [r.answer_time for r in requirements],
                "target": [r.target for r in requirements],
                "patience": [r.patience for r in requirements],
                "requirements": [r.pk for r in requirements],
            },
            status=solved.status,
            paid_hours=round(solved.paid_minutes / 60, 2),
            solver_seconds=round(solved.wall_seconds, 3),
            min_rest_minutes=min_rest_minutes,
            created_by=actor,
            created_at=clock.now(),
        )
        ScheduledShift.objects.bulk_create(
            [
                ScheduledShift(
                    schedule=schedule,
                    agent_id=a.agent_id,
                    template=a.template,
                    channel=channels[a.skill],
                    starts_at=start + timedelta(minutes=a.start),
                    ends_at=start + timedelta(minutes=a.end),
                    breaks=[
                        [(start + timedelta(minutes=b0)).isoformat(), (start + timedelta(minutes=b1)).isoformat()]
                        for b0, b1 in a.breaks
                    ],
                )
                for a in solved.assignments
            ]
        )
        audit.record(
            actor=actor,
            action="wfm.schedule_created",
            obj=schedule,
            after={"status": solved.status, "paid_hours": schedule.paid_hours},
        )
        emit(
            events.ScheduleCreated(
                schedule_id=schedule.pk, start=start.isoformat(), days=days, shifts=len(solved.assignments)
            ),
            subject=schedule,
            actor=actor,
        )
    return schedule


# --- simulation and drills -------------------------------------------------------------------------


def _plan_model(schedule: Schedule) -> dict[str, Any]:
    """The schedule as the simulator sees it: demand/handle per channel and slot, worked segments."""
    inputs = schedule.inputs or {}
    demand = np.asarray(inputs.get("demand") or [[0.0] * (schedule.days * 24 * 60 // schedule.slot_minutes)], float)
    aht = np.asarray(inputs.get("aht") or np.full_like(demand, 300.0), float)
    channels = list(schedule.channels) or [""]
    segments: list[tuple[float, float, int, int]] = []  # start s, end s, mask, agent
    for shift in schedule.shifts.all():
        k = channels.index(shift.channel) if shift.channel in channels else 0
        t0 = (shift.starts_at - schedule.start).total_seconds()
        t1 = (shift.ends_at - schedule.start).total_seconds()
        cursor = t0
        for b0, b1 in sorted(shift.breaks):
            bs = (datetime.fromisoformat(b0) - schedule.start).total_seconds()
            be = (datetime.fromisoformat(b1) - schedule.start).total_seconds()
            if bs > cursor:
                segments.append((cursor, bs, 1 << k, shift.agent_id))
            cursor = max(cursor, be)
        if cursor < t1:
            segments.append((cursor, t1, 1 << k, shift.agent_id))
    patience = [p for p in inputs.get("patience") or [None] * len(channels)]
    answer = [float(a) for a in inputs.get("answer_time") or [20.0] * len(channels)]
    return {"demand": demand, "aht": np.maximum(aht, 1.0), "segments": segments, "patience": patience, "answer": answer}


def _apply_scenario(
    plan: dict[str, Any], scenario: str, params: dict[str, Any], slot_minutes: int, seed: int
) -> dict[str, Any]:
    demand = plan["demand"].copy()
    segments = list(plan["segments"])
    rng = np.random.default_rng(seed)

    def drop_staff(fraction: float) -> list[tuple[float, float, int, int]]:
        staff = sorted({s[3] for s in segments})
        gone = set(rng.permutation(staff)[: math.ceil(len(staff) * fraction)].tolist()) if staff else set()
        return [s for s in segments if s[3] not in gone]

    if scenario == Scenario.SITE_DOWN:
        segments = drop_staff(float(params.get("staff_fraction", 0.5)))
    elif scenario == Scenario.HOLIDAY:
        demand = demand * float(params.get("demand_factor", 0.4))
        segments = drop_staff(float(params.get("staff_fraction", 0.5)))
    elif scenario == Scenario.DEMAND_SPIKE:
        per_hour = 60 // slot_minutes if slot_minutes <= 60 else 1
        a = int(params.get("from_hour", 0)) * per_hour
        b = a + int(params.get("hours", 24)) * per_hour
        demand[:, a:b] *= float(params.get("factor", 3.0))
    elif scenario == Scenario.CHANNEL_DOWN:
        channels = plan["channels"]
        down = params.get("channel", channels[0] if channels else "")
        if down in channels:
            k = channels.index(down)
            moved = demand[k] * float(params.get("share", 0.7))
            others = [i for i in range(len(channels)) if i != k]
            target = params.get("moves_to")
            if target in channels and target != down:
                demand[channels.index(target)] += moved
            elif others:
                for i in others:
                    demand[i] += moved / len(others)
            demand[k] = 0.0
    return {**plan, "demand": demand, "segments": segments}


def _simulate_plan(
    plan: dict[str, Any],
    *,
    slot_minutes: int,
    replications: int,
    strategy: str,
    seed: int,
    overflow: Sequence[sim.Overflow] = (),
) -> sim.SimulationResult:
    demand, aht = plan["demand"], plan["aht"]
    n_skills = demand.shape[0]
    interval = slot_minutes * 60.0
    segs = plan["segments"]
    servers = (
        sim.Servers.from_segments([(a, b, m) for a, b, m, _agent in segs])
        if segs
        else sim.Servers(np.zeros(0), np.zeros(0), np.zeros(0, np.int64))
    )

    history = plan.get("history")

    def factory(rng: np.random.Generator) -> sim.Contacts:
        if history is not None:  # replayed arrival times; handle time and patience drawn per replication
            times, skills = history
            slots = np.clip((times // interval).astype(np.int64), 0, demand.shape[1] - 1)
            handle = rng.exponential(1.0, times.size) * aht[skills, slots]
            pat = np.array([plan["patience"][k] or np.inf for k in skills.tolist()], dtype=np.float64)
            pat = np.where(
                np.isfinite(pat), rng.exponential(1.0, times.size) * np.where(np.isfinite(pat), pat, 1.0), np.inf
            )
            return sim.Contacts(times, skills, handle, pat)
        parts = []
        for k in range(n_skills):
            c = sim.generate_contacts(
                rates=demand[k], interval=interval, aht=aht[k], patience=plan["patience"][k], rng=rng
            )
            parts.append(sim.Contacts(c.times, np.full(len(c), k, np.int64), c.handle, c.patience))
        return sim.merge_contacts(parts)

    return sim.simulate(
        rates=demand.sum(axis=0),
        interval=interval,
        aht=300.0,
        servers=servers,
        answer_time=min(plan["answer"]),
        sla_targets=plan["answer"],
        strategy=strategy,
        overflow=overflow,
        replications=replications,
        seed=seed,
        contacts_factory=factory,
        n_skills=n_skills,
        skill_shares=[1.0] * n_skills,
    )


def _history_arrivals(schedule: Schedule) -> tuple[np.ndarray, np.ndarray]:
    """Tickets of the week before the schedule, shifted one week: (seconds from the start, channel index)."""
    week = timedelta(days=7)
    channels = list(schedule.channels) or [""]
    times: list[float] = []
    skills: list[int] = []
    for k, channel in enumerate(channels):
        created, _replies = selectors.ticket_arrivals(
            start=schedule.start - week, end=schedule.end - week, channel=channel
        )
        times.extend((created - (schedule.start - week).timestamp()).tolist())
        skills.extend([k] * created.size)
    order = np.argsort(np.asarray(times), kind="stable")
    return np.asarray(times, dtype=np.float64)[order], np.asarray(skills, dtype=np.int64)[order]


def simulate_schedule(
    *,
    actor: User | None,
    schedule: Schedule,
    replications: int = 10,
    strategy: str = Strategy.LONGEST_IDLE,
    seed: int = 1,
    arrivals: str = "forecast",
) -> SimulationRun:
    """Simulate the plan against the scheduled shifts.

    ``arrivals="forecast"``: Poisson arrivals at the forecast rate per channel and slot.
    ``arrivals="history"``: the tickets that actually arrived one week earlier, replayed at
    the same times of the week (per channel), e.g. to check the plan against last week.
    """
    _require_manager(actor)
    if not 1 <= replications <= 100:
        raise ValidationError({"replications": _("Between 1 and 100 replications.")})
    if strategy not in Strategy.values:
        raise ValidationError({"strategy": _("Unknown routing strategy.")})
    if arrivals not in ("forecast", "history"):
        raise ValidationError({"arrivals": _("Use forecast or history.")})
    plan = _plan_model(schedule)
    if arrivals == "history":
        plan["history"] = _history_arrivals(schedule)
    result = _simulate_plan(
        plan, slot_minutes=schedule.slot_minutes, replications=replications, strategy=strategy, seed=seed
    )
    with transaction.atomic():
        run = SimulationRun.objects.create(
            kind=RunKind.PLAN,
            schedule=schedule,
            strategy=strategy,
            replications=replications,
            parameters={"seed": seed, "arrivals": arrivals},
            result=_clean(result.as_dict()),
            created_by=actor,
            created_at=clock.now(),
        )
        audit.record(actor=actor, action="wfm.simulation_run", obj=run, after={"schedule": schedule.pk})
    return run


def create_drill(
    *, actor: User | None, schedule: Schedule, name: str, scenario: str, parameters: dict[str, Any] | None = None
) -> Drill:
    _require_manager(actor)
    params = dict(parameters or {})
    errors: dict[str, str] = {}
    if scenario not in Scenario.values:
        errors["scenario"] = _("Unknown scenario.")
    if not name.strip():
        errors["name"] = _("Give the drill a name.")
    for key in ("staff_fraction", "demand_factor", "share"):
        if key in params and not (isinstance(params[key], int | float) and 0 <= params[key] <= 1):
            errors["parameters"] = _("%(name)s must be a fraction between 0 and 1.") % {"name": key}
    if "factor" in params and not (isinstance(params["factor"], int | float) and 0 < params["factor"] <= 20):
        errors["parameters"] = _("factor must be above 0 and at most 20.")
    if scenario == Scenario.CHANNEL_DOWN and params.get("channel") not in (schedule.channels or []):
        errors["parameters"] = _("channel must be one of the schedule's channels: %(list)s.") % {
            "list": ", ".join(c or "*" for c in schedule.channels)
        }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        drill = Drill.objects.create(
            name=name.strip(),
            scenario=scenario,
            schedule=schedule,
            parameters=params,
            created_by=actor,
            created_at=clock.now(),
        )
        audit.record(actor=actor, action="wfm.drill_created", obj=drill, after={"scenario": scenario, **params})
    return drill


def run_drill(
    *,
    actor: User | None,
    drill: Drill,
    replications: int = 10,
    strategy: str = Strategy.LONGEST_IDLE,
    seed: int = 1,
) -> SimulationRun:
    """Run the drill and the plan with the same random numbers; then each active overflow rule under the drill."""
    _require_manager(actor)
    if not 1 <= replications <= 100:
        raise ValidationError({"replications": _("Between 1 and 100 replications.")})
    schedule = drill.schedule
    plan = _plan_model(schedule)
    plan["channels"] = list(schedule.channels)
    kwargs = {"slot_minutes": schedule.slot_minutes, "replications": replications, "strategy": strategy, "seed": seed}
    baseline = _simulate_plan(plan, **kwargs)  # type: ignore[arg-type]
    drilled = _apply_scenario(plan, drill.scenario, drill.parameters or {}, schedule.slot_minutes, seed)
    result = _simulate_plan(drilled, **kwargs)  # type: ignore[arg-type]
    n_skills = plan["demand"].shape[0]
    evaluations = []
    for rule in selectors.overflow_rules():
        kind = rule["condition"]
        if kind not in sim.OVERFLOW_KINDS:
            continue
        threshold = float(rule["threshold"]) * (60.0 if kind == "oldest_wait" else 1.0)  # oldest wait is in minutes
        rules = [sim.Overflow(skill=k, kind=kind, threshold=threshold, target=None) for k in range(n_skills)]
        with_rule = _simulate_plan(drilled, overflow=rules, **kwargs)  # type: ignore[arg-type]
        evaluations.append(
            {
                **rule,
                "diverted_rate": with_rule.diverted_rate.mean,
                "service_level": with_rule.service_level.mean,
                "abandon_rate": with_rule.abandon_rate.mean,
                "asa": with_rule.asa.mean,
            }
        )
    with transaction.atomic():
        run = SimulationRun.objects.create(
            kind=RunKind.DRILL,
            schedule=schedule,
            drill=drill,
            strategy=strategy,
            replications=replications,
            parameters={"seed": seed, "scenario": drill.scenario, **(drill.parameters or {})},
            result=_clean(result.as_dict()),
            baseline=_clean(baseline.as_dict()),
            overflow=_clean(evaluations),
            created_by=actor,
            created_at=clock.now(),
        )
        audit.record(actor=actor, action="wfm.drill_run", obj=run, after={"drill": drill.pk})
        emit(
            events.DrillCompleted(
                drill_id=drill.pk,
                run_id=run.pk,
                scenario=drill.scenario,
                service_level=_none_if_nan(result.service_level.mean),
                plan_service_level=_none_if_nan(baseline.service_level.mean),
            ),
            subject=run,
            actor=actor,
        )
    return run


def _none_if_nan(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else round(float(value), 6)


def _clean(value: Any) -> Any:
    """JSON-safe: NaN/inf → None, numpy scalars → Python."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if not math.isfinite(value) else round(value, 6)
    return value
