"""Rate limits answer 429 with Retry-After and a problem body."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework.throttling import SimpleRateThrottle

from atiende.accounts import services
from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_user
from atiende.api.tests.support import API, client_for, token_client

pytestmark = pytest.mark.django_db

RATES = {"anon": "2/min", "user": "3/min"}


@pytest.fixture
def low_rates(monkeypatch: pytest.MonkeyPatch) -> None:
    # DRF reads the rates when the throttle classes are imported, so the settings
    # override alone would not reach them; the class attribute is what they use.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", RATES)
    # Counters live in the shared cache (Redis when configured, possibly shared with
    # other test processes): a key format of our own keeps them apart.
    monkeypatch.setattr(SimpleRateThrottle, "cache_format", f"throttle_test_{uuid.uuid4().hex}_%(scope)s_%(ident)s")


@override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": RATES})
@pytest.mark.usefixtures("low_rates")
@pytest.mark.parametrize("auth", ["session", "token"])
def test_too_many_requests_is_429_with_retry_after(auth: str) -> None:
    user = make_user(role=Role.AGENT)
    if auth == "token":
        _token, secret = services.create_api_token(actor=None, user=user)
        client = token_client(secret)
    else:
        client = client_for(user)
    statuses = [client.get(f"{API}/users/me/").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    limited = client.get(f"{API}/users/me/")
    assert limited.status_code == 429
    assert 0 < int(limited["Retry-After"]) <= 61  # seconds until a slot frees, rounded up
    assert limited["Content-Type"].startswith("application/problem+json")
    body = limited.json()
    assert body["status"] == 429 and body["type"].endswith("throttled")
    assert body["retry_after"] == int(limited["Retry-After"])
