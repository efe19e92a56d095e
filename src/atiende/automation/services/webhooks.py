"""Outbound webhooks: subscriptions, signed deliveries with retries, SSRF guard, replay.

Every request is a ``POST`` of JSON with these headers::

    Content-Type: application/json
    User-Agent: atiende-webhooks/1
    X-Atiende-Event: ticket.updated
    X-Atiende-Delivery: 1234
    Idempotency-Key: 7f1c…            (the same on every retry of this delivery)
    X-Atiende-Signature: t=1763900000,v1=<hex>

``v1`` is ``HMAC-SHA256(secret, f"{t}.{body}")`` in lowercase hex, where ``t`` is the Unix
time of the attempt and ``body`` the exact bytes sent. Receivers recompute it, compare in
constant time and refuse a ``t`` older than a few minutes (replays).

SSRF guard: only ``http``/``https``, no credentials in the URL; the host is resolved and
every address must be public (loopback, private, link-local, multicast, reserved,
IPv4-mapped IPv6 and decimal/hex/octal spellings are refused) unless
``ATIENDE_WEBHOOK_ALLOW_PRIVATE`` is on or it is inside ``ATIENDE_WEBHOOK_ALLOWED_NETWORKS``.
The connection goes to the address that was checked (no second lookup that DNS rebinding
could answer differently), and each redirect is checked again (at most 3).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from atiende.accounts import audit
from atiende.accounts.models import User
from atiende.automation import conf
from atiende.automation.choices import DeliveryStatus, NotificationKind
from atiende.automation.models import WebhookDelivery, WebhookSubscription
from atiende.channels import crypto
from atiende.core import clock
from atiende.core import conditions as c
from atiende.core.events import event_types

logger = logging.getLogger(__name__)

USER_AGENT = "atiende-webhooks/1"
MAX_REDIRECTS = 3
EXCERPT = 1000
LOCK_SECONDS = 120


class BlockedTarget(ValueError):
    pass


# --- signing ------------------------------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, tolerance: int = 300, now: float | None = None) -> bool:
    """Check an ``X-Atiende-Signature`` header (what a receiver does; used by the tests)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


# --- SSRF guard ----------------------------------------------------------------------------------------------


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = host.strip().strip("[]")
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        pass
    try:  # decimal, hex and octal spellings resolvers accept (inet_aton)
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except (OSError, ValueError):
        return None


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return is_public(mapped)
        if address.teredo is not None:
            return False
    return bool(
        address.is_global
        and not (
            address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_multicast
            or address.is_reserved
            or address.is_unspecified
        )
    )


def _allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if is_public(address):
        return True
    if conf.get("ATIENDE_WEBHOOK_ALLOW_PRIVATE"):
        return True
    for network in conf.allowed_networks():
        try:
            if address in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP we connect to


def check_url(url: str) -> Target:
    """Parse and check ``url``; the address to connect to. Raises :class:`BlockedTarget`."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise BlockedTarget(_("This is not a valid URL.")) from None
    if parts.scheme not in {"http", "https"}:
        raise BlockedTarget(_("Only http and https URLs are allowed."))
    if parts.username or parts.password:
        raise BlockedTarget(_("Credentials in the URL are not allowed; use the signing secret."))
    host = parts.hostname or ""
    if not host:
        raise BlockedTarget(_("The URL has no host."))
    port = port or (443 if parts.scheme == "https" else 80)
    literal = _literal(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
        except OSError as exc:
            raise BlockedTarget(
                _("The host %(host)s cannot be resolved (%(error)s).") % {"host": host, "error": exc}
            ) from None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise BlockedTarget(_("The host %(host)s cannot be resolved.") % {"host": host})
    for address in addresses:
        if not _allowed(address):
            raise BlockedTarget(
                _("The host %(host)s points to a private or local address (%(address)s), which is not allowed.")
                % {"host": host, "address": address}
            )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=parts.scheme, host=host, port=port, path=path, address=str(addresses[0]))


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to a fixed address, with SNI and certificate checks for the host name."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


@dataclass
class Response:
    status: int
    body: str
    latency_ms: int


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> Response:
    """POST ``body`` to ``url`` through the SSRF guard, following (and re-checking) redirects."""
    started = time.monotonic()
    for _hop in range(MAX_REDIRECTS + 1):
        target = check_url(url)
        cls = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
        conn = cls(target.host, target.address, target.port, timeout)
        try:
            host_header = target.host if target.port in (80, 443) else f"{target.host}:{target.port}"
            conn.request("POST", target.path, body=body, headers={**headers, "Host": host_header})
            response = conn.getresponse()
            text = response.read(64 * 1024).decode("utf-8", "replace")
            location = response.getheader("Location")
        finally:
            conn.close()
        if response.status in (301, 302, 303, 307, 308) and location:
            url = urljoin(url, location)
            continue
        return Response(response.status, text[:EXCERPT], int((time.monotonic() - started) * 1000))
    raise BlockedTarget(_("Too many redirects."))


# --- subscriptions --------------------------------------------------------------------------------------------


def _require_admin(actor: User | None) -> None:
    if actor is not None and actor.role != "admin":
        raise PermissionDenied(_("Only administrators can manage webhooks."))


def _clean(name: str, url: str, event_types_: Any, condition: Any) -> None:
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("This field is required.")]
    try:
        check_url(url)
    except BlockedTarget as exc:
        errors["url"] = [str(exc)]
    known = set(event_types()) | {"*", "automation.rule"}
    if not isinstance(event_types_, list) or not event_types_:
        errors["event_types"] = [_("Choose at least one event type (or “*”).")]
    else:
        unknown = [e for e in event_types_ if e not in known]
        if unknown:
            errors["event_types"] = [_("Unknown event type: %(e)s.") % {"e": ", ".join(map(str, unknown))}]
    for path, reason in c.validate(condition or {}):
        errors.setdefault(f"condition.{path}" if path else "condition", []).append(reason)
    if errors:
        raise ValidationError(errors)


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


@transaction.atomic
def create_webhook(
    *,
    actor: User | None,
    name: str,
    url: str,
    event_types: list[str],
    condition: dict[str, Any] | None = None,
    secret: str = "",
    is_active: bool = True,
) -> tuple[WebhookSubscription, str]:
    """Create a subscription; returns it and its signing secret (shown once, stored encrypted)."""
    _require_admin(actor)
    _clean(name, url, event_types, condition)
    secret = secret or new_secret()
    now = clock.now()
    row = WebhookSubscription.objects.create(
        name=name.strip()[:150],
        url=url.strip(),
        event_types=event_types,
        condition=condition or {},
        secret_encrypted=crypto.encrypt(secret),
        is_active=is_active,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    audit.record(
        actor=actor, action="automation.webhook_created", obj=row, after={"url": row.url, "events": event_types}
    )
    return row, secret


@transaction.atomic
def update_webhook(*, actor: User | None, webhook: WebhookSubscription, **changes: Any) -> WebhookSubscription:
    """Change a subscription; ``secret`` replaces the signing secret; re-enabling resets failures."""
    _require_admin(actor)
    allowed = {"name", "url", "event_types", "condition", "is_active", "secret"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed.")})
    secret = changes.pop("secret", None)
    for key, value in changes.items():
        setattr(webhook, key, value)
    _clean(webhook.name, webhook.url, webhook.event_types, webhook.condition)
    if secret:
        webhook.secret_encrypted = crypto.encrypt(secret)
    if changes.get("is_active"):
        webhook.consecutive_failures = 0
        webhook.disabled_at = None
        webhook.disabled_reason = ""
    webhook.updated_at = clock.now()
    webhook.save()
    audit.record(
        actor=actor,
        action="automation.webhook_updated",
        obj=webhook,
        after={**{k: v for k, v in changes.items()}, **({"secret": "(rotated)"} if secret else {})},
    )
    return webhook


@transaction.atomic
def delete_webhook(*, actor: User | None, webhook: WebhookSubscription) -> None:
    _require_admin(actor)
    audit.record(actor=actor, action="automation.webhook_deleted", obj=webhook, before={"url": webhook.url})
    webhook.delete()


# --- deliveries ------------------------------------------------------------------------------------------------


def _enqueue(delivery_id: int) -> None:
    from atiende.automation.tasks import deliver_webhook

    try:
        deliver_webhook.enqueue(delivery_id)
    except Exception:  # the task backend is down: the sweeper sends it later
        logger.exception("could not enqueue webhook delivery %s; the sweeper will retry", delivery_id)


def queue_delivery(
    *,
    subscription: WebhookSubscription,
    event_type: str,
    payload: dict[str, Any],
    event_id: Any = None,
    replay_of: WebhookDelivery | None = None,
) -> WebhookDelivery:
    """A delivery row (with its idempotency key), sent by a task after the commit."""
    now = clock.now()
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event_id=event_id,
        event_type=event_type,
        idempotency_key=uuid.uuid4().hex,
        payload=payload,
        replay_of=replay_of,
        status=DeliveryStatus.PENDING,
        next_attempt_at=now,
        created_at=now,
    )
    delivery_id = delivery.pk
    transaction.on_commit(lambda: _enqueue(delivery_id))
    return delivery


def event_body(event: Any) -> dict[str, Any]:
    return {
        "id": str(event.pk),
        "type": event.type,
        "version": event.version,
        "created_at": event.created_at.isoformat(),
        "subject": {"type": event.subject_type, "id": event.subject_id},
        "actor_id": event.actor_id,
        "data": event.payload,
        "changes": event.changes,
    }


def fan_out(event: Any) -> int:
    """Queue a delivery of ``event`` for every active subscription that wants it (subscriber)."""
    subs = [s for s in active_subscriptions() if "*" in s.event_types or event.type in s.event_types]
    if not subs:
        return 0
    body = event_body(event)
    queued = 0
    subject = None
    for sub in subs:
        if sub.condition:
            if subject is None:
                subject = _subject(event)
            if subject is False or not c.evaluate(sub.condition, subject):
                continue
        try:
            with transaction.atomic():
                queue_delivery(subscription=sub, event_type=event.type, payload=body, event_id=event.pk)
        except IntegrityError:
            continue  # already queued for this event
        queued += 1
    return queued


def _subject(event: Any) -> Any:
    from atiende.automation.services.rules import _load_ticket, subject_for

    ticket = _load_ticket(event.payload.get("ticket_id"))
    if ticket is None:
        return False  # a condition on a ticket never matches an event without one
    return subject_for(ticket, changes=event.changes)


_subs_cache: dict[str, Any] = {"version": None, "rows": []}


def active_subscriptions() -> list[WebhookSubscription]:
    from django.db.models import Count, Max

    row = WebhookSubscription.objects.aggregate(n=Count("id"), m=Max("updated_at"), i=Max("id"))
    version = (row["n"], row["m"], row["i"])
    if _subs_cache["version"] != version:
        _subs_cache["rows"] = list(WebhookSubscription.objects.filter(is_active=True))
        _subs_cache["version"] = version
    rows: list[WebhookSubscription] = _subs_cache["rows"]
    return rows


def backoff(attempts: int) -> timedelta:
    base = int(conf.get("ATIENDE_WEBHOOK_BACKOFF"))
    return timedelta(seconds=min(6 * 3600, base * 2 ** max(0, attempts - 1)))


def claim(delivery_id: int) -> WebhookDelivery | None:
    """Take a due delivery for one attempt (a lease: a killed worker's claim expires)."""
    now = clock.now()
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING])
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .update(locked_until=now + timedelta(seconds=LOCK_SECONDS), attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)


def request_for(delivery: WebhookDelivery, *, timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = timestamp if timestamp is not None else int(time.time())
    secret = crypto.decrypt(delivery.subscription.secret_encrypted)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Atiende-Event": delivery.event_type,
        "X-Atiende-Delivery": str(delivery.pk),
        "Idempotency-Key": delivery.idempotency_key,
        "X-Atiende-Signature": sign(secret, timestamp, body),
    }
    return body, headers


def send(delivery_id: int) -> str:
    """One attempt of a delivery (the task). Returns its status afterwards."""
    delivery = claim(delivery_id)
    if delivery is None:
        row = WebhookDelivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first()
        return str(row or "missing")
    subscription = delivery.subscription
    if not subscription.is_active:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED, error=_("The webhook is disabled."), locked_until=None
        )
        return DeliveryStatus.FAILED
    body, headers = request_for(delivery)
    try:
        response = post(subscription.url, body, headers, timeout=float(conf.get("ATIENDE_WEBHOOK_TIMEOUT")))
    except BlockedTarget as exc:
        return _finish(delivery, ok=False, error=str(exc), permanent=True)
    except (OSError, http.client.HTTPException) as exc:
        return _finish(delivery, ok=False, error=f"{exc.__class__.__name__}: {exc}")
    ok = 200 <= response.status < 300
    return _finish(
        delivery,
        ok=ok,
        status_code=response.status,
        latency_ms=response.latency_ms,
        excerpt=response.body,
        error="" if ok else _("The receiver answered %(code)s.") % {"code": response.status},
    )


def _finish(
    delivery: WebhookDelivery,
    *,
    ok: bool,
    error: str = "",
    status_code: int | None = None,
    latency_ms: int | None = None,
    excerpt: str = "",
    permanent: bool = False,
) -> str:
    now = clock.now()
    attempts = delivery.attempts
    with transaction.atomic():
        if ok:
            status = DeliveryStatus.SUCCEEDED
            WebhookSubscription.objects.filter(pk=delivery.subscription_id).update(consecutive_failures=0)
        elif permanent or attempts >= int(conf.get("ATIENDE_WEBHOOK_ATTEMPTS")):
            status = DeliveryStatus.FAILED
        else:
            status = DeliveryStatus.RETRYING
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=status,
            status_code=status_code,
            latency_ms=latency_ms,
            response_excerpt=excerpt[:EXCERPT],
            error=error[:2000],
            locked_until=None,
            next_attempt_at=None if status != DeliveryStatus.RETRYING else now + backoff(attempts),
            delivered_at=now if ok else None,
        )
        if not ok:
            _count_failure(delivery.subscription_id, error)
    return status


def _count_failure(subscription_id: int, error: str) -> None:
    WebhookSubscription.objects.filter(pk=subscription_id).update(consecutive_failures=F("consecutive_failures") + 1)
    limit = int(conf.get("ATIENDE_WEBHOOK_DISABLE_AFTER"))
    sub = WebhookSubscription.objects.select_for_update().get(pk=subscription_id)
    if sub.is_active and sub.consecutive_failures >= limit:
        now = clock.now()
        sub.is_active = False
        sub.disabled_at = now
        sub.disabled_reason = (
            _("%(n)d failed attempts in a row; last error: %(error)s") % {"n": sub.consecutive_failures, "error": error}
        )[:300]
        sub.updated_at = now
        sub.save(update_fields=["is_active", "disabled_at", "disabled_reason", "updated_at"])
        from atiende.automation.services.notifications import notify_admins

        notify_admins(
            title=_("Webhook “%(name)s” was disabled") % {"name": sub.name},
            body=sub.disabled_reason,
            url=f"/automation/webhooks/{sub.pk}/",
            kind=NotificationKind.WEBHOOK_DISABLED,
        )


@transaction.atomic
def replay(*, actor: User | None, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery's payload again as a new delivery (with a new idempotency key)."""
    _require_admin(actor)
    if not delivery.subscription.is_active:
        raise ValidationError({"subscription": _("Enable the webhook before replaying its deliveries.")})
    row = queue_delivery(
        subscription=delivery.subscription,
        event_type=delivery.event_type,
        payload=delivery.payload,
        event_id=delivery.event_id,
        replay_of=delivery,
    )
    audit.record(
        actor=actor,
        action="automation.webhook_replayed",
        obj=delivery.subscription,
        after={"delivery": delivery.pk, "replay": row.pk},
    )
    return row


def due(limit: int = 200) -> list[int]:
    """Deliveries to (re)try now: due retries, and claims of workers that died mid-request."""
    now = clock.now()
    return list(
        WebhookDelivery.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING])
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def sweep(limit: int = 200) -> int:
    sent = 0
    for delivery_id in due(limit):
        send(delivery_id)
        sent += 1
    return sent
