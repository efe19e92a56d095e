"""Inboxes and the email they receive and send.

* :class:`Inbox` — one support address: routing (team, language), what customers see
  (signature, auto-acknowledgement) and how mail reaches it (IMAP credentials, optional
  SMTP relay), credentials encrypted at rest (:mod:`atiende.channels.crypto`).
* :class:`InboundEmail` — every message received, stored raw *before* the source is
  acknowledged, with what the intake pipeline made of it.
* :class:`OutboundEmail` — every message sent, with its delivery status and retries.
* :class:`Suppression` — addresses that bounced or complained; nothing is sent to them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from atiende.accounts.models import Team
from atiende.channels import crypto
from atiende.channels.choices import (
    DeliveryStatus,
    MailKind,
    NonParticipantPolicy,
    OutboundKind,
    Outcome,
    QuarantineReason,
    Security,
    Source,
    SuppressionReason,
    ThreadReason,
)
from atiende.tickets.models import Message, Ticket


class Inbox(models.Model):
    name = models.CharField(_("name"), max_length=100)
    address = models.EmailField(
        _("address"), unique=True, help_text=_("The support address, e.g. soporte@example.com.")
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="inboxes", verbose_name=_("team")
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="es")
    signature = models.TextField(
        _("signature"), blank=True, help_text=_("Added to agent replies. {agent} is replaced by the agent's name.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(
        _("default inbox"),
        default=False,
        help_text=_("Receives mail for unknown recipients and sends for tickets of no inbox."),
    )
    use_reply_address = models.BooleanField(
        _("signed reply address"),
        default=True,
        help_text=_("Reply-To carries a signed token (support+token@…), so replies thread even without headers."),
    )
    non_participant_policy = models.CharField(
        _("replies from non-participants"),
        max_length=20,
        choices=NonParticipantPolicy.choices,
        default=NonParticipantPolicy.NEW_TICKET,
    )

    autoack_enabled = models.BooleanField(_("send auto-acknowledgement"), default=True)
    autoack_subject_es = models.CharField(_("auto-acknowledgement subject (Spanish)"), max_length=200, blank=True)
    autoack_body_es = models.TextField(_("auto-acknowledgement text (Spanish)"), blank=True)
    autoack_subject_en = models.CharField(_("auto-acknowledgement subject (English)"), max_length=200, blank=True)
    autoack_body_en = models.TextField(_("auto-acknowledgement text (English)"), blank=True)

    imap_enabled = models.BooleanField(_("fetch with IMAP"), default=False)
    imap_host = models.CharField(_("IMAP host"), max_length=253, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), null=True, blank=True)
    imap_security = models.CharField(_("IMAP security"), max_length=10, choices=Security.choices, default=Security.SSL)
    imap_username = models.CharField(_("IMAP user"), max_length=254, blank=True)
    imap_password_encrypted = models.TextField(blank=True, editable=False)
    imap_folder = models.CharField(_("IMAP folder"), max_length=200, default="INBOX")
    imap_archive_folder = models.CharField(
        _("move fetched mail to"),
        max_length=200,
        blank=True,
        help_text=_("Leave empty to mark fetched messages as read instead."),
    )

    smtp_host = models.CharField(
        _("SMTP host"), max_length=253, blank=True, help_text=_("Leave empty to send through the server's default.")
    )
    smtp_port = models.PositiveIntegerField(_("SMTP port"), null=True, blank=True)
    smtp_security = models.CharField(
        _("SMTP security"), max_length=10, choices=Security.choices, default=Security.STARTTLS
    )
    smtp_username = models.CharField(_("SMTP user"), max_length=254, blank=True)
    smtp_password_encrypted = models.TextField(blank=True, editable=False)

    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("inbox")
        verbose_name_plural = _("inboxes")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"

    @property
    def has_imap_password(self) -> bool:
        return bool(self.imap_password_encrypted)

    @property
    def has_smtp_password(self) -> bool:
        return bool(self.smtp_password_encrypted)

    def imap_password(self) -> str:
        """The decrypted IMAP password (a method, so no serializer picks it up by name)."""
        return crypto.decrypt(self.imap_password_encrypted)

    def smtp_password(self) -> str:
        return crypto.decrypt(self.smtp_password_encrypted)

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[-1].lower()


class MailboxState(models.Model):
    """Where IMAP fetching of one inbox stands: a lease (one fetcher at a time) and health."""

    inbox = models.OneToOneField(Inbox, primary_key=True, on_delete=models.CASCADE, related_name="mailbox_state")
    lease_holder = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    fetching_since = models.DateTimeField(_("fetching since"), null=True, blank=True)
    last_started_at = models.DateTimeField(_("last fetch started"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last successful fetch"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    stalled_since = models.DateTimeField(_("stalled since"), null=True, blank=True)
    fetched_total = models.PositiveBigIntegerField(_("messages fetched"), default=0)

    class Meta:
        verbose_name = _("mailbox state")
        verbose_name_plural = _("mailbox states")

    def __str__(self) -> str:
        return f"mailbox of inbox {self.inbox_id}"


class InboundEmail(models.Model):
    """One received message: raw bytes first, then what the pipeline made of it."""

    inbox = models.ForeignKey(
        Inbox, null=True, blank=True, on_delete=models.PROTECT, related_name="inbound", verbose_name=_("inbox")
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    source_ref = models.CharField(_("source reference"), max_length=500, blank=True)
    envelope_sender = models.CharField(_("envelope sender"), max_length=320, blank=True)
    envelope_recipients = models.JSONField(_("envelope recipients"), default=list, blank=True)

    # The raw message, content-addressed in the default storage.
    raw_path = models.CharField(max_length=300)
    raw_sha256 = models.CharField(max_length=64, db_index=True)
    raw_size = models.PositiveBigIntegerField(_("size"))
    # "mid:<Message-ID>" or "sha256:<hash of the raw bytes>" when there is none; unique per inbox.
    dedupe_key = models.CharField(max_length=1000)
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True, db_index=True)
    thread_index = models.CharField(_("Thread-Index conversation"), max_length=64, blank=True, db_index=True)
    from_address = models.CharField(_("from"), max_length=320, blank=True, db_index=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)

    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    kind = models.CharField(_("kind"), max_length=20, choices=MailKind.choices, blank=True)
    reason_code = models.CharField(_("reason"), max_length=30, choices=QuarantineReason.choices, blank=True)
    reason = models.TextField(_("details"), blank=True)
    thread_reason = models.CharField(_("threaded by"), max_length=20, choices=ThreadReason.choices, blank=True)
    thread_detail = models.CharField(_("threading details"), max_length=500, blank=True)
    defects = models.JSONField(_("parsing problems"), default=list, blank=True)
    ticket = models.ForeignKey(
        Ticket,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_emails",
        verbose_name=_("ticket"),
    )
    # The ticket message it became ("message_id" is the email's Message-ID header).
    ticket_message = models.ForeignKey(
        Message,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_emails",
        verbose_name=_("message"),
    )
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    # Display split: the new text, and the quoted history / signature collapsed under it.
    body_display = models.TextField(_("text without quoted history"), blank=True)
    body_quoted = models.TextField(_("quoted history and signature"), blank=True)
    html_display = models.TextField(_("HTML without quoted history"), blank=True)

    attempts = models.PositiveIntegerField(_("processing attempts"), default=0)
    received_at = models.DateTimeField(_("received at"), db_index=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound email")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["inbox", "dedupe_key"], name="inbound_email_once_per_inbox", condition=Q(inbox__isnull=False)
            ),
            models.UniqueConstraint(
                fields=["dedupe_key"], name="inbound_email_once_without_inbox", condition=Q(inbox__isnull=True)
            ),
        ]
        indexes = [
            models.Index(fields=["outcome", "received_at"], name="inbound_outcome_idx"),
            models.Index(fields=["from_address", "kind", "received_at"], name="inbound_sender_kind_idx"),
            models.Index(fields=["ticket", "received_at"], name="inbound_ticket_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id or self.raw_sha256[:12]} ({self.outcome})"


class QuarantinedEmail(InboundEmail):
    """Inbound email that could not be processed (admin view of the quarantine)."""

    class Meta:
        proxy = True
        verbose_name = _("quarantined email")
        verbose_name_plural = _("quarantine")


class OutboundEmail(models.Model):
    ticket = models.ForeignKey(
        Ticket,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outbound_emails",
        verbose_name=_("ticket"),
    )
    ticket_message = models.ForeignKey(
        Message,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbound_emails",
        verbose_name=_("message"),
    )
    inbox = models.ForeignKey(Inbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbound")
    kind = models.CharField(_("kind"), max_length=20, choices=OutboundKind.choices)
    recipient = models.CharField(_("recipient"), max_length=320, db_index=True)
    to = models.JSONField(_("to"), default=list)
    cc = models.JSONField(_("cc"), default=list, blank=True)
    from_address = models.CharField(_("from"), max_length=500)
    reply_to = models.CharField(_("reply to"), max_length=500, blank=True)
    subject = models.CharField(_("subject"), max_length=500)
    body_text = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("HTML"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=998, unique=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=998, blank=True)
    references = models.TextField(_("References"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound email")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket_message", "kind"],
                name="outbound_email_once_per_message",
                condition=Q(ticket_message__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbound_status_idx"),
            models.Index(fields=["recipient", "kind", "created_at"], name="outbound_recipient_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient} ({self.status})"


class Suppression(models.Model):
    address = models.CharField(_("address"), max_length=320, unique=True)
    reason = models.CharField(_("reason"), max_length=20, choices=SuppressionReason.choices)
    detail = models.TextField(_("details"), blank=True)
    inbound = models.ForeignKey(
        InboundEmail,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("bounce message"),
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.address
