"""Events the channels app emits. Payloads carry ids; subscribers load what they need."""

from __future__ import annotations

from dataclasses import dataclass

from atiende.core.events import Event, register_event


@register_event
@dataclass(frozen=True)
class EmailReceived(Event):
    """An inbound email was processed (whatever the outcome, quarantine included)."""

    type = "email.received"
    inbound_id: int
    inbox_id: int | None
    outcome: str
    kind: str
    ticket_id: int | None
    message_id: int | None


@register_event
@dataclass(frozen=True)
class EmailQuarantined(Event):
    type = "email.quarantined"
    inbound_id: int
    reason_code: str


@register_event
@dataclass(frozen=True)
class EmailBounced(Event):
    """A delivery report (or complaint) arrived; never a reason to notify a customer."""

    type = "email.bounced"
    inbound_id: int
    ticket_id: int | None
    outbound_id: int | None
    recipients: list[str]
    permanent: bool


@register_event
@dataclass(frozen=True)
class EmailSent(Event):
    type = "email.sent"
    outbound_id: int
    ticket_id: int | None
    kind: str


@register_event
@dataclass(frozen=True)
class EmailDeliveryFailed(Event):
    type = "email.delivery_failed"
    outbound_id: int
    ticket_id: int | None
    status: str


@register_event
@dataclass(frozen=True)
class MailboxStalled(Event):
    """The watchdog found an IMAP inbox that has not fetched for too long."""

    type = "email.mailbox_stalled"
    inbox_id: int
    since: str


@register_event
@dataclass(frozen=True)
class InboxChanged(Event):
    type = "email.inbox_changed"
    inbox_id: int
    fields: list[str]
