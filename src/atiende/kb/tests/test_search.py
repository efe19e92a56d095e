"""Search correctness on whichever engine runs the suite (SQLite FTS5 or PostgreSQL)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_organization, make_user
from atiende.contacts.tests.factories import make_customer
from atiende.kb import search
from atiende.kb.choices import Visibility
from atiende.kb.tests.factories import make_article
from atiende.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def slugs(hits: list[search.ArticleHit]) -> list[str]:
    return [h.article.slug for h in hits]


def test_query_terms_fold_stem_and_drop_stop_words() -> None:
    assert search.query_terms("¿Cómo cambio mi CONTRASEÑA?") == ["cambi", "contrasen"]
    assert search.query_terms("How do I download my invoices") == ["download", "invoic"]
    assert search.query_terms("de la") == ["de", "la"]  # only stop words: keep them


def test_ranks_title_and_keywords_above_body_and_ignores_accents() -> None:
    body = make_article(title="Facturación y pagos", body_html="<p>Formas de pago.</p>", slug="pagos")
    title = make_article(title="Cambiar la contraseña", body_html="<p>Vaya a Preferencias.</p>", slug="clave")
    mention = make_article(title="Seguridad", body_html="<p>Una contrasena segura es larga.</p>", slug="seguridad")
    hits = search.search_articles(AnonymousUser(), "contraseña")
    assert slugs(hits)[:2] == [title.slug, mention.slug]
    assert body.slug not in slugs(hits)
    assert "<mark>" in hits[1].snippet


def test_prefix_search_as_you_type_and_synonyms() -> None:
    a = make_article(title="Descargar facturas", keywords="recibo, comprobante", slug="descargar-facturas")
    assert slugs(search.search_articles(None, "fact")) == [a.slug]
    assert slugs(search.search_articles(None, "comproban")) == [a.slug]


def test_language_filter() -> None:
    es = make_article(title="Restablecer contraseña", language="es", slug="restablecer")
    en = make_article(title="Reset your password", language="en", slug="reset-password", translation_of=es)
    assert slugs(search.search_articles(None, "password", language="en")) == [en.slug]
    assert slugs(search.search_articles(None, "contraseña", language="es")) == [es.slug]


def test_snippet_escapes_content() -> None:
    make_article(title="Errores", body_html="<p>El error &lt;script&gt;alert(1)&lt;/script&gt; aparece</p>")
    hit = search.search_articles(None, "error")[0]
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet


def test_customer_never_finds_internal_or_other_organizations_articles() -> None:
    org, other = make_organization(), make_organization()
    customer, _ = make_customer(organization=org)
    public = make_article(title="Router público", slug="router-publico")
    make_article(title="Router interno SOP", slug="router-sop", visibility=Visibility.AGENTS)
    own_org = make_article(title="Router de su empresa", slug="router-org", visibility=Visibility.ORGANIZATION,
                           organization=org)  # fmt: skip
    make_article(title="Router de otra empresa", slug="router-otra", visibility=Visibility.ORGANIZATION,
                 organization=other)  # fmt: skip
    signed = make_article(title="Router clientes", slug="router-clientes", visibility=Visibility.CUSTOMERS)
    make_article(title="Router borrador", slug="router-borrador", publish=False)

    assert set(slugs(search.search_articles(AnonymousUser(), "router"))) == {public.slug}
    assert set(slugs(search.search_articles(customer, "router"))) == {public.slug, own_org.slug, signed.slug}
    agent = make_user(role=Role.AGENT)
    assert len(search.search_articles(agent, "router")) == 5  # published, internal and every organization's


def test_one_search_over_articles_and_tickets_scoped() -> None:
    customer, contact = make_customer()
    mine = make_ticket(requester=contact, subject="La impresora no imprime")
    make_ticket(subject="Impresora de otra persona")
    make_article(title="La impresora no imprime", slug="impresora")
    results = search.search(customer, "impresora")
    assert [h.article.slug for h in results.articles] == ["impresora"]
    assert [h.ticket.pk for h in results.tickets] == [mine.pk]
    assert results.tickets[0].snippet is None  # customers get no excerpt of ticket text (notes live there)
    agent = make_user(role=Role.ADMIN)
    agent_results = search.search(agent, "impresora")
    assert len(agent_results.tickets) == 2
    assert agent_results.tickets[0].snippet is not None


def test_confidence() -> None:
    a = make_article(title="Cambiar la contraseña", keywords="clave, password")
    assert search.confidence(search.query_terms("cambiar contraseña"), a) == 1.0
    assert search.confidence(search.query_terms("factura impresora"), a) == 0.0


def test_rrf_fuse() -> None:
    assert search.fuse([[1, 2, 3], [3, 1]])[0][0] == 1
    assert [pk for pk, _ in search.fuse([[1, 2], [2, 3]])] == [2, 1, 3]
