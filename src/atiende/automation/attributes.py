"""The domain attributes of the condition language (``atiende.core.conditions``).

Registered once from ``AutomationConfig.ready()``. Every lookup is relative to
``tickets.Ticket``, so :func:`~atiende.core.conditions.compile_q` gives a ``Q`` for
``Ticket.objects.filter``. A :class:`~atiende.core.conditions.Subject` carries the event's
objects: ``ticket`` (always), ``message`` (on message events); SLA state is loaded on
first use through ``atiende.sla.selectors.sla_states`` and cached on the subject.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from atiende.contacts.choices import IdentityKind
from atiende.contacts.models import ContactIdentity
from atiende.core import conditions as c
from atiende.tickets.choices import PRIORITY_BY_NAME, PRIORITY_NAMES, Channel, FieldType, MessageKind, Status, Tier
from atiende.tickets.models import CustomField, Ticket

Getter = Callable[[c.Subject], Any]


def _ticket(subject: c.Subject) -> Ticket:
    ticket: Ticket = subject.objects["ticket"]
    return ticket


def _field(name: str) -> Getter:
    return lambda s: getattr(_ticket(s), name)


def _tags(subject: c.Subject) -> list[str]:
    if "tags" not in subject.extra:
        subject.extra["tags"] = sorted(_ticket(subject).tags.values_list("name", flat=True))
    tags: list[str] = subject.extra["tags"]
    return tags


def _tags_q(op: str, value: Any) -> Q:
    has_any = Q(pk__in=Ticket.tags.through.objects.values("ticket_id"))
    if op == "is_empty":
        return ~has_any
    if op == "is_not_empty":
        return has_any
    has = Q(pk__in=Ticket.tags.through.objects.filter(tag__name=value).values("ticket_id"))
    return has if op == "contains" else ~has


def _emails(subject: c.Subject) -> list[str]:
    if "requester_emails" not in subject.extra:
        subject.extra["requester_emails"] = list(
            ContactIdentity.objects.filter(contact_id=_ticket(subject).requester_id, kind=IdentityKind.EMAIL)
            .order_by("-is_primary", "id")
            .values_list("value", flat=True)
        )
    emails: list[str] = subject.extra["requester_emails"]
    return emails


def _email(subject: c.Subject) -> str | None:
    emails = _emails(subject)
    return emails[0] if emails else None


def _email_q(op: str, value: Any) -> Q:
    """The requester's primary (first) email address, as :func:`_email` reads it."""
    from django.db.models import OuterRef, Subquery

    first = Subquery(
        ContactIdentity.objects.filter(contact_id=OuterRef("requester_id"), kind=IdentityKind.EMAIL)
        .order_by("-is_primary", "id")
        .values("value")[:1]
    )
    ids = Ticket.objects.annotate(_requester_email=first)
    lookup = {
        "is": ("_requester_email", False),
        "is_not": ("_requester_email", True),
        "in": ("_requester_email__in", False),
        "not_in": ("_requester_email__in", True),
        "contains": ("_requester_email__icontains", False),
        "not_contains": ("_requester_email__icontains", True),
        "starts_with": ("_requester_email__istartswith", False),
        "is_empty": ("_requester_email__isnull", False),
        "is_not_empty": ("_requester_email__isnull", True),
    }
    key, negate = lookup[op]
    arg = True if op in {"is_empty", "is_not_empty"} else value
    matching = Q(pk__in=ids.filter(**{key: arg}).values("pk"))
    return ~matching if negate else matching


def _organization_name(subject: c.Subject) -> str | None:
    org = _ticket(subject).organization
    return org.name if org is not None else None


def _message(name: str) -> Getter:
    def get(subject: c.Subject) -> Any:
        message = subject.objects.get("message")
        if message is None:
            return None
        if name == "author_kind":
            return "agent" if message.author_user_id else "customer" if message.author_contact_id else "system"
        return getattr(message, name)

    return get


def _sla(key: str) -> Getter:
    def get(subject: c.Subject) -> Any:
        if "sla" not in subject.extra:
            subject.extra["sla"] = sla_state(_ticket(subject).pk)
        state = subject.extra["sla"]
        return state.get(key) if state else None

    return get


def sla_state(ticket_id: int) -> dict[str, Any] | None:
    """The SLA app's view of a ticket (contract: ``atiende.sla.selectors.sla_states``)."""
    try:
        from atiende.sla.selectors import sla_states
    except ImportError:  # the SLA app is not installed in this build
        return None
    states: dict[int, dict[str, Any]] = sla_states([ticket_id])
    return states.get(ticket_id)


def _choices(choices: Any) -> Callable[[], Sequence[tuple[Any, Any]]]:
    return lambda: list(choices.choices)


def _priority_choices() -> list[tuple[str, Any]]:
    from atiende.tickets.choices import Priority

    return [(PRIORITY_NAMES[v], label) for v, label in Priority.choices]


def _encode_priority(value: Any) -> Any:
    return PRIORITY_BY_NAME.get(value, value)


def _priority(subject: c.Subject) -> str:
    return PRIORITY_NAMES.get(_ticket(subject).priority, str(_ticket(subject).priority))


AUTHOR_KINDS = (("agent", _("Agent")), ("customer", _("Customer")), ("system", _("System")))
SLA_STATES = (("active", _("Active")), ("paused", _("Paused")), ("met", _("Met")), ("breached", _("Breached")))

DATETIMES = {
    "created_at": _("Created"),
    "updated_at": _("Updated"),
    "status_changed_at": _("Status changed"),
    "first_response_at": _("First response"),
    "solved_at": _("Solved"),
    "last_customer_message_at": _("Last customer message"),
    "last_agent_reply_at": _("Last agent reply"),
    "waiting_since": _("Customer waiting since"),
}
COUNTERS = {
    "number": _("Number"),
    "reopen_count": _("Reopens"),
    "agent_reply_count": _("Agent replies"),
    "customer_reply_count": _("Customer replies"),
}


def custom_attribute(key: str) -> c.Attribute | None:
    """``ticket.custom.<key>`` for an existing custom field, typed by the field."""
    field = CustomField.objects.filter(key=key).only("key", "type", "label", "options").first()
    if field is None:
        return None
    lookup = f"custom_fields__{key}"

    def get(subject: c.Subject) -> Any:
        return (_ticket(subject).custom_fields or {}).get(key)

    options = [str(o) for o in field.options or []]
    common: dict[str, Any] = {
        "path": f"ticket.custom.{key}",
        "label": field.label,
        "get": get,
        "change_key": f"custom_fields.{key}",
        "group": "ticket",
    }
    if field.type == FieldType.NUMBER:
        return c.Attribute(type=c.NUMBER, lookup=lookup, **common)
    if field.type == FieldType.CHECKBOX:
        return c.Attribute(type=c.BOOLEAN, lookup=lookup, **common)
    if field.type == FieldType.SELECT:
        return c.Attribute(type=c.CHOICE, lookup=lookup, choices=lambda: [(o, o) for o in options], **common)
    if field.type == FieldType.MULTISELECT:
        # JSON containment is not available on SQLite: decided in Python (prefiltered as "maybe").
        return c.Attribute(type=c.LIST, **common)
    if field.type == FieldType.DATE:
        return c.Attribute(type=c.DATE, lookup=lookup, **common)
    return c.Attribute(type=c.STRING, lookup=lookup, **common)


def register() -> None:
    reg = c.register_attribute
    reg(
        c.Attribute(
            "ticket.subject", c.STRING, _("Subject"), _field("subject"), "subject", change_key="subject", group="ticket"
        )
    )
    reg(
        c.Attribute(
            "ticket.status", c.CHOICE, _("Status"), _field("status"), "status",
            choices=_choices(Status), change_key="status", group="ticket",
        )
    )  # fmt: skip
    reg(
        c.Attribute(
            "ticket.priority", c.CHOICE, _("Priority"), _priority, "priority", choices=_priority_choices,
            ordered=True, encode=_encode_priority, change_key="priority", group="ticket",
        )
    )  # fmt: skip
    reg(
        c.Attribute(
            "ticket.tier", c.CHOICE, _("Support tier"), _field("tier"), "tier",
            choices=_choices(Tier), ordered=True, change_key="tier", group="ticket",
        )
    )  # fmt: skip
    reg(
        c.Attribute(
            "ticket.channel",
            c.CHOICE,
            _("Channel"),
            _field("channel"),
            "channel",
            choices=_choices(Channel),
            group="ticket",
        )
    )
    for name, label, key in (
        ("team", _("Team"), "team"),
        ("assignee", _("Assignee"), "assignee"),
        ("category", _("Category"), "category"),
        ("organization", _("Organization"), "organization"),
        ("requester", _("Requester"), "requester"),
    ):
        reg(
            c.Attribute(
                f"ticket.{name}", c.ID, label, _field(f"{name}_id"), f"{name}_id", change_key=key, group="ticket"
            )
        )
    reg(c.Attribute("ticket.tags", c.LIST, _("Tags"), _tags, to_q=_tags_q, change_key="tags", group="ticket"))
    for name, label in DATETIMES.items():
        reg(c.Attribute(f"ticket.{name}", c.DATETIME, label, _field(name), name, group="ticket"))
    for name, label in COUNTERS.items():
        reg(c.Attribute(f"ticket.{name}", c.NUMBER, label, _field(name), name, group="ticket"))
    c.register_prefix("ticket.custom.", custom_attribute)

    reg(
        c.Attribute(
            "contact.name",
            c.STRING,
            _("Requester name"),
            lambda s: _ticket(s).requester.name,
            "requester__name",
            group="contact",
        )
    )
    reg(
        c.Attribute(
            "contact.language",
            c.STRING,
            _("Requester language"),
            lambda s: _ticket(s).requester.language,
            "requester__language",
            group="contact",
        )
    )
    reg(c.Attribute("contact.email", c.STRING, _("Requester email"), _email, to_q=_email_q, group="contact"))
    reg(
        c.Attribute(
            "organization.name", c.STRING, _("Organization name"),
            _organization_name,
            "organization__name", group="organization",
        )
    )  # fmt: skip

    reg(c.Attribute("message.body", c.STRING, _("Message text"), _message("body_text"), group="message"))
    reg(
        c.Attribute(
            "message.kind",
            c.CHOICE,
            _("Message kind"),
            _message("kind"),
            choices=_choices(MessageKind),
            group="message",
        )
    )
    reg(
        c.Attribute(
            "message.author_kind",
            c.CHOICE,
            _("Message author"),
            _message("author_kind"),
            choices=lambda: AUTHOR_KINDS,
            group="message",
        )
    )
    reg(
        c.Attribute(
            "message.channel",
            c.CHOICE,
            _("Message channel"),
            _message("channel"),
            choices=_choices(Channel),
            group="message",
        )
    )

    reg(c.Attribute("sla.policy", c.STRING, _("SLA policy"), _sla("policy"), group="sla"))
    reg(c.Attribute("sla.state", c.CHOICE, _("SLA state"), _sla("state"), choices=lambda: SLA_STATES, group="sla"))
    reg(c.Attribute("sla.breached", c.BOOLEAN, _("SLA breached"), lambda s: bool(_sla("breached")(s)), group="sla"))
    reg(c.Attribute("sla.next_deadline", c.DATETIME, _("Next SLA deadline"), _sla("next_deadline"), group="sla"))
