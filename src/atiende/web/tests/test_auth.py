"""Sign in (rate-limited), sign out, password reset, sign-up with activation, sign-in links."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.test import Client

from atiende.accounts.choices import Role
from atiende.accounts.models import AuditLog, User
from atiende.accounts.tests.factories import PASSWORD
from atiende.contacts.models import Contact
from atiende.contacts.tests.factories import make_contact
from atiende.web import ratelimit
from atiende.web.tokens import sign_in_link_tokens

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^\s]+")


def _link(message: mail.EmailMessage) -> str:
    found = LINK.search(str(message.body))
    assert found, message.body
    return found.group(0).replace("http://testserver", "")


def test_sign_in_sends_each_role_home(agent, customer) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/login/", {"username": "ANA@desk.test", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/agent/"
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/login/", {"username": customer[0].email, "password": PASSWORD})
    assert response["Location"] == "/portal/"


def test_wrong_password_comes_back_with_the_email_and_a_message(agent) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post("/login/", {"username": agent.email, "password": "nope"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{agent.email}"' in html
    assert 'class="errorlist nonfield"' in html
    assert "_auth_user_id" not in response.wsgi_request.session


def test_sign_in_is_rate_limited_per_email(agent) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(ratelimit.SIGN_IN.per_key):
        assert client.post("/login/", {"username": agent.email, "password": "wrong"}).status_code == 200
    response = client.post("/login/", {"username": agent.email, "password": PASSWORD})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session  # even the right password is refused now


def test_sign_in_is_rate_limited_per_ip(db: None) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for n in range(ratelimit.SIGN_IN.per_ip):
        client.post("/login/", {"username": f"someone{n}@x.test", "password": "wrong"})
    assert client.post("/login/", {"username": "new@x.test", "password": "x"}).status_code == 429


def test_sign_out_needs_post_and_ends_the_session(agent_client) -> None:
    assert agent_client.get("/logout/").status_code == 405
    assert agent_client.post("/logout/")["Location"] == "/login/"
    assert agent_client.get("/agent/")["Location"].startswith("/login/")


def test_password_reset_link_works_once_and_goes_through_the_service(agent) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.post("/password/reset/", {"email": agent.email})["Location"] == "/password/reset/sent/"
    assert len(mail.outbox) == 1
    link = _link(mail.outbox[0])
    form_url = client.get(link)["Location"]  # Django moves the token into the session
    response = client.post(form_url, {"new_password1": "Another-Secret-77", "new_password2": "Another-Secret-77"})
    assert response["Location"] == "/password/reset/done/"
    assert AuditLog.objects.filter(action="user.password_changed", object_id=str(agent.pk)).exists()
    assert Client(HTTP_ACCEPT_LANGUAGE="en").login(username=agent.email, password="Another-Secret-77")
    # Spent: the password hash changed.
    again = Client(HTTP_ACCEPT_LANGUAGE="en").get(link, follow=True)
    assert "This link does not work" in again.content.decode()


def test_password_reset_does_not_tell_whether_an_account_exists(db: None) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post("/password/reset/", {"email": "nobody@nowhere.test"})
    assert response["Location"] == "/password/reset/sent/"
    assert mail.outbox == []


def test_sign_up_creates_an_inactive_account_until_the_link_is_opened(
    db: None, django_capture_on_commit_callbacks
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    data = {
        "name": "Nora",
        "email": "nora@cliente.test",
        "password": "Un-Secreto-Largo-9",
        "language": "es",
        "time_zone": "America/Bogota",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/signup/", data)["Location"] == "/signup/sent/"
    user = User.objects.get(email="nora@cliente.test")
    assert not user.is_active and user.role == Role.CUSTOMER and user.time_zone == "America/Bogota"
    assert not Client(HTTP_ACCEPT_LANGUAGE="en").login(username=user.email, password="Un-Secreto-Largo-9")
    link = _link(mail.outbox[0])
    assert client.get(link).status_code == 200  # a confirmation page: mail scanners use nothing up
    assert not User.objects.get(pk=user.pk).is_active
    response = client.post(link)
    assert response["Location"] == "/portal/"
    user.refresh_from_db()
    assert user.is_active
    assert Contact.objects.get(user=user).identities.get().value == "nora@cliente.test"
    assert Client(HTTP_ACCEPT_LANGUAGE="en").post(link).status_code == 400  # single use


def test_sign_up_form_errors_keep_what_was_typed(db: None) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/signup/",
        {"name": "Nora", "email": "nora@cliente.test", "password": "123", "language": "es", "time_zone": "UTC"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="nora@cliente.test"' in html
    assert 'id="id_password_error"' in html
    assert not User.objects.filter(email="nora@cliente.test").exists()


def test_sign_up_with_a_known_address_mails_the_owner_instead(customer, django_capture_on_commit_callbacks) -> None:
    user = customer[0]
    data = {"name": "X", "email": user.email, "password": "Un-Secreto-Largo-9", "language": "en", "time_zone": "UTC"}
    with django_capture_on_commit_callbacks(execute=True):
        assert Client(HTTP_ACCEPT_LANGUAGE="en").post("/signup/", data)["Location"] == "/signup/sent/"
    assert User.objects.filter(email=user.email).count() == 1
    assert mail.outbox[0].to == [user.email] and "already have" in mail.outbox[0].body


def test_sign_in_link_is_single_use(customer, django_capture_on_commit_callbacks) -> None:
    user = customer[0]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/login/link/", {"email": user.email})["Location"] == "/login/link/sent/"
    link = _link(mail.outbox[0])
    assert "_auth_user_id" not in client.session
    assert client.get(link).status_code == 200
    assert client.post(link)["Location"] == "/portal/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert Client(HTTP_ACCEPT_LANGUAGE="en").post(link).status_code == 400


def test_sign_in_link_expires(customer, monkeypatch) -> None:
    user = customer[0]
    token = sign_in_link_tokens.make_token(user)
    later = datetime.now() + timedelta(minutes=16)
    monkeypatch.setattr(sign_in_link_tokens, "_now", lambda: later)
    assert not sign_in_link_tokens.check_token(user, token)


def test_sign_in_link_opens_an_account_for_someone_who_wrote_to_us(
    db: None, django_capture_on_commit_callbacks
) -> None:
    make_contact(email="writer@cliente.test", name="Wanda Writer")
    with django_capture_on_commit_callbacks(execute=True):
        Client(HTTP_ACCEPT_LANGUAGE="en").post("/login/link/", {"email": "writer@cliente.test"})
    user = User.objects.get(email="writer@cliente.test")
    assert user.role == Role.CUSTOMER and not user.has_usable_password()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post(_link(mail.outbox[0]))
    assert client.session["_auth_user_id"] == str(user.pk)
    assert Contact.objects.get(user=user).name == "Wanda Writer"


def test_sign_in_links_are_only_for_customers_and_known_addresses(agent, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        Client(HTTP_ACCEPT_LANGUAGE="en").post("/login/link/", {"email": agent.email})
        Client(HTTP_ACCEPT_LANGUAGE="en").post("/login/link/", {"email": "stranger@nowhere.test"})
    assert mail.outbox == []
    assert not User.objects.filter(email="stranger@nowhere.test").exists()


def test_admins_see_a_link_to_the_admin_and_only_they_can_use_it(admin_user, agent_client) -> None:
    from atiende.web.tests.conftest import signed_in

    admin_client = signed_in(admin_user)
    assert 'href="/admin/"' in admin_client.get("/agent/views/mine/").content.decode()
    assert admin_client.get("/admin/").status_code == 200
    assert 'href="/admin/"' not in agent_client.get("/agent/views/mine/").content.decode()
    assert agent_client.get("/admin/").status_code == 302


def test_agents_and_customers_stay_out_of_each_others_pages(agent_client, customer_client) -> None:
    assert agent_client.get("/portal/").status_code == 404
    assert customer_client.get("/agent/views/mine/").status_code == 404
    assert customer_client.get("/search/?q=x").status_code == 404
    assert Client(HTTP_ACCEPT_LANGUAGE="en").get("/portal/")["Location"] == "/login/?next=/portal/"
