"""Tickets, their conversation, attachments, service catalog, custom fields and history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from atiende.accounts.models import Organization, Team
from atiende.contacts.models import Contact
from atiende.tickets.choices import (
    Channel,
    FieldType,
    LinkKind,
    MessageKind,
    Priority,
    Status,
    Tier,
)


class CustomField(models.Model):
    """A typed ticket field. Belongs to category forms, or to every ticket."""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    label = models.CharField(_("label"), max_length=150)
    type = models.CharField(_("type"), max_length=20, choices=FieldType.choices)
    # For select / multiselect: a list of allowed option values.
    options = models.JSONField(_("options"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    agent_only = models.BooleanField(_("agents only"), default=False)
    applies_to_all = models.BooleanField(_("on every ticket"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["position", "key"]

    def __str__(self) -> str:
        return self.label


class Category(models.Model):
    """A node of the service catalog tree; its form is its custom fields."""

    name = models.CharField(_("name"), max_length=150)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    description = models.TextField(_("description"), blank=True)
    default_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("default team")
    )
    fields = models.ManyToManyField(
        CustomField, through="CategoryField", related_name="categories", blank=True, verbose_name=_("form fields")
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name_per_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list[Category]:
        chain: list[Category] = []
        node = self.parent
        while node is not None and node not in chain:
            chain.append(node)
            node = node.parent
        return chain

    @property
    def path(self) -> str:
        return " › ".join([c.name for c in reversed(self.ancestors())] + [self.name])


class CategoryField(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="form")
    field = models.ForeignKey(CustomField, on_delete=models.CASCADE, related_name="+")
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["category", "field"], name="category_field_unique")]

    def __str__(self) -> str:
        return f"{self.category_id}:{self.field_id}"


class Tag(models.Model):
    name = models.SlugField(_("name"), max_length=64, unique=True, allow_unicode=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    number = models.BigIntegerField(_("number"), unique=True)
    subject = models.CharField(_("subject"), max_length=255)
    requester = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("requester")
    )
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=_("organization"),
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.API)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("category")
    )
    tier = models.PositiveSmallIntegerField(_("support tier"), choices=Tier.choices, default=Tier.FIRST)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets", verbose_name=_("team")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    tags = models.ManyToManyField(Tag, related_name="tickets", blank=True, verbose_name=_("tags"))
    ccs = models.ManyToManyField(Contact, related_name="cc_tickets", blank=True, verbose_name=_("CCs"))
    followers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="followed_tickets", blank=True, verbose_name=_("followers")
    )
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
        verbose_name=_("merged into"),
    )
    follow_up_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
        verbose_name=_("follow-up of"),
    )
    # Subject and message text, indexed for full-text search (see core.search).
    search_text = models.TextField(blank=True, default="")

    # Timestamps and counters the KPIs need.
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    status_changed_at = models.DateTimeField(_("status changed at"))
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    solved_at = models.DateTimeField(_("solved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    last_customer_message_at = models.DateTimeField(_("last customer message at"), null=True, blank=True)
    last_agent_reply_at = models.DateTimeField(_("last agent reply at"), null=True, blank=True)
    waiting_since = models.DateTimeField(_("customer waiting since"), null=True, blank=True)
    customer_wait_seconds = models.PositiveBigIntegerField(_("customer wait (seconds)"), default=0)
    reopen_count = models.PositiveIntegerField(_("reopens"), default=0)
    agent_reply_count = models.PositiveIntegerField(_("agent replies"), default=0)
    customer_reply_count = models.PositiveIntegerField(_("customer replies"), default=0)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "id"], name="ticket_status_idx"),
            models.Index(fields=["team", "status", "id"], name="ticket_team_status_idx"),
            models.Index(fields=["assignee", "status", "id"], name="ticket_assignee_status_idx"),
            models.Index(fields=["requester", "id"], name="ticket_requester_idx"),
            models.Index(fields=["organization", "id"], name="ticket_org_idx"),
            models.Index(fields=["created_at", "id"], name="ticket_created_idx"),
            models.Index(fields=["updated_at", "id"], name="ticket_updated_idx"),
            models.Index(fields=["priority", "id"], name="ticket_priority_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    @property
    def reference(self) -> str:
        return f"#{self.number}"


class Message(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=10, choices=MessageKind.choices, default=MessageKind.REPLY)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.API)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author (user)"),
    )
    author_contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
        verbose_name=_("author (contact)"),
    )
    body_text = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("HTML (sanitized)"), blank=True)
    external_id = models.CharField(_("external id"), max_length=998, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on #{self.ticket_id}"

    @property
    def is_internal(self) -> bool:
        return self.kind == MessageKind.NOTE


def blob_path(instance: StoredFile, filename: str) -> str:
    digest = instance.sha256
    return f"blobs/{digest[:2]}/{digest[2:4]}/{digest}"


class StoredFile(models.Model):
    """File content stored once per SHA-256, whatever name it was uploaded under."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    size = models.PositiveBigIntegerField()
    file = models.FileField(upload_to=blob_path, max_length=200)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")

    def __str__(self) -> str:
        return self.sha256


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    blob = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=150)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename

    @property
    def sha256(self) -> str:
        return self.blob_id


class TicketLink(models.Model):
    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("kind"), max_length=20, choices=LinkKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("ticket link")
        verbose_name_plural = _("ticket links")
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="ticket_link_unique"),
            models.CheckConstraint(condition=~models.Q(source=models.F("target")), name="ticket_link_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class TicketHistory(models.Model):
    """One row per changed field (or system event) per ticket change."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="history")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    field = models.CharField(_("field"), max_length=64)
    old_value = models.JSONField(_("old value"), null=True, blank=True)
    new_value = models.JSONField(_("new value"), null=True, blank=True)
    event_id = models.UUIDField(null=True, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("ticket history")
        verbose_name_plural = _("ticket history")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_history_idx")]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.field}"


class SavedView(models.Model):
    """A ticket list an agent saved in the workspace: filters, sort and columns.

    ``filters`` holds TicketFilterSet parameters (the same ones the API takes,
    ``cf_<key>`` for custom fields); personal when ``team`` is empty, otherwise shared
    with the members of that team.
    """

    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views", verbose_name=_("owner")
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="saved_views",
        verbose_name=_("shared with team"),
    )
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    ordering = models.CharField(_("sort"), max_length=32, default="-updated_at")
    columns = models.JSONField(_("columns"), default=list, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["position", "name", "id"]

    def __str__(self) -> str:
        return self.name
