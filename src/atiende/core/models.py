"""Infrastructure tables: the event outbox, deliveries, sequences and scheduler state."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), db_index=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        abstract = True


class OutboxEvent(models.Model):
    """One domain event, written in the same transaction as the change it describes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(_("type"), max_length=100, db_index=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    subject_type = models.CharField(_("subject type"), max_length=100, blank=True)
    subject_id = models.CharField(_("subject id"), max_length=64, blank=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    payload = models.JSONField(_("payload"), default=dict)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    cause = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="effects")
    depth = models.PositiveSmallIntegerField(_("depth"), default=0)
    created_at = models.DateTimeField(_("created at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "created_at"], name="outbox_subject_idx"),
            models.Index(
                fields=["created_at"],
                name="outbox_pending_idx",
                condition=models.Q(delivered_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.subject_type}:{self.subject_id}"


class EventDelivery(models.Model):
    """Proof that one subscriber handled one event; unique, so a second delivery fails."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.CharField(_("subscriber"), max_length=150)
    delivered_at = models.DateTimeField(_("delivered at"))

    class Meta:
        verbose_name = _("event delivery")
        verbose_name_plural = _("event deliveries")
        constraints = [
            models.UniqueConstraint(fields=["event", "subscriber"], name="event_delivery_once"),
        ]

    def __str__(self) -> str:
        return f"{self.subscriber} ← {self.event_id}"


class Sequence(models.Model):
    """Named counters (ticket numbers); incremented with one UPDATE … RETURNING."""

    name = models.CharField(max_length=50, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("sequence")
        verbose_name_plural = _("sequences")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class SchedulerLease(models.Model):
    """Leadership lease: only the holder of an unexpired lease schedules jobs."""

    name = models.CharField(max_length=50, primary_key=True)
    holder = models.CharField(max_length=100)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("scheduler lease")
        verbose_name_plural = _("scheduler leases")

    def __str__(self) -> str:
        return f"{self.name}: {self.holder}"


class PeriodicJobState(models.Model):
    """When each periodic job is next due; claimed with a conditional UPDATE."""

    name = models.CharField(max_length=150, primary_key=True)
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_run_by = models.CharField(max_length=100, blank=True)
    run_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")

    def __str__(self) -> str:
        return self.name
