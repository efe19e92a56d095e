"""SLA policies, business calendars and holidays, and the SLA applied to each ticket.

Written only through :mod:`atiende.sla.services`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from atiende.sla.choices import TargetKind, TargetState
from atiende.tickets.models import Ticket


class Calendar(models.Model):
    """Opening hours in a time zone, with holidays (a country's from ``holidays`` plus custom dates).

    ``weekly`` maps weekday ("0" = Monday … "6") to ranges ``[["09:00", "14:00"], ["15:00", "18:00"]]``;
    an end of "00:00" or "24:00" means midnight. ``always_open`` makes it 24/7 (hours and holidays ignored).
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    weekly = models.JSONField(_("opening hours"), default=dict, blank=True)
    always_open = models.BooleanField(_("open 24/7"), default=False)
    holiday_country = models.CharField(_("holidays of country"), max_length=2, blank=True)
    holiday_subdivision = models.CharField(_("holidays of subdivision"), max_length=10, blank=True)
    is_default = models.BooleanField(_("default calendar"), default=False)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="sla_calendar_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Holiday(models.Model):
    """A custom closed date of a calendar (on top of the country's public holidays)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="sla_holiday_unique_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()


class Policy(models.Model):
    """Targets per priority, chosen for a ticket by ``conditions`` in ``position`` order.

    ``conditions``: ``{"priority": ["urgent"], "category": [ids], "organization": [ids],
    "channel": ["email"], "tags": ["vip"]}`` — every key given must match (any of its values).
    ``targets``: ``{"urgent": {"first_response": 3600, "resolution": 14400, "periodic_update": 7200}, …}``
    in business seconds. ``pause_statuses``: ticket statuses that stop the clock.
    The fallback policy applies when no other matches.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    is_fallback = models.BooleanField(_("fallback"), default=False)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    targets = models.JSONField(_("targets"), default=dict, blank=True)
    pause_statuses = models.JSONField(_("statuses that pause the clock"), default=list, blank=True)
    warning_percent = models.PositiveSmallIntegerField(_("warning at percent elapsed"), default=80)
    calendar = models.ForeignKey(
        Calendar,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policies",
        verbose_name=_("calendar"),
        help_text=_("Empty: the default calendar."),
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["is_fallback", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_fallback"], condition=models.Q(is_fallback=True), name="sla_policy_one_fallback"
            )
        ]

    def __str__(self) -> str:
        return self.name


class AppliedSla(models.Model):
    """The policy applied to one ticket and its nearest deadline (details in :class:`SlaTarget`)."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="applied_sla")
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="applied")
    state = models.CharField(_("state"), max_length=10, choices=TargetState.choices, default=TargetState.ACTIVE)
    next_deadline = models.DateTimeField(_("next deadline"), null=True, blank=True)
    breached = models.BooleanField(_("breached"), default=False)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("applied SLA")
        verbose_name_plural = _("applied SLAs")
        indexes = [models.Index(fields=["next_deadline"], name="sla_applied_next_deadline_idx")]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.policy_id}"


class SlaTarget(models.Model):
    """One target of a ticket's SLA in its current cycle.

    ``next_due`` is the next instant the sweep has something to do (send the warning or the breach)
    and is NULL otherwise, so the sweep reads only ``next_due <= now`` through its index.
    ``warned_at`` / ``breached_at`` are the claims: set once per cycle by a conditional UPDATE.
    """

    applied = models.ForeignKey(AppliedSla, on_delete=models.CASCADE, related_name="targets")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="+")
    target = models.CharField(_("target"), max_length=20, choices=TargetKind.choices)
    goal_seconds = models.PositiveIntegerField(_("goal (business seconds)"))
    cycle_start = models.DateTimeField(_("clock started at"))
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    warning_at = models.DateTimeField(_("warning at"), null=True, blank=True)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=TargetState.choices, default=TargetState.ACTIVE)
    remaining_seconds = models.FloatField(_("remaining business seconds"), null=True, blank=True)
    next_due = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breach recorded at"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["applied", "target"]
        constraints = [models.UniqueConstraint(fields=["applied", "target"], name="sla_target_unique")]
        indexes = [
            models.Index(
                fields=["next_due"], name="sla_target_next_due_idx", condition=models.Q(next_due__isnull=False)
            ),
            models.Index(fields=["ticket", "target"], name="sla_target_ticket_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.target}"
