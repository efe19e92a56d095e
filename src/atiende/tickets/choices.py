from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    ON_HOLD = "on_hold", _("On hold")
    SOLVED = "solved", _("Solved")
    CLOSED = "closed", _("Closed")


# Statuses a ticket may move to from each status (by an agent or a rule).
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED, Status.CLOSED}),
    Status.OPEN: frozenset({Status.PENDING, Status.ON_HOLD, Status.SOLVED, Status.CLOSED}),
    Status.PENDING: frozenset({Status.OPEN, Status.ON_HOLD, Status.SOLVED, Status.CLOSED}),
    Status.ON_HOLD: frozenset({Status.OPEN, Status.PENDING, Status.SOLVED, Status.CLOSED}),
    Status.SOLVED: frozenset({Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.CLOSED}),
    Status.CLOSED: frozenset(),  # final: a reply opens a follow-up ticket
}
UNSOLVED = frozenset({Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD})


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


PRIORITY_NAMES: dict[int, str] = {1: "low", 2: "normal", 3: "high", 4: "urgent"}
PRIORITY_BY_NAME: dict[str, int] = {v: k for k, v in PRIORITY_NAMES.items()}


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    PORTAL = "portal", _("Portal")
    CHAT = "chat", _("Chat")
    WHATSAPP = "whatsapp", _("WhatsApp")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone")
    API = "api", _("API")
    WEB = "web", _("Agent workspace")


class MessageKind(models.TextChoices):
    REPLY = "reply", _("Public reply")
    NOTE = "note", _("Internal note")


class LinkKind(models.TextChoices):
    PARENT = "parent", _("Parent of")  # source is the parent of target
    RELATED = "related", _("Related to")
    DUPLICATE = "duplicate", _("Duplicate of")  # source duplicates target


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    SELECT = "select", _("Select")
    MULTISELECT = "multiselect", _("Multi-select")
    CHECKBOX = "checkbox", _("Checkbox")


class Tier(models.IntegerChoices):
    SELF_SERVICE = 0, _("Tier 0 (self-service)")
    FIRST = 1, _("Tier 1")
    SECOND = 2, _("Tier 2")
    THIRD = 3, _("Tier 3")
    VENDOR = 4, _("Tier 4 (vendor)")
