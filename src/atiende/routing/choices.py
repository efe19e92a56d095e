from django.db import models
from django.utils.translation import gettext_lazy as _


class SkillKind(models.TextChoices):
    LANGUAGE = "language", _("Language")
    PRODUCT = "product", _("Product")
    CATEGORY = "category", _("Category")
    CHANNEL = "channel", _("Channel")


class PresenceStatus(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")
    IN_CALL = "in_call", _("In a call")


class Strategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round-robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")
    SKILLS_BASED = "skills_based", _("Skills-based")


class CapacityGroup(models.TextChoices):
    """Channels are counted against three capacities (e.g. 1 call, 3 chats, 15 email)."""

    CALL = "call", _("Calls")
    CHAT = "chat", _("Chats")
    EMAIL = "email", _("Email and forms")


class Trigger(models.TextChoices):
    CREATED = "created", _("Ticket created")
    UPDATED = "updated", _("Ticket updated")
    PRESENCE = "presence", _("Agent came online")
    CAPACITY = "capacity", _("Agent freed capacity")
    PERIODIC = "periodic", _("Periodic assignment")
    TAKE_NEXT = "take_next", _("Take next")
    MANUAL = "manual", _("Manual assignment")


class OverflowCondition(models.TextChoices):
    OLDEST_WAIT = "oldest_wait", _("Oldest wait above (minutes)")
    QUEUE_SIZE = "queue_size", _("Waiting tickets above")
    NOBODY_ONLINE = "nobody_online", _("Nobody online")


class OverflowAction(models.TextChoices):
    DIVERT_TEAM = "divert_team", _("Divert to another team")
    DIVERT_TIER = "divert_tier", _("Divert to another tier")
    OFFER_CALLBACK = "offer_callback", _("Offer a callback")
    SEND_MESSAGE = "send_message", _("Send a message")


class CallbackStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Direction(models.TextChoices):
    UP = "up", _("Escalation")
    DOWN = "down", _("De-escalation")


class EscalationTrigger(models.TextChoices):
    MANUAL = "manual", _("By hand")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACHED = "sla_breached", _("SLA breached")
    CATEGORY = "category", _("Category")
    OVERFLOW = "overflow", _("Overflow rule")
    AUTOMATION = "automation", _("Automation")


class RuleTrigger(models.TextChoices):
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACHED = "sla_breached", _("SLA breached")
    CATEGORY = "category", _("Category")
