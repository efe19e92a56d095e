"""Choices of the channels app (inboxes, inbound and outbound email)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Security(models.TextChoices):
    """How to connect to a mail server."""

    SSL = "ssl", _("SSL/TLS")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("None (plain text)")


class NonParticipantPolicy(models.TextChoices):
    """What happens when a "reply" comes from someone who is not in the ticket."""

    NEW_TICKET = "new_ticket", _("Open a new ticket")
    HOLD = "hold", _("Hold for review")


class Source(models.TextChoices):
    IMAP = "imap", _("IMAP")
    SMTP = "smtp", _("Inbound SMTP")
    WEBHOOK = "webhook", _("Provider webhook")
    FILE = "file", _("File import")


class Outcome(models.TextChoices):
    PENDING = "pending", _("Waiting to be processed")
    CREATED = "created", _("Ticket created")
    APPENDED = "appended", _("Added to a ticket")
    BOUNCE = "bounce", _("Bounce")
    LOOP_SUPPRESSED = "loop_suppressed", _("Automatic mail, suppressed")
    QUARANTINED = "quarantined", _("Quarantined")
    DUPLICATE = "duplicate", _("Duplicate")


FINAL_OUTCOMES = frozenset(
    {Outcome.CREATED, Outcome.APPENDED, Outcome.BOUNCE, Outcome.LOOP_SUPPRESSED, Outcome.DUPLICATE}
)


class MailKind(models.TextChoices):
    """What the loop / autoreply / bounce detection made of a message."""

    HUMAN = "human", _("Written by a person")
    AUTOMATED = "automated", _("Automated or bulk mail")
    AUTO_REPLY = "auto_reply", _("Automatic reply")
    BOUNCE = "bounce", _("Delivery report (bounce)")
    COMPLAINT = "complaint", _("Spam complaint")
    LOOP = "loop", _("Mail loop")


class ThreadReason(models.TextChoices):
    """Why an inbound message was put where it was (shown to agents)."""

    NEW = "new", _("New conversation")
    REPLY_TOKEN = "reply_token", _("Signed reply address or Message-ID")
    SUBJECT_TAG = "subject_tag", _("Ticket number in the subject")
    IN_REPLY_TO = "in_reply_to", _("In-Reply-To header")
    REFERENCES = "references", _("References header")
    THREAD_INDEX = "thread_index", _("Outlook Thread-Index")
    BOUNCE_ORIGINAL = "bounce_original", _("Delivery report about a message of the ticket")
    NON_PARTICIPANT = "non_participant", _("Sender is not a participant of the matched ticket")
    RELEASED = "released", _("Released from review by an administrator")


class QuarantineReason(models.TextChoices):
    PARSE_ERROR = "parse_error", _("The message could not be parsed")
    NO_SENDER = "no_sender", _("No usable sender address")
    NO_INBOX = "no_inbox", _("No inbox for the recipient")
    HELD_NON_PARTICIPANT = "held_non_participant", _("Held for review: reply from a non-participant")
    PROCESSING_ERROR = "processing_error", _("Processing failed")


class OutboundKind(models.TextChoices):
    REPLY = "reply", _("Agent reply")
    AUTO_ACK = "auto_ack", _("Automatic acknowledgement")
    NOTIFICATION = "notification", _("Notification")


AUTOMATIC_KINDS = frozenset({OutboundKind.AUTO_ACK, OutboundKind.NOTIFICATION})


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    DEFERRED = "deferred", _("Deferred (will retry)")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")
    SUPPRESSED = "suppressed", _("Not sent: recipient suppressed")


class SuppressionReason(models.TextChoices):
    BOUNCE = "bounce", _("Hard bounce")
    COMPLAINT = "complaint", _("Spam complaint")
    REJECTED = "rejected", _("Rejected by the receiving server")
    MANUAL = "manual", _("Added by an administrator")


class MailboxHealth(models.TextChoices):
    NEVER = "never", _("Not fetched yet")
    OK = "ok", _("Fetching")
    FAILING = "failing", _("Last fetch failed")
    STALLED = "stalled", _("Stalled")
    DISABLED = "disabled", _("IMAP disabled")
