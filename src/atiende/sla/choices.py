"""Choices of the SLA app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TargetKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")
    PERIODIC_UPDATE = "periodic_update", _("Periodic update")


class TargetState(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")


# Keys a policy condition may use (all given keys must match; within a key, any value).
CONDITION_KEYS = ("priority", "category", "organization", "channel", "tags")
