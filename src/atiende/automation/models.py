"""Rules and their runs, macros and canned responses, notifications, outbound webhooks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from atiende.accounts.models import Organization, Team
from atiende.automation.choices import CustomerNotice, DeliveryStatus, NotificationKind, RuleKind
from atiende.contacts.models import Contact
from atiende.tickets.models import Ticket


class Rule(models.Model):
    """A trigger (on events) or a time-based rule: a condition and a list of actions.

    ``condition`` is the JSON of :mod:`atiende.core.conditions`; ``actions`` a list of
    ``{"type": ..., ...}`` from :mod:`atiende.automation.actions`. Triggers run in
    ``position`` order; ``stop_processing`` ends the run for that event after a match.
    """

    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=RuleKind.choices, default=RuleKind.TRIGGER)
    events = models.JSONField(_("events"), default=list, blank=True)
    condition = models.JSONField(_("condition"), default=dict, blank=True)
    actions = models.JSONField(_("actions"), default=list)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    stop_processing = models.BooleanField(_("stop after this rule"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["kind", "position", "id"]
        indexes = [models.Index(fields=["kind", "is_active", "position"], name="automation_rule_active_idx")]

    def __str__(self) -> str:
        return self.name


class RuleRun(models.Model):
    """One evaluation of a rule on a ticket: matched or not, what it did, what failed."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="runs", verbose_name=_("rule"))
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("ticket")
    )
    event_id = models.UUIDField(_("event"), null=True, blank=True)
    event_type = models.CharField(_("event type"), max_length=100, blank=True)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0)
    matched = models.BooleanField(_("matched"))
    actions = models.JSONField(_("actions taken"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("rule run")
        verbose_name_plural = _("rule runs")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["rule", "at"], name="automation_run_rule_idx"),
            models.Index(fields=["ticket", "at"], name="automation_run_ticket_idx"),
            models.Index(fields=["at"], name="automation_run_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} on {self.ticket_id}: {'matched' if self.matched else 'no match'}"


class TimeRuleFiring(models.Model):
    """A time-based rule acted on a ticket. Open (``closed_at`` empty) while the ticket keeps
    matching: one open row per rule and ticket, so the rule acts once per condition window."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="firings")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    fired_at = models.DateTimeField(_("fired at"))
    closed_at = models.DateTimeField(_("window closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("time rule firing")
        verbose_name_plural = _("time rule firings")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "ticket"],
                condition=models.Q(closed_at__isnull=True),
                name="automation_firing_once_per_window",
            )
        ]
        indexes = [models.Index(fields=["rule", "closed_at"], name="automation_firing_open_idx")]

    def __str__(self) -> str:
        return f"{self.rule_id}→{self.ticket_id} at {self.fired_at:%Y-%m-%d %H:%M}"


class Macro(models.Model):
    """A named bundle of actions plus an optional reply text with placeholders."""

    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    actions = models.JSONField(_("actions"), default=list, blank=True)
    reply = models.TextField(_("reply text"), blank=True)
    reply_internal = models.BooleanField(_("add the text as an internal note"), default=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("personal to"),
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("shared with team")
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        ordering = ["position", "name", "id"]

    def __str__(self) -> str:
        return self.name


class CannedResponse(models.Model):
    """A reusable reply text: personal (``owner``) or shared, per language ("" = any)."""

    title = models.CharField(_("title"), max_length=150)
    body = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=8, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("personal to"),
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("shared with team")
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class Notification(models.Model):
    """An in-app notification for one user (the bell in the top bar)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices, default=NotificationKind.RULE)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("ticket")
    )
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "created_at"], name="automation_notif_unread_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationTemplate(models.Model):
    """What a customer is told on a ticket event, per language; the most specific
    (inbox and organization) enabled template wins, and ``is_enabled=False`` turns the
    notice off for that scope."""

    notice = models.CharField(_("notice"), max_length=20, choices=CustomerNotice.choices)
    language = models.CharField(_("language"), max_length=8)
    inbox = models.ForeignKey(
        "atiende_channels.Inbox",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("inbox"),
    )
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organization"),
    )
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"), blank=True)
    is_enabled = models.BooleanField(_("send this notice"), default=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        ordering = ["notice", "language", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "language", "inbox", "organization"],
                name="automation_template_unique_scope",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.notice} ({self.language})"


class CustomerOptOut(models.Model):
    """A contact who asked not to receive one kind of notice."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+", verbose_name=_("contact"))
    notice = models.CharField(_("notice"), max_length=20, choices=CustomerNotice.choices)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("notification opt-out")
        verbose_name_plural = _("notification opt-outs")
        constraints = [models.UniqueConstraint(fields=["contact", "notice"], name="automation_optout_unique")]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.notice}"


class CustomerNoticeSent(models.Model):
    """Proof a notice went out for one event (never twice for the same event)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    notice = models.CharField(max_length=20, choices=CustomerNotice.choices)
    event_id = models.UUIDField()
    outbound_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("customer notice sent")
        verbose_name_plural = _("customer notices sent")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "notice", "event_id"], name="automation_notice_once"),
        ]

    def __str__(self) -> str:
        return f"{self.notice} #{self.ticket_id}"


class WebhookSubscription(models.Model):
    """An outbound webhook: events (``"*"`` for all) with an optional condition, to one URL."""

    name = models.CharField(_("name"), max_length=150)
    url = models.URLField(_("URL"), max_length=1000)
    event_types = models.JSONField(_("event types"), default=list)
    condition = models.JSONField(_("condition"), default=dict, blank=True)
    secret_encrypted = models.TextField(_("signing secret (encrypted)"))
    is_active = models.BooleanField(_("active"), default=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(_("why it was disabled"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one subscription, with every attempt's outcome.

    ``idempotency_key`` is fixed when the row is created: every retry — including one
    after a worker died mid-request — sends the same key, so receivers can dedupe.
    """

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(_("event"), null=True, blank=True)
    event_type = models.CharField(_("event type"), max_length=100)
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, unique=True)
    payload = models.JSONField(_("payload"))
    replay_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replays", verbose_name=_("replay of")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    status_code = models.PositiveIntegerField(_("status code"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), null=True, blank=True)
    response_excerpt = models.TextField(_("response excerpt"), blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_id"],
                condition=models.Q(replay_of__isnull=True, event_id__isnull=False),
                name="automation_delivery_once_per_event",
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="automation_delivery_due_idx"),
            models.Index(fields=["subscription", "created_at"], name="automation_delivery_sub_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.subscription_id} ({self.status})"
