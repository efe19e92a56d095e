"""Provider webhooks through django-anymail: inbound mail and delivery tracking.

Mounted by :mod:`atiende.channels.urls` for Mailgun, SendGrid, Postmark, Amazon SES and
Brevo. Each request is authenticated by the provider's own mechanism, as anymail
implements it, and a *missing* signature is always a rejection:

* Mailgun — the HMAC-SHA256 ``signature`` of ``timestamp + token`` with the webhook
  signing key (``ANYMAIL["MAILGUN_WEBHOOK_SIGNING_KEY"]``).
* SendGrid, Postmark, Brevo — HTTP basic auth with ``ANYMAIL["WEBHOOK_SECRET"]``, the
  mechanism those providers offer for inbound posts.
* Amazon SES — basic auth *and* the SNS message signature (:mod:`.sns`).

A provider whose secret is not configured is refused (403) instead of being accepted
unauthenticated, which is what anymail would do with a warning. The raw message is
stored before the view answers 200; a storage or database failure answers 500 and
the provider retries.
"""

from __future__ import annotations

import base64
import json
import logging
import warnings
from collections.abc import Callable
from typing import Any

from anymail.exceptions import AnymailNotSupportedWarning, AnymailWebhookValidationFailure
from anymail.signals import AnymailInboundEvent, AnymailTrackingEvent, inbound, tracking
from anymail.utils import get_anymail_setting
from anymail.webhooks.amazon_ses import AmazonSESInboundWebhookView, AmazonSESTrackingWebhookView
from anymail.webhooks.brevo import BrevoInboundWebhookView, BrevoTrackingWebhookView
from anymail.webhooks.mailgun import MailgunInboundWebhookView, MailgunTrackingWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView, PostmarkTrackingWebhookView
from anymail.webhooks.sendgrid import SendGridInboundWebhookView, SendGridTrackingWebhookView
from django.core.exceptions import ImproperlyConfigured
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt

from atiende.channels import conf
from atiende.channels.choices import DeliveryStatus, Source, SuppressionReason
from atiende.channels.email import sns
from atiende.channels.email.bounces import suppress
from atiende.channels.email.intake import receive
from atiende.channels.models import OutboundEmail
from atiende.core import clock

logger = logging.getLogger(__name__)

# Anymail dropped *official* SendGrid support (anymail#432); its inbound webhook still works
# and is tested here, so its per-request notice is noise.
warnings.filterwarnings("ignore", category=AnymailNotSupportedWarning, message=".*SendGrid.*")


# --- storing what the providers post ---------------------------------------------------------------


def raw_bytes(event: AnymailInboundEvent, esp_name: str) -> bytes:
    """The message as the provider received it, when the provider passes it on."""
    esp_event = event.esp_event
    try:
        if esp_name == "Mailgun" and hasattr(esp_event, "POST") and "body-mime" in esp_event.POST:
            return str(esp_event.POST["body-mime"]).encode("utf-8", errors="surrogateescape")
        if esp_name == "SendGrid" and hasattr(esp_event, "POST") and "email" in esp_event.POST:
            return str(esp_event.POST["email"]).encode("utf-8", errors="surrogateescape")
        if esp_name == "Postmark" and isinstance(esp_event, dict) and esp_event.get("RawEmail"):
            return str(esp_event["RawEmail"]).encode("utf-8", errors="surrogateescape")
        if esp_name == "Amazon SES" and isinstance(esp_event, dict) and esp_event.get("content"):
            action = esp_event.get("receipt", {}).get("action", {})
            if action.get("encoding") == "BASE64":
                return base64.b64decode(esp_event["content"])
            return str(esp_event["content"]).encode("utf-8", errors="surrogateescape")
    except (KeyError, ValueError, TypeError):
        pass
    message = event.message
    try:
        return message.as_bytes()
    except Exception:
        return message.as_string().encode("utf-8", errors="replace")


@receiver(inbound, dispatch_uid="atiende.channels.email.inbound")
def store_inbound(sender: Any, event: AnymailInboundEvent, esp_name: str, **kwargs: Any) -> None:
    message = event.message
    recipient = getattr(message, "envelope_recipient", None) or ""
    receive(
        source=Source.WEBHOOK,
        raw=raw_bytes(event, esp_name),
        recipients=[recipient] if recipient else [],
        envelope_sender=getattr(message, "envelope_sender", None) or "",
        source_ref=f"{esp_name}:{event.event_id or ''}"[:500],
    )


_TRACKING_STATUS = {
    "delivered": DeliveryStatus.DELIVERED,
    "bounced": DeliveryStatus.BOUNCED,
    "rejected": DeliveryStatus.FAILED,
    "complained": DeliveryStatus.BOUNCED,
    "failed": DeliveryStatus.FAILED,
}


@receiver(tracking, dispatch_uid="atiende.channels.email.tracking")
def record_tracking(sender: Any, event: AnymailTrackingEvent, esp_name: str, **kwargs: Any) -> None:
    status = _TRACKING_STATUS.get(str(event.event_type))
    if status is None or not event.message_id:
        return
    OutboundEmail.objects.filter(provider_message_id=str(event.message_id)).update(
        status=status, last_error=str(event.description or event.reject_reason or "")[:2000], updated_at=clock.now()
    )
    if event.event_type in ("bounced", "complained", "rejected") and event.recipient:
        reason = {
            "complained": SuppressionReason.COMPLAINT,
            "rejected": SuppressionReason.REJECTED,
        }.get(str(event.event_type), SuppressionReason.BOUNCE)
        suppress(str(event.recipient), reason=reason, detail=f"{esp_name}: {event.description or ''}")


# --- the views, refusing unauthenticated posts ----------------------------------------------------


def _setting(name: str, esp_name: str | None = None) -> Any:
    try:
        return get_anymail_setting(name, esp_name=esp_name, default=None)
    except ImproperlyConfigured:
        return None


def _has_basic_auth() -> bool:
    return bool(_setting("webhook_secret"))


def _has_mailgun_key() -> bool:
    return bool(_setting("webhook_signing_key", "Mailgun") or _setting("api_key", "Mailgun"))


class SignedSNSMixin:
    """Verify the SNS signature on top of anymail's checks (all validate_request methods run)."""

    def validate_request(self, request: HttpRequest) -> None:
        try:
            message = json.loads(request.body.decode("utf-8"))
            sns.verify(message, topic_arns=list(conf.get("ATIENDE_SES_TOPIC_ARNS")) or None)
        except (ValueError, UnicodeDecodeError, sns.SignatureError) as exc:
            raise AnymailWebhookValidationFailure(f"Amazon SNS signature check failed: {exc}") from None


class SignedSESInboundView(SignedSNSMixin, AmazonSESInboundWebhookView):
    pass


class SignedSESTrackingView(SignedSNSMixin, AmazonSESTrackingWebhookView):
    pass


def guarded(view_class: type[Any], configured: Callable[[], bool]) -> Callable[..., HttpResponse]:
    """The anymail view, or 403 when the provider's authentication is not configured."""

    @csrf_exempt
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not configured():
            return HttpResponseForbidden("webhook authentication is not configured for this provider")
        return view_class.as_view()(request, *args, **kwargs)  # type: ignore[no-any-return]

    return view


PROVIDERS: dict[str, tuple[type[Any], type[Any], Callable[[], bool]]] = {
    "mailgun": (MailgunInboundWebhookView, MailgunTrackingWebhookView, _has_mailgun_key),
    "sendgrid": (SendGridInboundWebhookView, SendGridTrackingWebhookView, _has_basic_auth),
    "postmark": (PostmarkInboundWebhookView, PostmarkTrackingWebhookView, _has_basic_auth),
    "amazon_ses": (SignedSESInboundView, SignedSESTrackingView, _has_basic_auth),
    "brevo": (BrevoInboundWebhookView, BrevoTrackingWebhookView, _has_basic_auth),
}
