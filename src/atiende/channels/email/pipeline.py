"""Steps 2 to 8 of the intake, run on a message that :mod:`.intake` already stored.

Messages are processed in batches (:func:`process_many`): one transaction, a savepoint
per message (a :func:`~atiende.core.units.unit`: the services the steps call join it
instead of opening savepoints of their own), the steps in this order, each a small
function:

1. ``load``      — the stored raw file, parsed and streamed (:mod:`.parse`); oversize
                   mail is read for its headers only and says so;
2. ``detect``    — loop, bounce/complaint, auto-reply, automated (:mod:`.detect`);
3. ``identify``  — the sender's contact (and organization, by domain);
4. ``thread``    — token, subject tag, Message-IDs, Thread-Index; participants only;
5. ``deliver``   — a new ticket or a message on the matched one, CCs and followers,
                   attachments stored by digest, inline images resolved (HTML is
                   sanitized by the tickets service);
6. ``display``   — quoted history and signature split off for display;
7. ``finish``    — outcome recorded, auto-acknowledgement queued; the channel's events
                   (``email.received``, ``email.bounced``) are written for the whole
                   batch with one insert.

Anything that raises rolls the message's savepoint back and the message is quarantined
with the reason (and stays replayable); a message that lost a race with another worker
(both created the same new contact) is rolled back and run again. A database that
is down is *not* a reason to quarantine — the batch rolls back, its rows stay pending
and are processed again later.

A message that ``load`` and ``detect`` settle without any write (a mail loop; a bounce
of mail we never sent, most of the bounces a mailbox receives) gets no savepoint: its
outcome is written with the batch's, one statement for all of them.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import IO

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Model
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import override

from atiende.accounts.models import User
from atiende.channels import conf
from atiende.channels.choices import (
    DeliveryStatus,
    MailKind,
    NonParticipantPolicy,
    Outcome,
    QuarantineReason,
    ThreadReason,
)
from atiende.channels.email import autoack, bounces, rawstore
from atiende.channels.email.compose import enqueue_send_many
from atiende.channels.email.detect import Verdict, classify
from atiende.channels.email.identify import (
    Known,
    copied,
    copy_addresses,
    identify_sender,
    look_up,
    sender_candidates,
)
from atiende.channels.email.inline import resolve_cids
from atiende.channels.email.parse import ParsedEmail, parse, parse_headers_only
from atiende.channels.email.quoting import split_html, split_text
from atiende.channels.email.threading import ThreadMatch, find_thread, is_participant
from atiende.channels.events import EmailBounced, EmailQuarantined, EmailReceived
from atiende.channels.models import InboundEmail, Inbox
from atiende.contacts.models import Contact
from atiende.core import clock
from atiende.core.deferred import deferred_inserts
from atiende.core.events import Event, emit, emit_many
from atiende.core.html import html_to_text, sanitize_html
from atiende.core.memo import batch_memo, memoized
from atiende.core.rows import save_fields, save_fields_many
from atiende.core.units import retrying, unit
from atiende.tickets.choices import Channel
from atiende.tickets.models import Message, Ticket
from atiende.tickets.services import add_message, create_ticket_with_message, update_ticket

logger = logging.getLogger(__name__)

TEMPORARY_ERRORS = (OperationalError, InterfaceError)


class Quarantine(Exception):
    """Stop processing: keep the message in quarantine with this reason."""

    def __init__(self, code: str, detail: str, *, ticket: Ticket | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.ticket = ticket


@dataclass
class _Run:
    inbound: InboundEmail
    inbox: Inbox
    parsed: ParsedEmail
    verdict: Verdict
    own_addresses: frozenset[str]
    oversize: bool = False
    allow_non_participant: bool = False
    notes: list[str] = field(default_factory=list)
    # The contacts of the message's addresses, looked up once by ``identify``.
    known: Known = field(default_factory=dict)
    # The channel's own events, recorded with the batch's once the message's savepoint succeeded.
    events: list[tuple[Event, Model]] = field(default_factory=list)
    # Outbound mail to send after the batch commits (auto-acknowledgements), one task for all.
    outbound_ids: list[int] = field(default_factory=list)
    # Settled without any write but the row's outcome, which the batch writes for all such rows.
    outcome_only: bool = False


def own_addresses_key() -> str:
    """Cache key of our addresses, per database (tests and deployments may share a Redis)."""
    return f"atiende.channels.own_addresses:{connection.settings_dict['NAME']}"


def own_addresses() -> tuple[frozenset[str], frozenset[str]]:
    """Our inbox addresses and their domains (cached for a minute; inbox changes clear it).

    Read from the cache once per batch (with Redis, a round trip per message otherwise).
    """
    return memoized("own_addresses", None, _own_addresses)


def _own_addresses() -> tuple[frozenset[str], frozenset[str]]:
    key = own_addresses_key()
    addresses = cache.get(key)
    if addresses is None:
        addresses = sorted(a.lower() for a in Inbox.objects.values_list("address", flat=True))
        cache.set(key, addresses, 60)
    own = frozenset(addresses)
    return own, frozenset(a.rsplit("@", 1)[-1] for a in own)


# --- the steps ------------------------------------------------------------------------------------


def load(inbound: InboundEmail) -> tuple[ParsedEmail, bool]:
    """The parsed message, and whether it was too large to read beyond its headers."""
    header_limit = conf.get("ATIENDE_EMAIL_MAX_HEADER_BYTES")
    limit = conf.get("ATIENDE_EMAIL_MAX_BYTES")
    with rawstore.open_raw(inbound.raw_path) as handle:
        if inbound.raw_size > limit:
            return parse_headers_only(handle, header_limit=header_limit), True
        parsed = parse(
            handle,
            max_parts=conf.get("ATIENDE_EMAIL_MAX_PARTS"),
            text_limit=conf.get("ATIENDE_EMAIL_MAX_TEXT_BYTES"),
            header_limit=header_limit,
        )
    return parsed, False


def identify(run: _Run) -> Contact:
    """The sender's contact; the sender's and the copies' addresses are looked up with one query."""
    envelope_sender = run.inbound.envelope_sender
    run.known = look_up(
        [a.address for a in sender_candidates(run.parsed, envelope_sender)]
        + [a.address for a in copy_addresses(run.parsed, run.own_addresses)]
    )
    sender = identify_sender(run.parsed, envelope_sender=envelope_sender, language=run.inbox.language, known=run.known)
    if sender is None:
        raise Quarantine(QuarantineReason.NO_SENDER, "no usable address in From, Sender, Reply-To or Return-Path")
    return sender


def over_automated_limit(inbound: InboundEmail) -> bool:
    """More automatic mail from this sender in the window than allowed (a storm)."""
    if not inbound.from_address:
        return False
    window = clock.now() - timedelta(seconds=conf.get("ATIENDE_EMAIL_AUTOMATED_WINDOW"))
    recent = (
        InboundEmail.objects.filter(
            from_address=inbound.from_address,
            kind__in=[MailKind.AUTOMATED, MailKind.AUTO_REPLY],
            received_at__gte=window,
        )
        .exclude(pk=inbound.pk)
        .count()
    )
    return recent >= conf.get("ATIENDE_EMAIL_AUTOMATED_LIMIT")


def thread(run: _Run, sender: Contact) -> ThreadMatch | None:
    inbound = run.inbound
    match = find_thread(run.parsed, recipients=inbound.envelope_recipients, exclude_inbound=inbound.pk)
    if match is not None and not run.allow_non_participant and not is_participant(sender, match.ticket):
        detail = f"matched #{match.ticket.number} by {match.detail}, but the sender is not part of that ticket"
        if run.inbox.non_participant_policy == NonParticipantPolicy.HOLD:
            raise Quarantine(QuarantineReason.HELD_NON_PARTICIPANT, detail, ticket=match.ticket)
        inbound.thread_reason = ThreadReason.NON_PARTICIPANT
        inbound.thread_detail = detail[:500]
        return None
    if match is not None:
        inbound.thread_reason = ThreadReason.RELEASED if run.allow_non_participant else match.reason
        inbound.thread_detail = match.detail[:500]
    else:
        inbound.thread_reason = ThreadReason.NEW
    return match


Upload = tuple[IO[bytes], str, str]


def uploads(run: _Run) -> tuple[list[Upload], list[str]]:
    """Attachments to store (with their Content-IDs); oversize ones become a note."""
    limit = settings.ATTACHMENT_MAX_BYTES
    accepted: list[Upload] = []
    content_ids: list[str] = []
    for attachment in run.parsed.attachments:
        if attachment.size > limit:
            run.notes.append(
                _(
                    "The attachment “%(name)s” (%(size)s) was not added: files may be at most %(limit)s. "
                    "It is in the original message, which is kept."
                )
                % {"name": attachment.filename, "size": filesizeformat(attachment.size), "limit": filesizeformat(limit)}
            )
            continue
        attachment.file.seek(0)
        accepted.append((attachment.file, attachment.filename, attachment.content_type))
        content_ids.append(attachment.content_id)
    return accepted, content_ids


def bodies(run: _Run, *, has_uploads: bool) -> tuple[str, str]:
    """Text and HTML of the message (in the language active for the sender)."""
    text, html = run.parsed.text, run.parsed.html
    if run.oversize:
        limit = conf.get("ATIENDE_EMAIL_MAX_BYTES")
        text = _(
            "This email was too large to process (%(size)s; the limit is %(limit)s). The original message "
            "is kept, and an administrator can download it."
        ) % {"size": filesizeformat(run.inbound.raw_size), "limit": filesizeformat(limit)}
    if not text.strip() and html:
        # HTML only: its text, derived once here (the tickets service would derive it again).
        text = html_to_text(sanitize_html(html))
    if run.notes:
        text = "\n\n".join([text, *run.notes]).strip()
        html = ""
    if not text.strip() and not has_uploads:
        text, html = _("(This email has no text.)"), ""
    return text, html


def deliver(run: _Run, sender: Contact, match: ThreadMatch | None) -> Message:
    """Open a ticket or add the message to the matched one; CCs, followers, inline images."""
    inbound, parsed = run.inbound, run.parsed
    with override(sender.language or run.inbox.language):
        files, content_ids = uploads(run)
        text, html = bodies(run, has_uploads=bool(files))
        subject = parsed.subject or _("(no subject)")
    copies = copied(parsed, sender=sender, own_addresses=run.own_addresses, known=run.known)
    if match is None:
        # Customers cannot fill in custom fields by email: required ones are for agents later.
        _ticket, message = create_ticket_with_message(
            actor=None,
            subject=subject,
            requester=sender,
            body=text,
            html=html,
            channel=Channel.EMAIL,
            team=run.inbox.team,
            ccs=copies.contacts,
            attachments=files,
            external_id=parsed.message_id,
            enforce_required=False,
        )
        inbound.outcome = Outcome.CREATED
    else:
        message = add_message(
            actor=None,
            ticket=match.ticket,
            body=text,
            html=html,
            channel=Channel.EMAIL,
            author_contact=sender,
            attachments=files,
            external_id=parsed.message_id,
        )
        if message.ticket_id == match.ticket.pk:
            inbound.outcome = Outcome.APPENDED
        else:  # the matched ticket was closed: the tickets service opened a follow-up
            inbound.outcome = Outcome.CREATED
            inbound.thread_detail = (
                f"{inbound.thread_detail}; #{match.ticket.number} is closed, follow-up #{message.ticket.number}"
            )[:500]
    add_copies(inbound, message.ticket, copies.contacts, copies.agents, new_ticket=match is None)
    resolve_cids(message, content_ids)
    return message


def add_copies(
    inbound: InboundEmail, ticket: Ticket, contacts: list[Contact], agents: list[User], *, new_ticket: bool
) -> None:
    """CC'd people become CCs of the ticket, CC'd agents its followers."""
    if not agents and (new_ticket or not contacts):
        return  # create_ticket already set the CCs of a new ticket
    current_ccs = list(ticket.ccs.all())
    current_followers = list(ticket.followers.all())
    new_ccs = [] if new_ticket else [c for c in contacts if c not in current_ccs and c.pk != ticket.requester_id]
    new_followers = [a for a in agents if a not in current_followers]
    if not new_ccs and not new_followers:
        return
    changes: dict[str, object] = {}
    if new_ccs:
        changes["ccs"] = current_ccs + new_ccs
    if new_followers:
        changes["followers"] = current_followers + new_followers
    try:
        with transaction.atomic():
            update_ticket(actor=None, ticket=ticket, **changes)
    except ValidationError as exc:
        inbound.defects = [*inbound.defects, f"CCs not added: {exc}"][:50]


def display(run: _Run, message: Message) -> None:
    text = run.parsed.text or message.body_text
    run.inbound.body_display, run.inbound.body_quoted = split_text(text, run.parsed.subject)
    # The quoting markers (Gmail's class, Outlook's ids, cite blockquotes) are attributes the
    # sanitizer removes: split the received HTML, then sanitize the part kept for display.
    run.inbound.html_display = split_html(run.parsed.html) if message.body_html else ""


# --- the outcomes ---------------------------------------------------------------------------------


def _bounce(run: _Run) -> None:
    inbound = run.inbound
    result = bounces.handle(run.verdict, inbound=inbound)
    inbound.outcome = Outcome.BOUNCE
    inbound.ticket = result.ticket
    inbound.reason = "; ".join([*run.verdict.reasons, result.detail, *(f"suppressed {a}" for a in result.suppressed)])[
        :2000
    ]
    if result.ticket is not None:
        inbound.thread_reason = ThreadReason.BOUNCE_ORIGINAL
        inbound.thread_detail = result.detail[:500]
    run.events.append(
        (
            EmailBounced(
                inbound_id=inbound.pk,
                ticket_id=result.ticket.pk if result.ticket else None,
                outbound_id=result.outbound.pk if result.outbound else None,
                recipients=result.suppressed,
                permanent=run.verdict.permanent,
            ),
            result.ticket or inbound,
        )
    )


def run_steps(run: _Run) -> None:
    inbound, kind = run.inbound, run.verdict.kind
    inbound.kind = kind
    inbound.defects = run.parsed.defects[:50]
    if kind == MailKind.LOOP:
        inbound.outcome = Outcome.LOOP_SUPPRESSED
        inbound.reason = "; ".join(run.verdict.reasons)[:2000]
        return
    if kind in (MailKind.BOUNCE, MailKind.COMPLAINT):
        _bounce(run)
        return
    sender = identify(run)
    if kind in (MailKind.AUTOMATED, MailKind.AUTO_REPLY) and over_automated_limit(inbound):
        inbound.outcome = Outcome.LOOP_SUPPRESSED
        inbound.reason = (
            f"more than {conf.get('ATIENDE_EMAIL_AUTOMATED_LIMIT')} automatic messages from this sender "
            f"in {conf.get('ATIENDE_EMAIL_AUTOMATED_WINDOW')} s; " + "; ".join(run.verdict.reasons)
        )[:2000]
        return
    match = thread(run, sender)
    if kind == MailKind.AUTO_REPLY:
        # Stored and shown on the ticket it answers; it changes nothing and is never answered.
        inbound.outcome = Outcome.LOOP_SUPPRESSED
        inbound.ticket = match.ticket if match else None
        inbound.reason = ("automatic reply: " + "; ".join(run.verdict.reasons))[:2000]
        text = run.parsed.text or html_to_text(sanitize_html(run.parsed.html))
        inbound.body_display, inbound.body_quoted = split_text(text, run.parsed.subject)
        return
    message = deliver(run, sender, match)
    inbound.ticket = message.ticket
    inbound.ticket_message = message
    if kind == MailKind.AUTOMATED:
        inbound.reason = ("automated mail (no auto-acknowledgement): " + "; ".join(run.verdict.reasons))[:2000]
    if run.oversize:
        inbound.reason = (inbound.reason + "; " if inbound.reason else "") + "oversize: kept raw, headers only"
    display(run, message)
    if inbound.outcome == Outcome.CREATED and kind == MailKind.HUMAN and match is None:
        ack = autoack.queue(inbox=run.inbox, ticket=message.ticket, contact=sender, parsed=run.parsed, enqueue=False)
        if ack is not None and ack.status == DeliveryStatus.QUEUED:
            run.outbound_ids.append(ack.pk)


# What the steps write on the row (``tests/test_batches.py`` checks that nothing else changes).
PROCESSED_FIELDS = (
    "attempts",
    "outcome",
    "reason_code",
    "reason",
    "kind",
    "defects",
    "thread_reason",
    "thread_detail",
    "ticket",
    "ticket_message",
    "body_display",
    "body_quoted",
    "html_display",
    "processed_at",
)


@functools.cache
def _processed_attnames() -> tuple[str, ...]:
    attnames = {field.name: field.attname for field in InboundEmail._meta.concrete_fields}
    return tuple(attnames[name] for name in PROCESSED_FIELDS)


def finish(run: _Run) -> None:
    inbound = run.inbound
    inbound.processed_at = clock.now()
    if not run.outcome_only:  # outcome-only rows are written with the batch's (one statement)
        save_fields(inbound, PROCESSED_FIELDS)  # save(update_fields=…) without its per-call SQL building
    run.events.append(
        (
            EmailReceived(
                inbound_id=inbound.pk,
                inbox_id=inbound.inbox_id,
                outcome=inbound.outcome,
                kind=inbound.kind,
                ticket_id=inbound.ticket_id,
                message_id=inbound.ticket_message_id,
            ),
            inbound.ticket or inbound,
        )
    )


# --- entry points ----------------------------------------------------------------------------------


def process(inbound_id: int, *, replay: bool = False, allow_non_participant: bool = False) -> InboundEmail:
    """Process one stored message (idempotent: a processed one is returned unchanged).

    ``replay`` runs a quarantined message again; ``allow_non_participant`` lets a held
    reply from a non-participant join the ticket it matched (an administrator's call).
    """
    done = process_many([inbound_id], replay=replay, allow_non_participant=allow_non_participant)
    if not done:
        raise InboundEmail.DoesNotExist(f"no inbound email {inbound_id}")
    return done[0]


def process_many(
    inbound_ids: Sequence[int], *, replay: bool = False, allow_non_participant: bool = False
) -> list[InboundEmail]:
    """Process stored messages in one transaction, each in its own savepoint.

    The rows are locked with one query and the events of the whole batch are delivered
    by one task after the commit. A message that fails is quarantined alone (its
    savepoint is rolled back); a database that is down rolls the whole batch back and
    its rows stay pending for the sweeper. Returns the rows in the order asked (ids
    that do not exist are left out).
    """
    ids = list(dict.fromkeys(inbound_ids))
    # One transaction; its outbox events and audit rows are inserted once, at its end, and
    # what its messages look up alike (an organization by domain) is looked up once.
    with deferred_inserts(), batch_memo():
        locked = InboundEmail.objects.select_for_update(of=("self",)).select_related("inbox").filter(pk__in=ids)
        rows = {row.pk: row for row in locked}
        batch = _Batch()
        done = [
            _process_row(rows[pk], batch, replay=replay, allow_non_participant=allow_non_participant)
            for pk in ids
            if pk in rows
        ]
        save_fields_many(batch.outcomes, PROCESSED_FIELDS)
        emit_many(batch.events)
        if batch.outbound_ids:
            outbound_ids = batch.outbound_ids
            transaction.on_commit(lambda: enqueue_send_many(outbound_ids))
        return done


@dataclass
class _Batch:
    """What a batch's messages leave to be done once for all of them."""

    events: list[tuple[Event, Model]] = field(default_factory=list)
    outbound_ids: list[int] = field(default_factory=list)
    # Rows whose outcome needed no other write (loops, reports about mail we never sent):
    # written with one statement at the end of the batch.
    outcomes: list[InboundEmail] = field(default_factory=list)


def _process_row(inbound: InboundEmail, batch: _Batch, *, replay: bool, allow_non_participant: bool) -> InboundEmail:
    """One message; its events, mail and outcome join the batch's when it succeeds.

    A message that lost a race with another worker (the same new contact created by
    both: ``IntegrityError``) is rolled back and run again, which finds that row
    (:func:`race_attempts`).
    """
    if inbound.outcome != Outcome.PENDING and not (replay and inbound.outcome == Outcome.QUARANTINED):
        return inbound
    # Column values (``ticket_id``, not ``ticket``: no query for a replayed row's ticket).
    before = {name: getattr(inbound, name) for name in _processed_attnames()}

    def restore() -> None:
        for name, value in before.items():
            setattr(inbound, name, value)

    try:
        run = retrying(
            lambda: _attempt(inbound, allow_non_participant=allow_non_participant),
            attempts=race_attempts(),
            before_retry=restore,
        )
    except TEMPORARY_ERRORS:
        raise
    except Quarantine as stop:
        return quarantine(inbound.pk, stop.code, stop.detail, ticket=stop.ticket)
    except Exception as exc:
        logger.exception("inbound email %s could not be processed", inbound.pk)
        detail = f"{exc.__class__.__name__}: {exc}\n" + "".join(traceback.format_exception(exc)[-3:])
        return quarantine(inbound.pk, QuarantineReason.PROCESSING_ERROR, detail)
    batch.events.extend(run.events)
    batch.outbound_ids.extend(run.outbound_ids)
    if run.outcome_only:
        batch.outcomes.append(inbound)
    return inbound


def race_attempts() -> int:
    """How many times a message may run when it keeps losing races for new contacts.

    Each lost race is on an address the next attempt finds (the other worker committed
    it), and a message creates at most its sender and ``ATIENDE_EMAIL_MAX_CCS`` copies:
    workers importing the same thread at once can collide on a different new person each
    time, and every attempt but the last may lose. A conflict that repeats (a bug, not a
    race) still ends in quarantine after that many attempts.
    """
    return 2 + conf.get("ATIENDE_EMAIL_MAX_CCS")


def _attempt(inbound: InboundEmail, *, allow_non_participant: bool) -> _Run:
    """Load, classify and run the steps of one message.

    Loading and classifying read nothing from the database. A message they settle
    without writing anything (a loop; a report about mail we never sent) needs no
    savepoint: its outcome is written with the batch's (``_Run.outcome_only``). Every
    other message runs in a :func:`~atiende.core.units.unit`: its own savepoint, which
    the services it calls join instead of opening theirs.
    """
    reset(inbound)
    if inbound.inbox is None:
        raise Quarantine(QuarantineReason.NO_INBOX, "no inbox for any recipient, and no default inbox")
    parsed, oversize = load(inbound)
    try:
        addresses, domains = own_addresses()
        verdict = classify(parsed, own_addresses=addresses, own_domains=domains)
        run = _Run(
            inbound=inbound,
            inbox=inbound.inbox,
            parsed=parsed,
            verdict=verdict,
            own_addresses=addresses,
            oversize=oversize,
            allow_non_participant=allow_non_participant,
        )
        run.outcome_only = writes_nothing(verdict)
        with contextlib.nullcontext() if run.outcome_only else unit():
            run_steps(run)
            finish(run)
        return run
    finally:
        parsed.close()


def writes_nothing(verdict: Verdict) -> bool:
    """Whether the steps settle this message without a database write (besides its outcome)."""
    if verdict.kind == MailKind.LOOP:
        return True
    return verdict.kind in (MailKind.BOUNCE, MailKind.COMPLAINT) and not bounces.our_message_ids(verdict)


def reset(inbound: InboundEmail) -> None:
    inbound.attempts += 1
    inbound.outcome = Outcome.PENDING
    inbound.reason_code = ""
    inbound.reason = ""
    inbound.thread_reason = ""
    inbound.thread_detail = ""
    inbound.ticket = None
    inbound.ticket_message = None


@transaction.atomic
def quarantine(inbound_id: int, code: str, detail: str, *, ticket: Ticket | None = None) -> InboundEmail:
    inbound = InboundEmail.objects.select_for_update().get(pk=inbound_id)
    inbound.attempts += 1  # the attempt that failed was rolled back with everything else
    inbound.outcome = Outcome.QUARANTINED
    inbound.reason_code = code
    inbound.reason = detail[:10000]
    inbound.ticket = ticket
    inbound.ticket_message = None
    inbound.processed_at = clock.now()
    inbound.save()
    emit(EmailQuarantined(inbound_id=inbound.pk, reason_code=code), subject=inbound)
    return inbound
