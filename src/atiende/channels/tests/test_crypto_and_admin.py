"""Credentials at rest (Fernet, key rotation) and the admin: inboxes through the services, quarantine replay."""

from __future__ import annotations

import io
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import Client

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import PASSWORD, make_user
from atiende.channels import crypto
from atiende.channels.choices import Outcome
from atiende.channels.models import InboundEmail, Inbox
from atiende.channels.tests.factories import deliver, make_inbox

pytestmark = pytest.mark.django_db


def test_rotation_first_key_encrypts_all_keys_decrypt(settings: Any) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ATIENDE_ENCRYPTION_KEYS = [old]
    inbox = make_inbox(imap_host="imap.example.com", imap_username="u", imap_password="hunter2-imap")
    token = inbox.imap_password_encrypted
    assert Fernet(old.encode()).decrypt(token.encode()) == b"hunter2-imap"

    settings.ATIENDE_ENCRYPTION_KEYS = [new, old]  # new key first: still decrypts the old token
    assert Inbox.objects.get(pk=inbox.pk).imap_password() == "hunter2-imap"
    out = io.StringIO()
    call_command("rotate_credentials", stdout=out)
    assert "1 inbox" in out.getvalue()
    rotated = Inbox.objects.get(pk=inbox.pk).imap_password_encrypted
    assert rotated != token and Fernet(new.encode()).decrypt(rotated.encode()) == b"hunter2-imap"

    settings.ATIENDE_ENCRYPTION_KEYS = [new]  # the old key can go now
    assert Inbox.objects.get(pk=inbox.pk).imap_password() == "hunter2-imap"
    settings.ATIENDE_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.CredentialError):
        Inbox.objects.get(pk=inbox.pk).imap_password()


def test_production_refuses_to_store_credentials_without_keys(settings: Any) -> None:
    settings.ATIENDE_ENCRYPTION_KEYS = []
    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("secret")
    settings.PRODUCTION = False
    assert crypto.decrypt(crypto.encrypt("secret")) == "secret"  # development: derived from SECRET_KEY


def admin_client() -> Client:
    user = make_user(role=Role.ADMIN)
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


def test_admin_creates_an_inbox_through_the_service_and_never_shows_the_password() -> None:
    client = admin_client()
    page = client.get("/admin/atiende_channels/inbox/add/")
    assert page.status_code == 200
    response = client.post(
        "/admin/atiende_channels/inbox/add/",
        {
            "name": "Soporte",
            "address": "soporte@desk.example",
            "language": "es",
            "is_active": "on",
            "use_reply_address": "on",
            "non_participant_policy": "new_ticket",
            "autoack_enabled": "on",
            "imap_security": "ssl",
            "imap_folder": "INBOX",
            "smtp_security": "starttls",
            "imap_password": "admin-form-secret",
            "signature": "",
            "autoack_subject_es": "",
            "autoack_body_es": "",
            "autoack_subject_en": "",
            "autoack_body_en": "",
            "imap_host": "",
            "imap_username": "",
            "imap_archive_folder": "",
            "smtp_host": "",
            "smtp_username": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    inbox = Inbox.objects.get(address="soporte@desk.example")
    assert inbox.imap_password() == "admin-form-secret"
    change = client.get(f"/admin/atiende_channels/inbox/{inbox.pk}/change/")
    assert change.status_code == 200 and b"admin-form-secret" not in change.content
    assert inbox.imap_password_encrypted.encode() not in change.content
    # An invalid form is shown again with the message, not a 500.
    bad = client.post("/admin/atiende_channels/inbox/add/", {"name": "X", "address": "soporte@desk.example"})
    assert bad.status_code == 200


def test_admin_quarantine_lists_and_replays() -> None:
    client = admin_client()
    inbox = make_inbox(address="soporte@desk.example")
    held = deliver(b"no headers at all", inbox=inbox)
    assert held.outcome == Outcome.QUARANTINED
    listing = client.get("/admin/atiende_channels/quarantinedemail/")
    assert listing.status_code == 200 and b"no_sender" in listing.content
    response = client.post(
        "/admin/atiende_channels/quarantinedemail/",
        {"action": "replay", "_selected_action": [held.pk]},
    )
    assert response.status_code == 302
    assert InboundEmail.objects.get(pk=held.pk).attempts == 2


def test_the_admin_is_for_administrators_only() -> None:
    agent = make_user(role=Role.AGENT)
    client = Client()
    client.login(email=agent.email, password=PASSWORD)
    assert client.get("/admin/atiende_channels/inbox/").status_code == 302  # to the login page
    assert client.get("/admin/atiende_channels/quarantinedemail/").status_code == 302
