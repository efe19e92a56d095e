"""The OpenAPI schema generates with no warnings and is served with its docs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_generates_without_warnings(tmp_path: Path) -> None:
    target = tmp_path / "schema.yml"
    # --fail-on-warn raises on any warning; --validate checks it against the OpenAPI 3 spec.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    paths = schema["paths"]
    for path in (
        "/api/v1/tickets/",
        "/api/v1/tickets/{id}/",
        "/api/v1/tickets/{ticket_pk}/messages/",
        "/api/v1/tickets/{ticket_pk}/history/",
        "/api/v1/tickets/{ticket_pk}/events/",
        "/api/v1/tickets/{ticket_pk}/links/{id}/",
        "/api/v1/tickets/{id}/merge/",
        "/api/v1/tickets/{id}/split/",
        "/api/v1/attachments/{id}/download/",
        "/api/v1/contacts/{id}/identities/{identity_id}/",
        "/api/v1/users/me/",
        "/api/v1/tokens/{id}/",
    ):
        assert path in paths, path
    assert "delete" not in paths["/api/v1/tickets/{id}/"] and "put" not in paths["/api/v1/tickets/{id}/"]
    params = {p["name"] for p in paths["/api/v1/tickets/"]["get"]["parameters"]}
    assert {"status", "priority", "assignee", "q", "cursor", "ordering", "page_size"} <= params
    assert "multipart/form-data" in paths["/api/v1/tickets/"]["post"]["requestBody"]["content"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_schema_and_docs_are_served(client: object) -> None:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")  # type: ignore[attr-defined]
    assert schema.status_code == 200 and b"/api/v1/tickets/" in schema.content
    docs = client.get("/api/docs/")  # type: ignore[attr-defined]
    assert docs.status_code == 200
