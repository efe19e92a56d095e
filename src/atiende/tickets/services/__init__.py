"""Write side of tickets. Every function: keyword-only, one transaction, history, audit, events.

The API, the web UI, channel intake, automations and the admin all call these.
"""

from atiende.tickets.services.attachments import store_attachment
from atiende.tickets.services.catalog import (
    create_category,
    create_custom_field,
    get_or_create_tags,
    update_category,
    update_custom_field,
)
from atiende.tickets.services.create import create_ticket, create_ticket_with_message
from atiende.tickets.services.links import link_tickets, unlink_tickets
from atiende.tickets.services.merge import merge_tickets, split_ticket
from atiende.tickets.services.messages import add_message
from atiende.tickets.services.update import update_ticket

__all__ = [
    "add_message",
    "create_category",
    "create_custom_field",
    "create_ticket",
    "create_ticket_with_message",
    "get_or_create_tags",
    "link_tickets",
    "merge_tickets",
    "split_ticket",
    "store_attachment",
    "unlink_tickets",
    "update_category",
    "update_custom_field",
    "update_ticket",
]
