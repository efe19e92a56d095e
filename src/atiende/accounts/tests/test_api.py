"""Accounts API: real token authentication, scopes, users, organizations, teams."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from atiende.accounts import services
from atiende.accounts.choices import Role
from atiende.accounts.models import ApiToken, User
from atiende.accounts.tests.factories import PASSWORD, make_organization, make_team, make_user
from atiende.api.tests.support import API, client_for, no_throttle, token_client  # noqa: F401 - fixture
from atiende.contacts.tests.factories import make_contact
from atiende.core import clock

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_throttle")]


def ticket_body() -> dict[str, Any]:
    return {"subject": "Token ticket", "requester": make_contact().pk, "message": {"body": "via token"}}


def test_read_token_reads_but_cannot_write() -> None:
    agent = make_user(role=Role.ADMIN)
    token, secret = services.create_api_token(actor=agent, user=agent, scope="read")
    client = token_client(secret)
    assert client.get(f"{API}/tickets/").status_code == 200
    refused = client.post(f"{API}/tickets/", ticket_body(), format="json")
    assert refused.status_code == 403
    assert refused["Content-Type"].startswith("application/problem+json")
    assert client.post(f"{API}/tokens/", {"scope": "write"}, format="json").status_code == 403
    assert client.delete(f"{API}/tokens/{token.pk}/").status_code == 403
    token.refresh_from_db()
    assert token.last_used_at is not None and token.revoked_at is None


def test_write_token_writes_and_bearer_works_too() -> None:
    agent = make_user(role=Role.ADMIN)
    _token, secret = services.create_api_token(actor=agent, user=agent, scope="write")
    assert token_client(secret).post(f"{API}/tickets/", ticket_body(), format="json").status_code == 201
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get(f"{API}/users/me/").json()["email"] == agent.email


@pytest.mark.parametrize("state", ["revoked", "expired", "wrong", "malformed", "inactive user"])
def test_bad_tokens_are_401(state: str) -> None:
    user = make_user(role=Role.AGENT)
    if state == "expired":
        with clock.frozen_at(timezone.now() - timedelta(days=3)):
            _token, secret = services.create_api_token(actor=user, user=user, scope="write", expires_in_days=1)
    else:
        token, secret = services.create_api_token(actor=user, user=user, scope="write")
    if state == "revoked":
        services.revoke_api_token(actor=user, token=token)
    elif state == "wrong":
        secret = secret[:-4] + ("aaaa" if not secret.endswith("aaaa") else "bbbb")
    elif state == "malformed":
        secret = "not a token"
    elif state == "inactive user":
        services.update_user(actor=None, user=user, is_active=False)
    response = token_client(secret).get(f"{API}/users/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["status"] == 401


def test_no_credentials_is_401_with_problem_body() -> None:
    response = client_for(None).get(f"{API}/tickets/")
    assert response.status_code == 401 and response["Content-Type"].startswith("application/problem+json")


def test_session_login_works_too() -> None:
    user = make_user(role=Role.AGENT)
    client = client_for(None)
    assert client.login(email=user.email, password=PASSWORD)
    assert client.get(f"{API}/users/me/").json()["id"] == user.pk


def test_token_lifecycle_secret_shown_once() -> None:
    user = make_user(role=Role.CUSTOMER)
    client = client_for(user)
    created = client.post(f"{API}/tokens/", {"name": "laptop", "scope": "write", "expires_in_days": 30}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["token"].startswith("atd_") and body["scope"] == "write" and body["expires_at"]
    listed = client.get(f"{API}/tokens/").json()["results"]
    assert [row["id"] for row in listed] == [body["id"]] and "token" not in listed[0]
    assert body["token"] not in str(ApiToken.objects.values_list()[0])  # only the hash is stored
    assert token_client(body["token"]).get(f"{API}/users/me/").json()["id"] == user.pk
    assert client.delete(f"{API}/tokens/{body['id']}/").status_code == 204
    assert client.get(f"{API}/tokens/{body['id']}/").json()["revoked_at"]
    assert token_client(body["token"]).get(f"{API}/users/me/").status_code == 401
    bad = client.post(f"{API}/tokens/", {"scope": "admin", "expires_in_days": 0}, format="json")
    assert {e["field"] for e in bad.json()["errors"]} == {"scope", "expires_in_days"}


def test_admin_creates_and_changes_users() -> None:
    admin = make_user(role=Role.ADMIN)
    team = make_team(name="Tier 2")
    org = make_organization(name="Acme")
    client = client_for(admin)
    created = client.post(
        f"{API}/users/",
        {"email": "New.Agent@Desk.test", "name": "New Agent", "role": "agent", "teams": [team.pk], "language": "en"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["email"] == "new.agent@desk.test" and body["teams"] == [{"id": team.pk, "name": "Tier 2"}]
    assert "password" not in body
    changed = client.patch(
        f"{API}/users/{body['id']}/", {"role": "supervisor", "teams": [], "is_active": False}, format="json"
    )
    assert changed.status_code == 200
    assert (changed.json()["role"], changed.json()["teams"], changed.json()["is_active"]) == ("supervisor", [], False)
    customer = client.post(
        f"{API}/users/", {"email": "c@acme.test", "role": "customer", "organization": org.pk}, format="json"
    )
    assert customer.json()["organization"] == {"id": org.pk, "name": "Acme"}
    for payload, field in [
        ({"email": "new.agent@desk.test"}, "email"),
        ({"email": "broken"}, "email"),
        ({"email": "x@desk.test", "role": "god"}, "role"),
        ({"email": "x@desk.test", "password": "123"}, "password"),
        ({"email": "x@desk.test", "teams": [987654]}, "teams"),
        ({"email": "x@desk.test", "time_zone": "Mars/Olympus"}, "time_zone"),
    ]:
        response = client.post(f"{API}/users/", payload, format="json")
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == field, payload
    assert User.objects.filter(email="x@desk.test").count() == 0


def test_user_filters() -> None:
    admin = make_user(role=Role.ADMIN, name="Ada Admin")
    team = make_team()
    agent = make_user(role=Role.AGENT, teams=[team], name="Bob Agent")
    make_user(role=Role.CUSTOMER, name="Carl Customer")
    client = client_for(admin)

    def emails(**params: Any) -> set[str]:
        return {row["email"] for row in client.get(f"{API}/users/", params).json()["results"]}

    assert emails(team=team.pk) == {agent.email}
    assert emails(role="agent,admin") == {agent.email, admin.email}
    assert emails(q="bob") == {agent.email}


def test_organizations_and_teams_by_managers() -> None:
    supervisor = make_user(role=Role.SUPERVISOR)
    client = client_for(supervisor)
    created = client.post(
        f"{API}/organizations/",
        {"name": "Globex", "domains": ["globex.test", "@Globex.example"], "members_see_org_tickets": True},
        format="json",
    )
    assert created.status_code == 201, created.content
    org = created.json()
    assert org["domains"] == ["globex.example", "globex.test"] and org["members_see_org_tickets"] is True
    changed = client.patch(
        f"{API}/organizations/{org['id']}/", {"domains": ["globex.test"], "notes": "Key account"}, format="json"
    )
    assert changed.json()["domains"] == ["globex.test"] and changed.json()["notes"] == "Key account"
    assert client.get(f"{API}/organizations/", {"q": "globex.t"}).json()["results"][0]["id"] == org["id"]
    assert client.get(f"{API}/organizations/", {"domain": "globex.test"}).json()["results"][0]["id"] == org["id"]
    taken = client.post(f"{API}/organizations/", {"name": "Other", "domains": ["globex.test"]}, format="json")
    assert taken.status_code == 400 and taken.json()["errors"][0]["field"] == "domains"

    admin = make_user(role=Role.ADMIN)
    agent = make_user(role=Role.AGENT)
    team = client_for(admin).post(f"{API}/teams/", {"name": "Escalations", "members": [agent.pk]}, format="json")
    assert team.status_code == 201 and [m["id"] for m in team.json()["members"]] == [agent.pk]
    customer = make_user(role=Role.CUSTOMER)
    bad = client_for(admin).patch(f"{API}/teams/{team.json()['id']}/", {"members": [customer.pk]}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "members"
