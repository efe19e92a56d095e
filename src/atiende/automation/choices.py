from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleKind(models.TextChoices):
    TRIGGER = "trigger", _("Trigger (on events)")
    TIME = "time", _("Time-based rule")


class TriggerEvent(models.TextChoices):
    """What a trigger listens to: an event type, sometimes narrowed (who wrote a message)."""

    TICKET_CREATED = "ticket.created", _("Ticket created")
    TICKET_UPDATED = "ticket.updated", _("Ticket updated")
    CUSTOMER_MESSAGE = "message.customer", _("Message received from the customer")
    AGENT_MESSAGE = "message.agent", _("Public reply from an agent")
    INTERNAL_NOTE = "message.note", _("Internal note added")
    SLA_WARNING = "sla.warning", _("SLA warning")
    SLA_BREACHED = "sla.breached", _("SLA breached")
    ASSIGNED = "routing.assigned", _("Ticket assigned by routing")
    CSAT_RECEIVED = "csat.received", _("Satisfaction rating received")


class Recipient(models.TextChoices):
    REQUESTER = "requester", _("Requester")
    ASSIGNEE = "assignee", _("Assignee")
    TEAM = "team", _("Team members")
    FOLLOWERS = "followers", _("Followers")
    SUPERVISORS = "supervisors", _("Supervisors and administrators")
    USER = "user", _("A user")
    ADDRESS = "address", _("An email address")


class CustomerNotice(models.TextChoices):
    RECEIVED = "received", _("Request received (with its number)")
    AGENT_REPLIED = "agent_replied", _("An agent replied")
    WAITING = "waiting", _("Waiting for your answer")
    SOLVED = "solved", _("Solved (with links to reopen or rate)")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RETRYING = "retrying", _("Retrying")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class NotificationKind(models.TextChoices):
    RULE = "rule", _("Automation rule")
    WEBHOOK_DISABLED = "webhook_disabled", _("Webhook disabled")
    SYSTEM = "system", _("System")
