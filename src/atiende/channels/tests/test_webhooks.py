"""Provider inbound webhooks, each signed exactly as the provider documents; unsigned posts are refused.

* Mailgun: ``signature = HMAC-SHA256(signing key, timestamp + token)`` (hex) in the form
  (and basic auth, since a webhook secret is configured).
* SendGrid, Postmark, Brevo: HTTP basic auth with the webhook secret in the URL
  (``https://user:pass@…``), the mechanism those providers and anymail use for inbound.
* Amazon SES: basic auth plus the SNS message signature (SignatureVersion 2, RSA-SHA256
  over the canonical string, certificate from ``sns.<region>.amazonaws.com``).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from django.db import OperationalError
from django.test import Client

from atiende.channels.choices import Outcome, Source
from atiende.channels.email import sns
from atiende.channels.models import InboundEmail
from atiende.channels.tests.factories import build_email, make_inbox

pytestmark = pytest.mark.django_db

SECRET = "hook:Zq8-webhook-secret"
MAILGUN_KEY = "mailgun-signing-key-0123456789"
AUTH: dict[str, Any] = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(SECRET.encode()).decode()}
BAD_AUTH: dict[str, Any] = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"hook:wrong").decode()}
CERT_URL = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem"


@pytest.fixture(autouse=True)
def configured(settings: Any) -> None:
    settings.ANYMAIL = {
        "WEBHOOK_SECRET": SECRET,
        "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY,
        "BREVO_API_KEY": "xkeysib-test",
    }
    make_inbox(address="soporte@desk.example", autoack_enabled=False)


def raw(message_id: str) -> bytes:
    return build_email(message_id=message_id, subject="Por webhook", body="Hola desde el proveedor.")


def stored(message_id: str) -> InboundEmail:
    row = InboundEmail.objects.get(message_id=message_id)
    assert row.source == Source.WEBHOOK and row.inbox is not None
    return row


# --- Mailgun ------------------------------------------------------------------------------------


def mailgun_post(client: Client, message_id: str, *, key: str = MAILGUN_KEY, sign: bool = True) -> Any:
    timestamp, token = str(int(time.time())), "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0"
    data = {
        "recipient": "soporte@desk.example",
        "sender": "ana@cliente.example",
        "body-mime": raw(message_id).decode(),
        "timestamp": timestamp,
        "token": token,
    }
    if sign:
        data["signature"] = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    # With WEBHOOK_SECRET set, anymail also wants basic auth; the signature is checked on top.
    return client.post("/webhooks/email/mailgun/inbound_mime/", data, **AUTH)


def test_mailgun(client: Client, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert mailgun_post(client, "<mg-1@cliente.example>").status_code == 200
    row = stored("<mg-1@cliente.example>")
    assert row.outcome == Outcome.CREATED and row.envelope_recipients == ["soporte@desk.example"]
    assert mailgun_post(client, "<mg-2@cliente.example>", sign=False).status_code == 400
    assert mailgun_post(client, "<mg-3@cliente.example>", key="guessed-key").status_code == 400
    assert not InboundEmail.objects.filter(message_id__in=["<mg-2@cliente.example>", "<mg-3@cliente.example>"]).exists()


# --- SendGrid (Inbound Parse, "send raw") ----------------------------------------------------------------


def sendgrid_post(client: Client, message_id: str, **auth: Any) -> Any:
    data = {
        "email": raw(message_id).decode(),
        "envelope": json.dumps({"to": ["soporte@desk.example"], "from": "ana@cliente.example"}),
        "charsets": json.dumps({"to": "UTF-8", "from": "UTF-8", "subject": "UTF-8"}),
        "spam_score": "0.1",
    }
    return client.post("/webhooks/email/sendgrid/inbound/", data, **auth)


@pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning")
def test_sendgrid(client: Client) -> None:
    assert sendgrid_post(client, "<sg-1@cliente.example>", **AUTH).status_code == 200
    assert stored("<sg-1@cliente.example>").envelope_sender == "ana@cliente.example"
    assert sendgrid_post(client, "<sg-2@cliente.example>").status_code == 400
    assert sendgrid_post(client, "<sg-3@cliente.example>", **BAD_AUTH).status_code == 400
    assert InboundEmail.objects.count() == 1


# --- Postmark ------------------------------------------------------------------------------------------


def postmark_post(client: Client, message_id: str, email: bytes | None = None, **auth: Any) -> Any:
    payload = {
        "FromFull": {"Email": "ana@cliente.example", "Name": "Ana"},
        "ToFull": [{"Email": "soporte@desk.example", "Name": ""}],
        "OriginalRecipient": "soporte@desk.example",
        "Subject": "Por webhook",
        "MessageID": "22c74902-a0c1-4511-804f-341342852c90",
        "Headers": [{"Name": "Return-Path", "Value": "<ana@cliente.example>"}],
        "RawEmail": (email or raw(message_id)).decode(),
    }
    return client.post(
        "/webhooks/email/postmark/inbound/", json.dumps(payload), content_type="application/json", **auth
    )


def test_postmark(client: Client) -> None:
    assert postmark_post(client, "<pm-1@cliente.example>", **AUTH).status_code == 200
    row = stored("<pm-1@cliente.example>")
    assert row.envelope_sender == "ana@cliente.example"
    assert postmark_post(client, "<pm-2@cliente.example>").status_code == 400
    assert postmark_post(client, "<pm-3@cliente.example>", **BAD_AUTH).status_code == 400
    assert InboundEmail.objects.count() == 1


# --- Brevo -------------------------------------------------------------------------------------------------


def brevo_post(client: Client, message_id: str, **auth: Any) -> Any:
    item = {
        "Uuid": ["3e1e8a5c-4bcb-4e4a-8e2c-9f8b1c8e2d11"],
        "MessageId": message_id,
        "Recipients": ["soporte@desk.example"],
        "From": {"Name": "Ana", "Address": "ana@cliente.example"},
        "To": [{"Name": None, "Address": "soporte@desk.example"}],
        "Subject": "Por webhook",
        "RawTextBody": "Hola desde Brevo.",
        "RawHtmlBody": "<p>Hola desde Brevo.</p>",
        "Headers": {
            "Message-Id": message_id,
            "From": "Ana <ana@cliente.example>",
            "To": "soporte@desk.example",
            "Subject": "Por webhook",
            "Date": "Mon, 10 Mar 2025 10:00:00 +0000",
        },
        "Attachments": [],
    }
    return client.post(
        "/webhooks/email/brevo/inbound/", json.dumps({"items": [item]}), content_type="application/json", **auth
    )


def test_brevo(client: Client, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert brevo_post(client, "<br-1@cliente.example>", **AUTH).status_code == 200
    row = stored("<br-1@cliente.example>")
    assert row.outcome == Outcome.CREATED
    assert row.ticket_message is not None and "Hola desde Brevo." in row.ticket_message.body_text
    assert brevo_post(client, "<br-2@cliente.example>").status_code == 400
    assert brevo_post(client, "<br-3@cliente.example>", **BAD_AUTH).status_code == 400


# --- Amazon SES through SNS -----------------------------------------------------------------------------


@pytest.fixture
def sns_key() -> Iterator[rsa.RSAPrivateKey]:
    """A signing certificate standing in for Amazon's, served for CERT_URL."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    with mock.patch.object(sns, "fetch_certificate", lambda url: pem if url == CERT_URL else b""):
        yield key


def sns_message(message_id: str, key: rsa.RSAPrivateKey | None, *, timestamp: str | None = None) -> dict[str, Any]:
    ses_event = {
        "notificationType": "Received",
        "mail": {
            "timestamp": "2025-03-10T10:00:00.000Z",
            "source": "ana@cliente.example",
            "messageId": "o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1x",
            "destination": ["soporte@desk.example"],
        },
        "receipt": {
            "recipients": ["soporte@desk.example"],
            "spamVerdict": {"status": "PASS"},
            "action": {"type": "SNS", "topicArn": "arn:aws:sns:eu-west-1:123456789012:inbound", "encoding": "BASE64"},
        },
        "content": base64.b64encode(raw(message_id)).decode(),
    }
    message = {
        "Type": "Notification",
        "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": "arn:aws:sns:eu-west-1:123456789012:inbound",
        "Subject": "Amazon SES Email Receipt Notification",
        "Message": json.dumps(ses_event),
        "Timestamp": timestamp or datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "SignatureVersion": "2",
        "SigningCertURL": CERT_URL,
        "UnsubscribeURL": "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe",
    }
    if key is not None:
        signature = key.sign(sns.canonical(message), padding.PKCS1v15(), hashes.SHA256())
        message["Signature"] = base64.b64encode(signature).decode()
    return message


def ses_post(client: Client, message: dict[str, Any], **auth: Any) -> Any:
    return client.post(
        "/webhooks/email/amazon_ses/inbound/",
        json.dumps(message),
        content_type="text/plain; charset=UTF-8",
        HTTP_X_AMZ_SNS_MESSAGE_TYPE=message["Type"],
        HTTP_X_AMZ_SNS_MESSAGE_ID=message["MessageId"],
        HTTP_X_AMZ_SNS_TOPIC_ARN=message["TopicArn"],
        **auth,
    )


def test_amazon_ses(client: Client, sns_key: rsa.RSAPrivateKey) -> None:
    assert ses_post(client, sns_message("<ses-1@cliente.example>", sns_key), **AUTH).status_code == 200
    assert stored("<ses-1@cliente.example>").envelope_sender == "ana@cliente.example"
    assert ses_post(client, sns_message("<ses-2@cliente.example>", sns_key)).status_code == 401  # no basic auth
    assert ses_post(client, sns_message("<ses-3@cliente.example>", None), **AUTH).status_code == 400  # unsigned
    forged = sns_message("<ses-4@cliente.example>", rsa.generate_private_key(public_exponent=65537, key_size=2048))
    assert ses_post(client, forged, **AUTH).status_code == 400
    tampered = sns_message("<ses-5@cliente.example>", sns_key)
    tampered["Message"] = tampered["Message"].replace("soporte@desk.example", "otro@desk.example")
    assert ses_post(client, tampered, **AUTH).status_code == 400
    old = sns_message("<ses-6@cliente.example>", sns_key, timestamp="2020-01-01T00:00:00.000Z")
    assert ses_post(client, old, **AUTH).status_code == 400  # a replay
    elsewhere = sns_message("<ses-7@cliente.example>", sns_key)
    elsewhere["SigningCertURL"] = "https://evil.example/cert.pem"
    assert ses_post(client, elsewhere, **AUTH).status_code == 400
    assert InboundEmail.objects.count() == 1


# --- refusing what cannot be authenticated, and storing before answering ------------------------------------


@pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning")
def test_providers_without_a_configured_secret_are_refused(client: Client, settings: Any) -> None:
    settings.ANYMAIL = {}
    assert mailgun_post(client, "<x1@cliente.example>").status_code == 403
    assert sendgrid_post(client, "<x2@cliente.example>").status_code == 403
    assert postmark_post(client, "<x3@cliente.example>").status_code == 403
    assert brevo_post(client, "<x4@cliente.example>").status_code == 403
    assert not InboundEmail.objects.exists()


def test_a_storage_failure_answers_500_so_the_provider_retries() -> None:
    client = Client(raise_request_exception=False)
    # The same bytes every time, as a provider retries them (a rebuilt message could get a
    # later Date header when the calls straddle a second, and be another message).
    email = raw("<retry@cliente.example>")
    with mock.patch("atiende.channels.email.webhooks.receive", side_effect=OperationalError("database down")):
        assert postmark_post(client, "<retry@cliente.example>", email, **AUTH).status_code == 500
    assert not InboundEmail.objects.exists()
    assert postmark_post(client, "<retry@cliente.example>", email, **AUTH).status_code == 200
    assert postmark_post(client, "<retry@cliente.example>", email, **AUTH).status_code == 200  # a replay: stored once
    assert InboundEmail.objects.filter(message_id="<retry@cliente.example>").count() == 1


def test_tracking_events_update_the_delivery_status_and_suppress(client: Client) -> None:
    from atiende.channels.choices import DeliveryStatus
    from atiende.channels.models import OutboundEmail, Suppression
    from atiende.core import clock

    now = clock.now()
    OutboundEmail.objects.create(
        kind="reply",
        recipient="ana@cliente.example",
        to=["ana@cliente.example"],
        from_address="s@desk.example",
        subject="x",
        message_id="<out@desk.example>",
        provider_message_id="pm-0001",
        status=DeliveryStatus.SENT,
        created_at=now,
        updated_at=now,
    )
    bounce = {
        "RecordType": "Bounce",
        "ID": 42,
        "Type": "HardBounce",
        "TypeCode": 1,
        "MessageID": "pm-0001",
        "Email": "ana@cliente.example",
        "BouncedAt": "2025-03-10T10:00:00Z",
        "Description": "The server was unable to deliver",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist",
        "Inactive": True,
    }
    response = client.post(
        "/webhooks/email/postmark/tracking/", json.dumps(bounce), content_type="application/json", **AUTH
    )
    assert response.status_code == 200
    assert OutboundEmail.objects.get(message_id="<out@desk.example>").status == DeliveryStatus.BOUNCED
    assert Suppression.objects.filter(address="ana@cliente.example").exists()
