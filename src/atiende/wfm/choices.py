"""Choices of the wfm app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class IntervalMinutes(models.IntegerChoices):
    QUARTER = 15, _("15 minutes")
    HALF = 30, _("30 minutes")
    HOUR = 60, _("1 hour")


class Scenario(models.TextChoices):
    SITE_DOWN = "site_down", _("Site down (half the staff gone)")
    CHANNEL_DOWN = "channel_down", _("Channel down (its contacts move to the others)")
    DEMAND_SPIKE = "demand_spike", _("Demand spike")
    HOLIDAY = "holiday", _("Holiday")


class RunKind(models.TextChoices):
    PLAN = "plan", _("Plan")
    DRILL = "drill", _("Drill")


class Strategy(models.TextChoices):
    LONGEST_IDLE = "longest_idle", _("Longest idle agent")
    PRIORITY = "priority", _("Agents in a fixed order")


class PlannedState(models.TextChoices):
    WORKING = "working", _("Working")
    BREAK = "break", _("On a break")
    OFF = "off", _("Off")
