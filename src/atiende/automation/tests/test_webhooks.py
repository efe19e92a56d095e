"""Outbound webhooks against a real local HTTP receiver that verifies the signature."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from atiende.accounts.tests.factories import make_user
from atiende.automation.choices import DeliveryStatus
from atiende.automation.models import Notification, WebhookDelivery, WebhookSubscription
from atiende.automation.services import webhooks
from atiende.automation.tests.factories import drain, make_admin, make_rule
from atiende.channels import crypto
from atiende.core import clock
from atiende.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db
SECRET = "whsec_test_secret"


class Receiver:
    """A local HTTP server that records requests and checks their signature like a real receiver."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        self.redirect_to: str | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers.items()),
                        "body": body,
                        "valid": webhooks.verify(SECRET, self.headers.get("X-Atiende-Signature", ""), body),
                    }
                )
                if receiver.redirect_to and self.path == "/hook":
                    self.send_response(307)
                    self.send_header("Location", receiver.redirect_to)
                    self.end_headers()
                    return
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                payload = b'{"ok": true}' if status < 300 else b"nope"
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with override_settings(ATIENDE_WEBHOOK_ALLOW_PRIVATE=True), Receiver() as r:
        yield r


def make_hook(url: str, **extra: Any) -> WebhookSubscription:
    hook, _secret = webhooks.create_webhook(
        actor=None,
        name="Zap",
        url=url,
        event_types=extra.pop("event_types", ["ticket.created"]),
        secret=SECRET,
        **extra,
    )
    return hook


def test_signed_delivery_with_idempotency_key(receiver: Receiver) -> None:
    hook = make_hook(receiver.url)
    ticket = make_ticket(subject="Hello")
    drain()
    delivery = WebhookDelivery.objects.get(subscription=hook)
    assert webhooks.send(delivery.pk) == DeliveryStatus.SUCCEEDED
    [request] = receiver.requests
    assert request["valid"] is True
    assert request["headers"]["Idempotency-Key"] == delivery.idempotency_key
    assert request["headers"]["X-Atiende-Event"] == "ticket.created"
    body = json.loads(request["body"])
    assert body["type"] == "ticket.created" and body["data"]["ticket_id"] == ticket.pk
    delivery.refresh_from_db()
    assert delivery.status_code == 200 and delivery.latency_ms is not None and '"ok"' in delivery.response_excerpt
    # a tampered body or another secret does not verify
    assert not webhooks.verify(SECRET, request["headers"]["X-Atiende-Signature"], request["body"] + b" ")
    assert not webhooks.verify("other", request["headers"]["X-Atiende-Signature"], request["body"])


def test_secret_is_encrypted_and_never_returned() -> None:
    with override_settings(ATIENDE_WEBHOOK_ALLOW_PRIVATE=True):
        hook, secret = webhooks.create_webhook(
            actor=make_admin(), name="x", url="http://127.0.0.1:9/h", event_types=["*"]
        )
    assert secret.startswith("whsec_") and secret not in hook.secret_encrypted
    assert crypto.decrypt(hook.secret_encrypted) == secret


def test_condition_filters_events(receiver: Receiver) -> None:
    hook = make_hook(receiver.url, condition={"field": "ticket.priority", "op": "is", "value": "urgent"})
    make_ticket(priority="low")
    urgent = make_ticket(priority="urgent")
    drain()
    assert [d.payload["data"]["ticket_id"] for d in WebhookDelivery.objects.filter(subscription=hook)] == [urgent.pk]


def test_retries_with_backoff_then_auto_disable_with_a_notice(receiver: Receiver) -> None:
    admin = make_admin()
    receiver.statuses = [500] * 10
    hook = make_hook(receiver.url)
    make_ticket()
    drain()
    delivery = WebhookDelivery.objects.get(subscription=hook)
    start = clock.now()
    with override_settings(ATIENDE_WEBHOOK_DISABLE_AFTER=3, ATIENDE_WEBHOOK_BACKOFF=10):
        assert webhooks.send(delivery.pk) == DeliveryStatus.RETRYING
        delivery.refresh_from_db()
        assert delivery.next_attempt_at is not None
        assert timedelta(seconds=9) < delivery.next_attempt_at - start < timedelta(seconds=12)
        assert webhooks.send(delivery.pk) == DeliveryStatus.RETRYING  # not due yet: nothing sent
        assert len(receiver.requests) == 1
        with clock.frozen_at(start + timedelta(seconds=11)):
            assert webhooks.send(delivery.pk) == DeliveryStatus.RETRYING
        delivery.refresh_from_db()
        assert delivery.next_attempt_at - (start + timedelta(seconds=11)) > timedelta(seconds=19)  # doubled
        with clock.frozen_at(start + timedelta(seconds=40)):
            webhooks.send(delivery.pk)
    hook.refresh_from_db()
    assert not hook.is_active and hook.consecutive_failures == 3 and "500" in hook.disabled_reason
    assert Notification.objects.filter(recipient=admin, kind="webhook_disabled").count() == 1
    assert {r["headers"]["Idempotency-Key"] for r in receiver.requests} == {delivery.idempotency_key}


def test_a_worker_killed_mid_delivery_delivers_again_with_the_same_key(receiver: Receiver) -> None:
    hook = make_hook(receiver.url)
    make_ticket()
    drain()
    delivery = WebhookDelivery.objects.get(subscription=hook)

    real_post = webhooks.post

    def dying_post(*args: Any, **kwargs: Any) -> Any:
        real_post(*args, **kwargs)  # the request went out…
        raise SystemExit("kill -9")  # …and the worker died before recording it

    with mock.patch.object(webhooks, "post", dying_post), pytest.raises(SystemExit):
        webhooks.send(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.locked_until is not None
    assert webhooks.due() == []  # the dead worker's lease still holds
    with clock.frozen_at(clock.now() + timedelta(seconds=webhooks.LOCK_SECONDS + 1)):
        assert webhooks.sweep() == 1
    keys = [r["headers"]["Idempotency-Key"] for r in receiver.requests]
    assert keys == [delivery.idempotency_key, delivery.idempotency_key]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 2


def test_redirects_are_followed_and_rechecked(receiver: Receiver) -> None:
    receiver.redirect_to = receiver.url.replace("/hook", "/moved")
    hook = make_hook(receiver.url)
    make_ticket()
    drain()
    delivery = WebhookDelivery.objects.get(subscription=hook)
    assert webhooks.send(delivery.pk) == DeliveryStatus.SUCCEEDED
    assert [r["path"] for r in receiver.requests] == ["/hook", "/moved"]
    # without the allowance, a redirect to a private address is refused
    receiver.redirect_to = "http://10.0.0.1/internal"
    with override_settings(ATIENDE_WEBHOOK_ALLOW_PRIVATE=False, ATIENDE_WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8"):
        with pytest.raises(webhooks.BlockedTarget):
            webhooks.post(receiver.url, b"{}", {}, timeout=5)


def test_manual_replay_sends_a_new_delivery(receiver: Receiver) -> None:
    admin = make_admin()
    hook = make_hook(receiver.url)
    make_ticket()
    drain()
    first = WebhookDelivery.objects.get(subscription=hook)
    webhooks.send(first.pk)
    again = webhooks.replay(actor=admin, delivery=first)
    webhooks.send(again.pk)
    assert again.replay_of == first and again.idempotency_key != first.idempotency_key
    assert len(receiver.requests) == 2 and all(r["valid"] for r in receiver.requests)
    with pytest.raises(PermissionDenied):
        webhooks.replay(actor=make_user(), delivery=first)


def test_rule_action_calls_a_webhook(receiver: Receiver) -> None:
    hook = make_hook(receiver.url, event_types=["automation.rule"])
    make_rule(actions=[{"type": "call_webhook", "webhook": hook.pk}])
    ticket = make_ticket()
    drain()
    delivery = WebhookDelivery.objects.get(subscription=hook)
    webhooks.send(delivery.pk)
    body = json.loads(receiver.requests[0]["body"])
    assert body["type"] == "automation.rule" and body["ticket"]["number"] == ticket.number


BLOCKED = [
    "http://127.0.0.1/",
    "http://localhost/",
    "http://[::1]/",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://017700000001/",
    "http://0.0.0.0/",
    "http://[fe80::1]/",
    "http://[fd00::1]/",
    "http://224.0.0.1/",
    "ftp://example.com/",
    "http://user:pass@example.com/",
    "file:///etc/passwd",
]


@pytest.mark.parametrize("url", BLOCKED)
def test_ssrf_targets_are_refused(url: str) -> None:
    with override_settings(ATIENDE_WEBHOOK_ALLOW_PRIVATE=False, ATIENDE_WEBHOOK_ALLOWED_NETWORKS=""):
        with pytest.raises(webhooks.BlockedTarget):
            webhooks.check_url(url)
        with pytest.raises(ValidationError) as exc:
            webhooks.create_webhook(actor=None, name="x", url=url, event_types=["*"])
        assert "url" in exc.value.message_dict


def test_dns_answers_are_checked_and_pinned() -> None:
    answer = [(2, 1, 6, "", ("10.0.0.7", 443))]
    with override_settings(ATIENDE_WEBHOOK_ALLOW_PRIVATE=False), mock.patch("socket.getaddrinfo", return_value=answer):
        with pytest.raises(webhooks.BlockedTarget, match=r"10\.0\.0\.7"):
            webhooks.check_url("https://hooks.example.com/x")
    public = [(2, 1, 6, "", ("93.184.216.34", 443))]
    with override_settings(ATIENDE_WEBHOOK_ALLOW_PRIVATE=False), mock.patch("socket.getaddrinfo", return_value=public):
        target = webhooks.check_url("https://hooks.example.com/x?a=1")
    assert (target.address, target.host, target.path, target.port) == (
        "93.184.216.34",
        "hooks.example.com",
        "/x?a=1",
        443,
    )
    with (
        override_settings(ATIENDE_WEBHOOK_ALLOW_PRIVATE=False, ATIENDE_WEBHOOK_ALLOWED_NETWORKS="10.0.0.0/24"),
        mock.patch("socket.getaddrinfo", return_value=answer),
    ):
        assert webhooks.check_url("https://hooks.example.com/x").address == "10.0.0.7"


def test_only_admins_manage_webhooks() -> None:
    with pytest.raises(PermissionDenied):
        webhooks.create_webhook(actor=make_user(), name="x", url="https://example.com/", event_types=["*"])
