"""Pages: help center (anonymous, customer), suggestions, agent pages, ticket panel."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import PASSWORD, make_user
from atiende.contacts.tests.factories import make_customer
from atiende.kb.choices import SearchSource, Visibility
from atiende.kb.models import Article, SearchEvent
from atiende.kb.tests.factories import make_article, make_category
from atiende.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def login(client: Client, user) -> Client:
    assert client.login(email=user.email, password=PASSWORD)
    return client


@pytest.fixture
def articles():
    cat = make_category(name="Cuenta", name_en="Account", slug="cuenta")
    public = make_article(category=cat, title="Cambiar la contraseña", slug="cambiar-contrasena",
                          body_html="<p>Vaya a <b>Preferencias</b> y elija una contraseña nueva.</p>")  # fmt: skip
    internal = make_article(category=cat, title="SOP contraseña bloqueada", slug="sop-contrasena",
                            visibility=Visibility.AGENTS)  # fmt: skip
    en = make_article(category=cat, title="Change your password", slug="change-password", language="en",
                      translation_of=public)  # fmt: skip
    return public, internal, en


def test_help_center_pages_for_anonymous(client: Client, articles) -> None:
    public, internal, _en = articles
    assert client.get("/help/").status_code == 302
    home = client.get("/help/es/")
    assert home.status_code == 200 and "Cuenta" in home.content.decode()
    assert client.get("/help/en/").status_code == 200
    cat = client.get("/help/es/categories/cuenta/").content.decode()
    assert public.title in cat and internal.title not in cat
    page = client.get("/help/es/articles/cambiar-contrasena/").content.decode()
    assert "<b>Preferencias</b>" in page and "/help/en/articles/change-password/" in page
    assert reverse("portal:new") in page  # still need help?
    assert client.get("/help/es/articles/sop-contrasena/").status_code == 404
    assert client.get("/help/xx/").status_code == 404
    public.refresh_from_db()
    assert public.view_count == 1


def test_search_page_logs_and_never_shows_internal(client: Client, articles) -> None:
    body = client.get("/help/es/search/", {"q": "contraseña"}).content.decode()
    assert "Cambiar la contraseña" in body and "SOP" not in body and "<mark>" in body
    event = SearchEvent.objects.get()
    assert event.source == SearchSource.HELP_CENTER and event.impressions.count() == 1
    auto = client.get("/help/es/autocomplete/", {"q": "contr"}).content.decode()
    assert "Cambiar la contraseña" in auto
    client.get("/help/es/articles/cambiar-contrasena/", {"s": event.pk})
    assert event.impressions.get().opened


def test_feedback_form(client: Client, articles) -> None:
    public = articles[0]
    url = "/help/es/articles/cambiar-contrasena/feedback/"
    assert client.post(url, {}).status_code == 400
    response = client.post(url, {"helpful": "no", "comment": "Falta el paso 2"})
    assert response.status_code == 302
    public.refresh_from_db()
    assert public.not_helpful_count == 1 and public.feedback.get().comment == "Falta el paso 2"


def test_suggestions_on_the_request_form_are_remembered_by_the_ticket(client: Client, articles) -> None:
    from atiende.kb.tests.factories import deliver_kb

    customer, contact = make_customer()
    login(client, customer)
    new = client.get(reverse("portal:new")).content.decode()
    assert reverse("kb-help:suggest") in new
    html = client.get(reverse("kb-help:suggest"), {"subject": "cambiar contraseña", "body": ""}).content.decode()
    assert "Cambiar la contraseña" in html and "SOP" not in html
    client.get(
        reverse("kb-help:suggest"), {"subject": "cambiar contraseña", "body": "por favor"}
    )  # same set: not logged again
    event = SearchEvent.objects.get()
    assert event.user == customer and event.source == SearchSource.SUGGESTION
    ticket = make_ticket(requester=contact, actor=customer, channel="portal")
    deliver_kb()
    event.refresh_from_db()
    assert event.ticket == ticket


def test_agent_pages(client: Client, articles) -> None:
    public, internal, _ = articles
    agent = make_user(role=Role.SUPERVISOR)
    login(client, agent)
    assert client.get("/kb/").status_code == 200
    assert "SOP" in client.get("/kb/", {"q": "contraseña"}).content.decode()
    assert client.get(f"/kb/articles/{public.pk}/").status_code == 200
    assert client.get(f"/kb/articles/{public.pk}/edit/").status_code == 200
    assert client.get("/kb/articles/new/").status_code == 200
    response = client.post(
        "/kb/articles/new/",
        {
            "title": "",
            "category": public.category_id,
            "language": "es",
            "visibility": "public",
            "review_every_days": 90,
        },
    )
    assert response.status_code == 400 and "title" in response.context["form"].errors
    response = client.post(
        f"/kb/articles/{public.pk}/edit/",
        {"title": "Cambiar la clave", "category": public.category_id, "language": "es", "visibility": "public",
         "body_html": "<p>Nuevo texto</p>", "review_every_days": 90, "owner": public.owner_id},
    )  # fmt: skip
    assert response.status_code == 302
    public.refresh_from_db()
    assert public.revision == 2
    assert client.get(f"/kb/articles/{public.pk}/revisions/2/").status_code == 200
    client.post(f"/kb/articles/{public.pk}/revisions/1/restore/")
    public.refresh_from_db()
    assert public.title == "Cambiar la contraseña" and public.revision == 3
    assert client.get("/kb/deflection/").status_code == 200
    assert client.get("/kb/deflection/", {"by": "category"}).status_code == 200
    client.post(f"/kb/articles/{internal.pk}/status/", {"status": "archived"})
    internal.refresh_from_db()
    assert internal.status == "archived"
    client.post(f"/kb/articles/{internal.pk}/translate/", {"language": "en"})
    assert Article.objects.filter(translation_group=internal.translation_group, language="en").exists()


def test_customers_cannot_open_agent_pages(client: Client, articles) -> None:
    customer, _ = make_customer()
    login(client, customer)
    assert client.get("/kb/").status_code == 404
    assert client.get(f"/kb/articles/{articles[1].pk}/").status_code == 404


def test_ticket_panel_suggests_and_offers_insert_and_draft(client: Client, articles) -> None:
    agent = make_user(role=Role.ADMIN)
    ticket = make_ticket(subject="No puedo cambiar la contraseña", body="Ayuda con la contraseña")
    login(client, agent)
    page = client.get(reverse("agent:ticket", kwargs={"number": ticket.number})).content.decode()
    assert "Cambiar la contraseña" in page and "data-kb-insert" in page and "kb/kb.js" in page
    response = client.post(reverse("kb:draft-from-ticket", kwargs={"number": ticket.number}),
                           {"category": articles[0].category_id})  # fmt: skip
    assert response.status_code == 302
    assert Article.objects.filter(source_ticket=ticket).exists()


def test_agent_global_search_shows_articles(client: Client, articles) -> None:
    login(client, make_user(role=Role.ADMIN))
    assert "Cambiar la contraseña" in client.get("/search/", {"q": "contraseña"}).content.decode()


def test_admin_pages_and_edit_through_the_service(client: Client, articles) -> None:
    public = articles[0]
    login(client, make_user(role=Role.ADMIN))
    prefix = reverse("admin:index")
    for model in ("kbcategory", "article", "searchevent", "articlefeedback", "botanswer", "stalereminder"):
        assert client.get(f"{prefix}kb/{model}/").status_code == 200, model
    url = f"{prefix}kb/article/{public.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(url, {
        "title": "Cambiar la contraseña (admin)", "slug": public.slug, "category": public.category_id,
        "body_html": public.body_html, "keywords": "", "tags": "[]", "visibility": "public",
        "organization": "", "owner": public.owner_id, "review_every_days": 180,
    })  # fmt: skip
    assert response.status_code == 302, response.content[:2000]
    public.refresh_from_db()
    assert public.title.endswith("(admin)") and public.revision == 2


def test_customers_see_a_help_center_link(client: Client) -> None:
    customer, _ = make_customer()
    login(client, customer)
    assert 'data-nav="help-center"' in client.get(reverse("portal:home")).content.decode()
    client.logout()
    login(client, make_user(role=Role.AGENT))
    assert 'data-nav="help-center"' not in client.get(reverse("kb:home")).content.decode()


def test_search_log_is_capped_per_visitor(client: Client, articles, settings) -> None:
    from atiende.kb.views import public

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kb-cap"}}
    old = public.LOG_LIMIT
    public.LOG_LIMIT = 3
    try:
        for _ in range(5):
            assert client.get("/help/es/search/", {"q": "contraseña"}).status_code == 200
    finally:
        public.LOG_LIMIT = old
    assert SearchEvent.objects.count() == 3
