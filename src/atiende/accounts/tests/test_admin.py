"""The Django admin is for administrators only, and writes through the services."""

from __future__ import annotations

import pytest

from atiende.accounts.choices import Role
from atiende.accounts.models import AuditLog, Organization, Team
from atiende.accounts.tests.factories import make_user
from atiende.tickets.models import Category, CustomField

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.AGENT, Role.LIGHT_AGENT, Role.CUSTOMER])
def test_non_admins_are_kept_out(client, role):
    client.force_login(make_user(role=role))
    response = client.get("/admin/tickets/ticket/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_admin_configures_through_services(client):
    admin = make_user(role=Role.ADMIN)
    agent = make_user(role=Role.AGENT)
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/team/add/", {"name": "Facturación", "description": "Billing", "members": [agent.pk]}
    )
    assert response.status_code == 302, response.content[:2000]
    team = Team.objects.get(name="Facturación")
    assert list(team.members.all()) == [agent]
    response = client.post(
        "/admin/accounts/organization/add/",
        {
            "name": "Acme",
            "notes": "",
            "members_see_org_tickets": "on",
            "domains-TOTAL_FORMS": "1",
            "domains-INITIAL_FORMS": "0",
            "domains-0-domain": "acme.example",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert Organization.objects.get(name="Acme").members_see_org_tickets
    response = client.post(
        "/admin/tickets/customfield/add/",
        {"key": "serial", "label": "Serial", "type": "text", "options": "[]", "position": "0", "is_active": "on"},
    )
    assert response.status_code == 302, response.content[:2000]
    field = CustomField.objects.get(key="serial")
    response = client.post(
        "/admin/tickets/category/add/",
        {
            "name": "Hardware",
            "description": "",
            "position": "0",
            "is_active": "on",
            "default_team": team.pk,
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "0",
            "form-0-field": field.pk,
            "form-0-required": "on",
            "form-0-position": "0",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    category = Category.objects.get(name="Hardware")
    assert category.default_team == team
    assert category.form.get().required
    actions = set(AuditLog.objects.filter(actor=admin).values_list("action", flat=True))
    assert {"team.created", "organization.created", "custom_field.created", "category.created"} <= actions


def test_admin_pages_render_in_spanish(client):
    client.force_login(make_user(role=Role.ADMIN))
    response = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert "Organizaciones" in response.content.decode() or "organizaciones" in response.content.decode()
