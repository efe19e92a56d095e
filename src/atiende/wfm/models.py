"""Workforce-management data: forecasts, staffing requirements, shift templates, schedules,
drills and simulation runs. Series are stored as JSON arrays aligned on ``start`` and
``interval_minutes`` (one value per interval), which is how every consumer reads them."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from atiende.wfm.choices import IntervalMinutes, RunKind, Scenario, Strategy


class Forecast(models.Model):
    """Contacts per interval for one channel (or all), with the backtest that chose the model."""

    channel = models.CharField(_("channel"), max_length=20, blank=True, help_text=_("Empty: every channel."))
    interval_minutes = models.PositiveSmallIntegerField(_("interval"), choices=IntervalMinutes.choices)
    start = models.DateTimeField(_("first forecast interval"))
    values = models.JSONField(_("forecast contacts per interval"), default=list)
    handle_seconds = models.JSONField(_("forecast handle time per interval (seconds)"), default=list)
    history_start = models.DateTimeField(_("history start"))
    history = models.JSONField(_("history contacts per interval"), default=list)
    model = models.CharField(_("model"), max_length=30)
    backtests = models.JSONField(_("backtests"), default=list)
    holiday_factor = models.FloatField(_("holiday factor"), default=1.0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("forecast")
        verbose_name_plural = _("forecasts")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.channel or '*'} {self.start:%Y-%m-%d} ({self.model})"

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.interval_minutes * len(self.values))


class ForecastEvent(models.Model):
    """A known event (campaign, outage, launch): multiply the forecast in a window."""

    name = models.CharField(_("name"), max_length=100)
    channel = models.CharField(_("channel"), max_length=20, blank=True, help_text=_("Empty: every channel."))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    factor = models.FloatField(_("factor"), validators=[MinValueValidator(0.0), MaxValueValidator(100.0)])

    class Meta:
        verbose_name = _("forecast event")
        verbose_name_plural = _("forecast events")
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return self.name


class StaffingRequirement(models.Model):
    """Agents required per interval of a forecast (Erlang C, or A with patience) and staff to schedule."""

    forecast = models.ForeignKey(Forecast, on_delete=models.CASCADE, related_name="requirements")
    target = models.FloatField(_("service-level target"))
    answer_time = models.PositiveIntegerField(_("answer time (seconds)"))
    patience = models.PositiveIntegerField(_("mean patience (seconds)"), null=True, blank=True)
    shrinkage = models.FloatField(_("shrinkage"), default=0.3)
    max_occupancy = models.FloatField(_("maximum occupancy"), null=True, blank=True)
    agents = models.JSONField(_("agents required per interval"), default=list)
    scheduled = models.JSONField(_("staff to schedule per interval"), default=list)
    service_level = models.JSONField(_("service level per interval"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("staffing requirement")
        verbose_name_plural = _("staffing requirements")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.forecast} {self.target:.0%}/{self.answer_time}s"


class ShiftTemplate(models.Model):
    """A kind of shift: start window, length, breaks and lunch (each with its own window)."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    start_earliest = models.TimeField(_("earliest start"))
    start_latest = models.TimeField(_("latest start"))
    start_step_minutes = models.PositiveSmallIntegerField(_("start every (minutes)"), default=30)
    length_minutes = models.PositiveSmallIntegerField(_("length (minutes)"))
    # [{"length": 30, "earliest": 180, "latest": 300, "paid": false}, ...] minutes into the shift
    breaks = models.JSONField(_("breaks"), default=list, blank=True)
    weekdays = models.JSONField(_("weekdays"), default=list, blank=True, help_text=_("0 = Monday; empty: every day."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("shift template")
        verbose_name_plural = _("shift templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AgentWorkRule(models.Model):
    """What the scheduler may give one agent: channels, availability, weekly limits."""

    agent = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wfm_rule")
    channels = models.JSONField(_("channels"), default=list, blank=True, help_text=_("Empty: every channel."))
    # [{"weekday": 0, "start": "08:00", "end": "17:00"}, ...]; empty: always available
    availability = models.JSONField(_("availability"), default=list, blank=True)
    max_minutes_per_week = models.PositiveIntegerField(_("maximum minutes per week"), default=40 * 60)
    max_days_per_week = models.PositiveSmallIntegerField(_("maximum days per week"), default=5)

    class Meta:
        verbose_name = _("agent work rule")
        verbose_name_plural = _("agent work rules")

    def __str__(self) -> str:
        return str(self.agent)


class Schedule(models.Model):
    """Shifts for a horizon, and the coverage they give against the requirement."""

    name = models.CharField(_("name"), max_length=100)
    start = models.DateTimeField(_("starts at"))
    days = models.PositiveSmallIntegerField(_("days"))
    slot_minutes = models.PositiveSmallIntegerField(_("slot"), choices=IntervalMinutes.choices)
    channels = models.JSONField(_("channels"), default=list)
    required = models.JSONField(_("required per channel and slot"), default=list)
    coverage = models.JSONField(_("coverage per channel and slot"), default=list)
    # What the plan was made for, per channel: {"demand": [[...]], "aht": [[...]], "answer_time": [...],
    # "target": [...], "patience": [... or null]} — the simulation and the drills replay it.
    inputs = models.JSONField(_("plan inputs"), default=dict)
    status = models.CharField(_("solver status"), max_length=20)
    paid_hours = models.FloatField(_("paid hours"), default=0)
    solver_seconds = models.FloatField(_("solver seconds"), default=0)
    min_rest_minutes = models.PositiveIntegerField(_("minimum rest (minutes)"), default=11 * 60)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")
        ordering = ["-start", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=self.days)


class ScheduledShift(models.Model):
    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="shifts")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wfm_shifts")
    template = models.CharField(_("template"), max_length=60)
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    breaks = models.JSONField(_("breaks"), default=list)  # [[ISO start, ISO end], ...]

    class Meta:
        verbose_name = _("scheduled shift")
        verbose_name_plural = _("scheduled shifts")
        ordering = ["starts_at", "agent_id"]
        indexes = [models.Index(fields=["agent", "starts_at"], name="wfm_shift_agent_idx")]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.starts_at:%Y-%m-%d %H:%M}"


class Drill(models.Model):
    """A named contingency scenario to run against a schedule."""

    name = models.CharField(_("name"), max_length=100)
    scenario = models.CharField(_("scenario"), max_length=20, choices=Scenario.choices)
    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="drills")
    # site_down: {"staff_fraction": 0.5}; channel_down: {"channel": "phone", "moves_to": "email", "share": 0.7};
    # demand_spike: {"factor": 3, "from_hour": 0, "hours": 24}; holiday: {"demand_factor": 0.4, "staff_fraction": 0.5}
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("drill")
        verbose_name_plural = _("drills")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class SimulationRun(models.Model):
    """A simulation of a schedule (the plan) or of a drill against it, with the plan to compare."""

    kind = models.CharField(_("kind"), max_length=10, choices=RunKind.choices)
    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="runs")
    drill = models.ForeignKey(Drill, null=True, blank=True, on_delete=models.CASCADE, related_name="runs")
    strategy = models.CharField(_("routing strategy"), max_length=20, choices=Strategy.choices)
    replications = models.PositiveSmallIntegerField(_("replications"))
    parameters = models.JSONField(_("parameters"), default=dict)
    result = models.JSONField(_("result"), default=dict)
    baseline = models.JSONField(_("plan result"), default=dict, blank=True)
    overflow = models.JSONField(_("overflow rules under the drill"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("simulation run")
        verbose_name_plural = _("simulation runs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"
