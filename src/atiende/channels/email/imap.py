"""IMAP polling with imap-tools: fetch, store, *then* mark read or move.

Per inbox, one fetcher at a time (a lease row in :class:`MailboxState`). Each message is
fetched with ``BODY.PEEK[]`` (the server does not mark it read) and its raw bytes stored
(:func:`.intake.store`); every ``RECORD_BATCH`` messages the rows are recorded in one
transaction (:func:`.intake.record`, which also queues one processing task for them) and
only after that commit are the messages flagged ``\\Seen`` or moved to the archive
folder. A crash between the two leaves the message unread on the server; the next poll
fetches it again and dedupe returns the stored row, so it is neither lost nor doubled.

The watchdog (:func:`watchdog`) marks an inbox stalled when no fetch has succeeded for
``ATIENDE_IMAP_STALL_SECONDS`` or one has hung that long; :func:`health` reports it.
"""

from __future__ import annotations

import logging
import os
import socket
import ssl
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import F, Q
from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.mailbox import BaseMailBox

from atiende.channels import conf
from atiende.channels.choices import MailboxHealth, Security, Source
from atiende.channels.email.hosts import check_host
from atiende.channels.email.intake import Stored, record, store
from atiende.channels.events import MailboxStalled
from atiende.channels.models import Inbox, MailboxState
from atiende.core import clock
from atiende.core.events import emit

logger = logging.getLogger(__name__)

HOLDER = f"{socket.gethostname()}:{os.getpid()}"
RECORD_BATCH = 50


@dataclass
class PollResult:
    inbox_id: int
    fetched: int = 0
    new: int = 0
    skipped: bool = False
    error: str = ""


def ssl_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca_file = conf.get("ATIENDE_EMAIL_TLS_CA_FILE")
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def connect(inbox: Inbox) -> BaseMailBox:
    timeout = conf.get("ATIENDE_IMAP_TIMEOUT")
    if inbox.imap_security == Security.SSL:
        port = inbox.imap_port or 993
        check_host(inbox.imap_host, port)
        return MailBox(inbox.imap_host, port, timeout=timeout, ssl_context=ssl_context())
    port = inbox.imap_port or 143
    check_host(inbox.imap_host, port)
    if inbox.imap_security == Security.STARTTLS:
        return MailBoxStartTls(inbox.imap_host, port, timeout=timeout, ssl_context=ssl_context())
    return MailBoxUnencrypted(inbox.imap_host, port, timeout=timeout)


def fetch_raw(mailbox: BaseMailBox, uid: str) -> bytes | None:
    """The message exactly as stored on the server, without marking it read."""
    typ, data = mailbox.client.uid("FETCH", uid, "(BODY.PEEK[])")
    if typ != "OK":
        raise OSError(f"UID FETCH {uid} failed: {data!r}"[:300])
    for item in data or []:
        if isinstance(item, tuple) and len(item) >= 2 and isinstance(item[1], bytes):
            return item[1]
    return None  # expunged meanwhile


def acknowledge(mailbox: BaseMailBox, inbox: Inbox, uid: str) -> None:
    if inbox.imap_archive_folder:
        mailbox.move(uid, inbox.imap_archive_folder)
    else:
        mailbox.flag(uid, "\\Seen", True)


# --- lease and health ------------------------------------------------------------------------------


def _state(inbox: Inbox) -> MailboxState:
    state, _created = MailboxState.objects.get_or_create(inbox=inbox)
    return state


def _take_lease(inbox: Inbox, holder: str) -> bool:
    _state(inbox)
    now = clock.now()
    lease = timedelta(seconds=conf.get("ATIENDE_IMAP_TIMEOUT") * 5 + 60)
    return bool(
        MailboxState.objects.filter(inbox=inbox)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_holder=holder))
        .update(lease_holder=holder, lease_until=now + lease, fetching_since=now, last_started_at=now)
    )


def _renew(inbox: Inbox, holder: str, fetched: int) -> None:
    lease = timedelta(seconds=conf.get("ATIENDE_IMAP_TIMEOUT") * 5 + 60)
    MailboxState.objects.filter(inbox=inbox, lease_holder=holder).update(
        lease_until=clock.now() + lease, fetched_total=F("fetched_total") + fetched
    )


def _release(inbox: Inbox, holder: str, *, error: str) -> None:
    now = clock.now()
    fields: dict[str, Any] = {"lease_holder": "", "lease_until": None, "fetching_since": None}
    if error:
        fields.update(last_error=error[:2000], last_error_at=now, consecutive_failures=F("consecutive_failures") + 1)
    else:
        fields.update(last_success_at=now, last_error="", consecutive_failures=0, stalled_since=None)
    MailboxState.objects.filter(inbox=inbox, lease_holder=holder).update(**fields)


def poll_inbox(inbox: Inbox, *, holder: str | None = None, limit: int | None = None) -> PollResult:
    """Fetch the new messages of one inbox. Never raises: errors are recorded on its state."""
    holder = holder or f"{HOLDER}:{uuid.uuid4().hex[:6]}"
    result = PollResult(inbox_id=inbox.pk)
    if not inbox.imap_enabled or not inbox.is_active:
        result.skipped = True
        return result
    if not _take_lease(inbox, holder):
        result.skipped = True
        return result
    error = ""
    try:
        limit = limit or conf.get("ATIENDE_IMAP_BATCH")
        folder = inbox.imap_folder or "INBOX"
        with connect(inbox) as mailbox:
            mailbox.login(inbox.imap_username, inbox.imap_password(), initial_folder=folder)
            if inbox.imap_archive_folder and not mailbox.folder.exists(inbox.imap_archive_folder):
                mailbox.folder.create(inbox.imap_archive_folder)
            criteria = "ALL" if inbox.imap_archive_folder else "UNSEEN"
            uids = mailbox.uids(criteria)[:limit]
            for start in range(0, len(uids), RECORD_BATCH):
                fetched: list[tuple[str, Stored]] = []
                for uid in uids[start : start + RECORD_BATCH]:
                    raw = fetch_raw(mailbox, uid)
                    if raw is not None:
                        fetched.append(
                            (uid, store(source=Source.IMAP, raw=raw, inbox=inbox, source_ref=f"{folder}:{uid}"))
                        )
                received = record([stored for _uid, stored in fetched])
                for uid, _stored in fetched:
                    acknowledge(mailbox, inbox, uid)  # only now: the batch is committed
                result.fetched += len(fetched)
                result.new += sum(r.created for r in received)
                _renew(inbox, holder, len(fetched))
    except Exception as exc:
        error = f"{exc.__class__.__name__}: {exc}"
        result.error = error
        logger.warning("IMAP fetch of inbox %s failed: %s", inbox.pk, error)
    finally:
        _release(inbox, holder, error=error)
    return result


def poll_all() -> list[PollResult]:
    return [poll_inbox(inbox) for inbox in Inbox.objects.filter(imap_enabled=True, is_active=True).order_by("id")]


def _is_stalled(inbox: Inbox, state: MailboxState, now: Any, threshold: timedelta) -> bool:
    if state.fetching_since is not None and now - state.fetching_since > threshold:
        return True  # a fetch has hung
    reference = state.last_success_at or inbox.created_at
    return now - reference > threshold


def watchdog() -> list[int]:
    """Mark (and report, once) inboxes whose fetching stalled; clear recovered ones."""
    now = clock.now()
    threshold = timedelta(seconds=conf.get("ATIENDE_IMAP_STALL_SECONDS"))
    stalled: list[int] = []
    for inbox in Inbox.objects.filter(imap_enabled=True, is_active=True):
        state = _state(inbox)
        if _is_stalled(inbox, state, now, threshold):
            stalled.append(inbox.pk)
            if state.stalled_since is None:
                since = state.last_success_at or inbox.created_at
                MailboxState.objects.filter(pk=state.pk).update(stalled_since=now)
                logger.error("IMAP inbox %s (%s) has not fetched since %s", inbox.pk, inbox.address, since)
                emit(MailboxStalled(inbox_id=inbox.pk, since=since.isoformat()), subject=inbox)
        elif state.stalled_since is not None:
            MailboxState.objects.filter(pk=state.pk).update(stalled_since=None)
    return stalled


def health(inbox: Inbox) -> dict[str, Any]:
    """What an administrator needs to see about fetching (no credentials)."""
    if not inbox.imap_enabled:
        return {"status": MailboxHealth.DISABLED, "label": str(MailboxHealth.DISABLED.label)}
    state = MailboxState.objects.filter(inbox=inbox).first()
    if state is None or state.last_started_at is None:
        status = MailboxHealth.NEVER
    elif state.stalled_since is not None:
        status = MailboxHealth.STALLED
    elif state.consecutive_failures:
        status = MailboxHealth.FAILING
    else:
        status = MailboxHealth.OK
    info: dict[str, Any] = {"status": status, "label": str(MailboxHealth(status).label)}
    if state is not None:
        info.update(
            last_success_at=state.last_success_at,
            last_started_at=state.last_started_at,
            fetching_since=state.fetching_since,
            stalled_since=state.stalled_since,
            consecutive_failures=state.consecutive_failures,
            last_error=state.last_error,
            fetched_total=state.fetched_total,
        )
    return info
