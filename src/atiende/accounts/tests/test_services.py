from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from atiende.accounts import selectors, services, tokens
from atiende.accounts.choices import Role
from atiende.accounts.models import ApiToken, AuditLog
from atiende.accounts.tests.factories import PASSWORD, make_organization, make_team, make_user
from atiende.core import clock
from atiende.core.context import request_context
from atiende.core.models import OutboxEvent

pytestmark = pytest.mark.django_db


def test_login_by_email_case_insensitive():
    user = make_user(email="Agente@Example.com")
    assert user.email == "agente@example.com"
    assert authenticate(RequestFactory().get("/"), username="AGENTE@example.com", password=PASSWORD) == user


def test_duplicate_email_and_weak_password_name_the_field():
    make_user(email="a@example.com")
    with pytest.raises(ValidationError) as exc:
        make_user(email="A@example.com")
    assert "email" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.create_user(actor=None, email="b@example.com", password="123")
    assert "password" in exc.value.message_dict


def test_roles():
    light = make_user(role=Role.LIGHT_AGENT)
    assert light.is_agent and not light.can_reply_publicly and not light.is_staff
    admin = make_user(role=Role.ADMIN)
    assert admin.is_staff and admin.has_perm("tickets.change_ticket")
    customer = make_user(role=Role.CUSTOMER)
    assert not customer.is_agent and not customer.is_staff


def test_token_stored_hashed_and_expires():
    user = make_user()
    now = clock.now()
    token, secret = services.create_api_token(actor=user, user=user, scope="write", expires_in_days=2)
    assert secret.startswith("atd_") and secret not in token.key_hash
    assert token.key_hash == tokens.hash_token(secret)
    assert selectors.token_for_key(secret, now=now) == token
    assert selectors.token_for_key(secret[:-1] + ("A" if secret[-1] != "A" else "B"), now=now) is None
    assert selectors.token_for_key(secret, now=now + timedelta(days=3)) is None
    services.revoke_api_token(actor=user, token=token)
    assert selectors.token_for_key(secret, now=now) is None
    assert ApiToken.objects.get().revoked_at is not None


def test_audit_log_records_actor_ip_before_after():
    admin = make_user(role=Role.ADMIN)
    org = make_organization(name="Acme", domains=["acme.example"])
    with request_context(ip="203.0.113.7"):
        services.update_organization(
            actor=admin, organization=org, members_see_org_tickets=True, domains=["acme.example", "acme.es"]
        )
    entry = AuditLog.objects.filter(action="organization.updated").get()
    assert entry.actor == admin and entry.ip == "203.0.113.7"
    assert entry.before == {"members_see_org_tickets": False, "domains": ["acme.example"]}
    assert entry.after == {"members_see_org_tickets": True, "domains": ["acme.es", "acme.example"]}
    assert OutboxEvent.objects.filter(type="organization.updated").exists()


def test_domain_claimed_once():
    make_organization(domains=["acme.example"])
    with pytest.raises(ValidationError) as exc:
        make_organization(domains=["ACME.example"])
    assert "domains" in exc.value.message_dict


def test_team_members_must_be_agents():
    customer = make_user(role=Role.CUSTOMER)
    with pytest.raises(ValidationError) as exc:
        make_team(members=[customer])
    assert "members" in exc.value.message_dict
