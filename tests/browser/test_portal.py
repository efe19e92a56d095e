"""The customer portal in Spanish: a request with a category form and an attachment, the
agent's reply (never the internal note), and another customer's request answering 404."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import PASSWORD, make_team, make_user
from atiende.contacts.tests.factories import make_customer
from atiende.tickets import services
from atiende.tickets.choices import FieldType
from atiende.tickets.models import CategoryField, Ticket
from atiende.tickets.tests.factories import make_ticket


def _catalog(team):
    billing = services.create_category(actor=None, name="Facturación", default_team=team)
    invoice = services.create_custom_field(actor=None, key="invoice", label="Número de factura", type=FieldType.TEXT)
    risk = services.create_custom_field(
        actor=None, key="risk", label="Riesgo interno", type=FieldType.SELECT, options=["bajo", "alto"], agent_only=True
    )
    CategoryField.objects.create(category=billing, field=invoice, required=True, position=1)
    CategoryField.objects.create(category=billing, field=risk, position=2)
    services.create_category(actor=None, name="Otra cosa", default_team=team)
    return billing


def test_customer_submits_a_request_in_spanish_and_sees_the_reply(
    new_page, screenshot, sign_in, off_loop, tmp_path
) -> None:
    team = make_team(name="Soporte")
    agent = make_user(role=Role.AGENT, name="Ana Agente", email="ana@desk.test", teams=[team])
    billing = _catalog(team)
    customer, _contact = make_customer(email="carla@cliente.test")
    customer.language, customer.time_zone = "es", "America/Mexico_City"
    customer.save()
    attachment = tmp_path / "factura-marzo.txt"
    attachment.write_text("Factura 2024-03: 1.234,56 €\n", encoding="utf-8")

    page = new_page(locale="es-ES", timezone_id="America/Mexico_City")
    sign_in(page, customer.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.locator("html")).to_have_attribute("lang", "es")

    page.goto("/portal/requests/new/")
    expect(page.locator("#id_cf_invoice")).to_have_count(0)
    page.select_option("#id_category", str(billing.pk))
    # The category's form arrives through htmx; agent-only fields never do.
    expect(page.locator("#id_cf_invoice")).to_be_visible()
    expect(page.locator("#id_cf_risk")).to_have_count(0)

    # Sent without the required field: the form comes back with what was typed.
    page.fill("#id_subject", "Cobro duplicado en marzo")
    page.fill("#id_body", "Me cobraron dos veces la factura de marzo.")
    page.locator("#request-form button[type=submit]").click()
    expect(page.locator("#id_cf_invoice_error")).to_be_visible()
    expect(page.locator("#id_subject")).to_have_value("Cobro duplicado en marzo")
    expect(page.locator("#id_cf_invoice")).to_have_attribute("aria-invalid", "true")

    page.fill("#id_cf_invoice", "F-2024-0311")
    page.set_input_files("#id_attachments", str(attachment))
    screenshot(page, "portal-new-request")
    page.locator("#request-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/portal/requests/\d+/$"))
    expect(page.locator("#timeline")).to_contain_text("Me cobraron dos veces")
    expect(page.locator("#timeline .attachments a")).to_contain_text("factura-marzo.txt")

    ticket = Ticket.objects.get(subject="Cobro duplicado en marzo")
    assert ticket.channel == "portal" and ticket.category_id == billing.pk
    assert ticket.custom_fields == {"invoice": "F-2024-0311"}
    assert ticket.attachments.get().filename == "factura-marzo.txt"

    off_loop(
        lambda: services.add_message(
            actor=agent, ticket=ticket, body="Nota interna: revisar con contabilidad.", internal=True
        )
    )
    off_loop(
        lambda: services.add_message(
            actor=agent, ticket=ticket, body="Hola Carla, ya lo revisamos y te devolvemos el cobro."
        )
    )
    off_loop(lambda: services.update_ticket(actor=agent, ticket=ticket, custom_fields={"risk": "alto"}))

    page.reload()
    expect(page.locator("#timeline")).to_contain_text("ya lo revisamos y te devolvemos el cobro")
    expect(page.locator("#timeline")).not_to_contain_text("Nota interna")
    expect(page.locator("body")).not_to_contain_text("Riesgo interno")
    expect(page.locator(".side")).to_contain_text("F-2024-0311")
    # Dates in the customer's time zone, in Spanish (Django's own catalog).
    expect(page.locator(".side time").first).to_contain_text(re.compile(r"de \w+ de \d{4}"))
    screenshot(page, "portal-request")

    # The download is an attachment, never rendered inline.
    with page.expect_download() as download:
        page.locator("#timeline .attachments a").first.click()
    assert download.value.suggested_filename == "factura-marzo.txt"

    # Mark as solved, then reopen within the window.
    page.locator("form[action$='/solve/'] button").click()
    expect(page.locator("form[action$='/reopen/'] button")).to_be_visible()
    page.locator("form[action$='/reopen/'] button").click()
    expect(page.locator("form[action$='/solve/'] button")).to_be_visible()
    assert Ticket.objects.get(pk=ticket.pk).status == "open"


def test_a_customer_cannot_open_another_customers_request(new_page, screenshot, sign_in) -> None:
    customer, _contact = make_customer(email="carla@cliente.test")
    _other, other_contact = make_customer(email="otto@otro.test")
    foreign = make_ticket(requester=other_contact, subject="Secreto de Otto")

    page = new_page()
    sign_in(page, customer.email, PASSWORD)
    response = page.goto(f"/portal/requests/{foreign.number}/")
    assert response is not None and response.status == 404
    expect(page.locator("body")).not_to_contain_text("Secreto de Otto")
    # Nor through the agent workspace.
    response = page.goto(f"/agent/tickets/{foreign.number}/")
    assert response is not None and response.status == 404
    screenshot(page, "portal-404")
