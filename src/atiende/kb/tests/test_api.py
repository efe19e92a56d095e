"""kb API: scoping (404 outside visibility), workflow, revisions, feedback, search, deflection."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_user
from atiende.contacts.tests.factories import make_customer
from atiende.kb.choices import Visibility
from atiende.kb.tests.factories import make_article, make_category

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_customer_sees_only_readable_articles_and_gets_404_for_internal() -> None:
    public = make_article(title="Pagos con tarjeta")
    internal = make_article(title="SOP pagos", visibility=Visibility.AGENTS)
    draft = make_article(title="Borrador pagos", publish=False)
    customer, _ = make_customer()
    client = api(customer)
    ids = [a["id"] for a in client.get("/api/v1/kb/articles/").json()["results"]]
    assert ids == [public.pk]
    assert client.get(f"/api/v1/kb/articles/{internal.pk}/").status_code == 404
    assert client.get(f"/api/v1/kb/articles/{draft.pk}/").status_code == 404
    found = client.get("/api/v1/kb/search/", {"q": "pagos"}).json()
    assert [a["id"] for a in found["articles"]] == [public.pk]
    assert (
        client.post(f"/api/v1/kb/articles/{public.pk}/feedback/", {"helpful": True}, format="json").status_code == 204
    )
    assert client.post("/api/v1/kb/articles/", {"title": "x"}, format="json").status_code == 403
    assert client.get("/api/v1/kb/deflection/").status_code == 404
    sugg = client.get("/api/v1/kb/suggestions/", {"q": "pagos con tarjeta"}).json()
    assert [a["id"] for a in sugg] == [public.pk]


def test_agent_creates_edits_publishes_and_restores() -> None:
    agent = make_user(role=Role.SUPERVISOR)
    client = api(agent)
    cat = make_category()
    response = client.post(
        "/api/v1/kb/articles/",
        {"title": "VPN", "category": cat.pk, "body_html": "<p>Uno</p>", "keywords": "red privada", "tags": ["vpn"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["status"] == "draft"
    client.patch(f"/api/v1/kb/articles/{pk}/", {"body_html": "<p>Dos</p>", "note": "v2"}, format="json")
    revisions = client.get(f"/api/v1/kb/articles/{pk}/revisions/").json()
    assert [r["number"] for r in revisions] == [2, 1] and "+Dos" in revisions[0]["diff"]
    restored = client.post(f"/api/v1/kb/articles/{pk}/restore/", {"revision": 1}, format="json").json()
    assert restored["revision"] == 3 and "Uno" in restored["body_html"]
    bad = client.post(f"/api/v1/kb/articles/{pk}/status/", {"status": "published"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "status"
    client.post(f"/api/v1/kb/articles/{pk}/status/", {"status": "review"}, format="json")
    ok = client.post(f"/api/v1/kb/articles/{pk}/status/", {"status": "published"}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "published"
    typo = client.patch(f"/api/v1/kb/articles/{pk}/", {"titel": "x"}, format="json")
    assert typo.status_code == 400 and typo.json()["errors"][0]["field"] == "titel"
    en = client.post("/api/v1/kb/articles/", {"title": "VPN", "category": cat.pk, "language": "en",
                                              "translation_of": pk}, format="json").json()  # fmt: skip
    assert client.get(f"/api/v1/kb/articles/{pk}/").json()["translations"] == {"en": en["id"]}
    report = client.get("/api/v1/kb/deflection/", {"by": "category"})
    assert report.status_code == 200 and report.json()["by"] == "category"
    assert client.get("/api/v1/kb/deflection/", {"days": "0"}).status_code == 400


def test_categories_are_managed_by_supervisors() -> None:
    agent = make_user(role=Role.AGENT)
    assert api(agent).post("/api/v1/kb/categories/", {"name": "Redes"}, format="json").status_code == 403
    sup = make_user(role=Role.SUPERVISOR)
    created = api(sup).post("/api/v1/kb/categories/", {"name": "Redes"}, format="json")
    assert created.status_code == 201 and created.json()["slug"] == "redes"
    dup = api(sup).post("/api/v1/kb/categories/", {"name": "Redes"}, format="json")
    assert dup.status_code == 400 and dup.json()["errors"][0]["field"] == "slug"


def test_search_requires_a_query() -> None:
    response = api(make_user()).get("/api/v1/kb/search/")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "q"
