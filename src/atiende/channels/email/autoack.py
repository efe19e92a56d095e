"""The automatic acknowledgement of a new ticket, with its number, rate-limited per sender.

Only for mail written by a person (the pipeline never acknowledges automatic mail), at
most ``ATIENDE_EMAIL_AUTOACK_LIMIT`` per sender per ``ATIENDE_EMAIL_AUTOACK_WINDOW``
seconds, never to a suppressed address. The mail carries ``Auto-Submitted:
auto-generated`` so well-behaved systems do not answer it (see :mod:`.sending`).

Templates come from the inbox (Spanish and English); the placeholders ``{number}``,
``{subject}``, ``{name}`` and ``{inbox}`` are replaced — by plain substitution, never
``str.format``, because an administrator's template must not reach Python attributes.
"""

from __future__ import annotations

import functools
from datetime import timedelta

from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import override

from atiende.channels import conf
from atiende.channels.choices import OutboundKind
from atiende.channels.email.compose import create_outbound, subject_for
from atiende.channels.email.parse import ParsedEmail
from atiende.channels.models import Inbox, OutboundEmail, Suppression
from atiende.contacts.choices import IdentityKind
from atiende.contacts.models import Contact, ContactIdentity
from atiende.core import clock
from atiende.tickets.models import Ticket


def default_subject() -> str:
    return _("We received your request [#{number}]: {subject}")


def default_body() -> str:
    return _(
        "Hello {name},\n\n"
        "Thank you for writing to us. We have received your request and opened ticket #{number}: “{subject}”.\n"
        "An agent will answer you soon. To add anything, reply to this email and keep the number "
        "[#{number}] in the subject.\n\n"
        "{inbox}"
    )


def render(template: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template


def templates(inbox: Inbox, language: str) -> tuple[str, str]:
    lang = "en" if language.startswith("en") else "es"
    subject = getattr(inbox, f"autoack_subject_{lang}") or ""
    body = getattr(inbox, f"autoack_body_{lang}") or ""
    with override(lang):
        return subject or default_subject(), body or default_body()


@functools.cache
def _recipient_sql() -> str:
    """The statement of :func:`recipient`, built once per process from the models' tables."""
    q = connection.ops.quote_name
    identity = q(ContactIdentity._meta.db_table)
    suppression = q(Suppression._meta.db_table)
    outbound = q(OutboundEmail._meta.db_table)
    # Table and column names are the models' own, quoted; every value is a parameter.
    return (
        f"SELECT i.{q('value')}, "  # noqa: S608
        f"EXISTS (SELECT 1 FROM {suppression} s WHERE s.{q('address')} = LOWER(i.{q('value')})), "
        f"(SELECT COUNT(*) FROM {outbound} o WHERE o.{q('kind')} = %s "
        f"AND o.{q('recipient')} = LOWER(i.{q('value')}) AND o.{q('created_at')} >= %s) "
        f"FROM {identity} i WHERE i.{q('contact_id')} = %s AND i.{q('kind')} = %s "
        f"ORDER BY i.{q('is_primary')} DESC, i.{q('id')} LIMIT 1"
    )


def recipient(contact: Contact) -> tuple[str, bool]:
    """The contact's address, and whether an acknowledgement may go there (not suppressed, under the limit).

    One statement on every new ticket instead of three: the address is the row
    :func:`~.compose.email_of` picks (primary first, then oldest), its suppression and
    the acknowledgements sent to it in the window are subqueries of that row. Written in
    SQL because the ORM spent ~2 ms building this query on every new ticket, ten times
    what the database took to run it (``tests/test_autoack.py`` checks it against the rows).
    """
    window = clock.now() - timedelta(seconds=conf.get("ATIENDE_EMAIL_AUTOACK_WINDOW"))
    params = [OutboundKind.AUTO_ACK.value, connection.ops.adapt_datetimefield_value(window), contact.pk]
    with connection.cursor() as cursor:
        cursor.execute(_recipient_sql(), [*params, IdentityKind.EMAIL.value])
        row = cursor.fetchone()
    if row is None:
        return "", False
    value, suppressed, count = row
    return value.lower(), not suppressed and (count or 0) < conf.get("ATIENDE_EMAIL_AUTOACK_LIMIT")


def queue(
    *, inbox: Inbox, ticket: Ticket, contact: Contact, parsed: ParsedEmail, enqueue: bool = True
) -> OutboundEmail | None:
    """The acknowledgement of ``ticket`` to ``contact``, or None (disabled, suppressed, over the limit).

    ``enqueue=False``: the caller queues the sending after its commit (a batch's at once).
    """
    if not inbox.autoack_enabled:
        return None
    address, allowed = recipient(contact)
    if not address or not allowed:
        return None
    language = contact.language or inbox.language
    subject_template, body_template = templates(inbox, language)
    values = {
        "number": str(ticket.number),
        "subject": ticket.subject,
        "name": contact.name or address,
        "inbox": inbox.name,
    }
    subject = render(subject_template, values)
    if f"[#{ticket.number}]" not in subject:
        subject = subject_for(ticket) if not subject.strip() else f"{subject} [#{ticket.number}]"
    references = [parsed.message_id] if parsed.message_id else []
    return create_outbound(
        kind=OutboundKind.AUTO_ACK,
        inbox=inbox,
        ticket=ticket,
        to=[address],
        subject=subject,
        body_text=render(body_template, values),
        in_reply_to=parsed.message_id,
        references=references,
        suppression_checked=True,
        enqueue=enqueue,
    )
