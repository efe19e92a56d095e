"""Service catalog through the API: custom fields, category tree with forms, tags."""

from __future__ import annotations

from typing import Any

import pytest

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_team, make_user
from atiende.api.tests.support import API, client_for, no_throttle  # noqa: F401 - fixture
from atiende.contacts.tests.factories import make_customer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_throttle")]


@pytest.fixture
def admin() -> Any:
    return make_user(role=Role.ADMIN)


def test_catalog_round_trip(admin: Any) -> None:
    client = client_for(admin)
    team = make_team(name="Field service")
    model = client.post(
        f"{API}/custom-fields/",
        {"key": "model", "label": "Model", "type": "select", "options": ["X1", "X2"], "required": True},
        format="json",
    )
    assert model.status_code == 201, model.content
    assert model.json()["options"] == ["X1", "X2"] and model.json()["is_active"] is True
    internal = client.post(
        f"{API}/custom-fields/", {"key": "cost", "label": "Cost", "type": "number", "agent_only": True}, format="json"
    ).json()
    root = client.post(f"{API}/categories/", {"name": "Hardware"}, format="json").json()
    leaf = client.post(
        f"{API}/categories/",
        {
            "name": "Printers",
            "parent": root["id"],
            "default_team": team.pk,
            "form": [{"field": "model", "required": True}, {"field": "cost"}],
        },
        format="json",
    )
    assert leaf.status_code == 201, leaf.content
    body = leaf.json()
    assert body["path"] == "Hardware › Printers" and body["parent"] == root["id"]
    assert body["default_team"] == {"id": team.pk, "name": "Field service"}
    assert [(f["field"], f["required"]) for f in body["form"]] == [("model", True), ("cost", False)]

    customer, _contact = make_customer()
    seen = client_for(customer).get(f"{API}/categories/{body['id']}/").json()
    assert [f["field"] for f in seen["form"]] == ["model"] and "default_team" not in seen

    missing = client_for(customer).post(
        f"{API}/tickets/", {"subject": "Jam", "message": {"body": "x"}, "category": body["id"]}, format="json"
    )
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "custom_fields.model"
    ok = client_for(customer).post(
        f"{API}/tickets/",
        {"subject": "Jam", "message": {"body": "x"}, "category": body["id"], "custom_fields": {"model": "X2"}},
        format="json",
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["category"]["path"] == "Hardware › Printers"

    renamed = client.patch(f"{API}/custom-fields/{internal['id']}/", {"key": "renamed"}, format="json")
    assert renamed.status_code == 400 and renamed.json()["errors"][0]["field"] == "key"  # keys never change
    options = client.patch(f"{API}/custom-fields/{model.json()['id']}/", {"options": []}, format="json")
    assert options.status_code == 400 and options.json()["errors"][0]["field"] == "options"
    loop = client.patch(f"{API}/categories/{root['id']}/", {"parent": body["id"]}, format="json")
    assert loop.status_code == 400 and loop.json()["errors"][0]["field"] == "parent"
    retired = client.patch(f"{API}/categories/{body['id']}/", {"is_active": False}, format="json")
    assert retired.json()["is_active"] is False
    assert client_for(customer).get(f"{API}/categories/{body['id']}/").status_code == 404
    duplicate = client.post(f"{API}/categories/", {"name": "hardware"}, format="json")
    assert duplicate.status_code == 400 and duplicate.json()["errors"][0]["field"] == "name"
    bad_form = client.post(f"{API}/categories/", {"name": "Y", "form": [{"field": "nope"}]}, format="json")
    assert bad_form.json()["errors"][0]["field"] == "form.0.field"


def test_tags(admin: Any) -> None:
    client = client_for(admin)
    created = client.post(f"{API}/tags/", {"name": "Facturación Urgente"}, format="json")
    assert created.status_code == 201 and created.json()["name"] == "facturación-urgente"
    again = client.post(f"{API}/tags/", {"name": "facturación urgente"}, format="json")
    assert again.json()["id"] == created.json()["id"]
    client.post(f"{API}/tags/", {"name": "factory"}, format="json")
    client.post(f"{API}/tags/", {"name": "billing"}, format="json")
    names = [t["name"] for t in client.get(f"{API}/tags/", {"q": "fac"}).json()["results"]]
    assert names == ["factory", "facturación-urgente"]
    bad = client.post(f"{API}/tags/", {"name": "!!!"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "tags"
