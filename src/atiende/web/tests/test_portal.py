"""Customer portal: own and organization requests, new request with the category's form,
no internal notes or agent-only fields, reply, solve, reopen within the window, 404s."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from atiende.accounts import services as accounts_services
from atiende.accounts.tests.factories import make_organization
from atiende.core import clock
from atiende.tickets import services
from atiende.tickets.choices import FieldType
from atiende.tickets.models import CategoryField, Ticket
from atiende.tickets.tests.factories import make_ticket
from atiende.web.tests.conftest import english_customer, signed_in

pytestmark = pytest.mark.django_db


def html_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def billing(team):
    category = services.create_category(
        actor=None, name="Billing", default_team=team, description="Invoices and refunds"
    )
    invoice = services.create_custom_field(actor=None, key="invoice", label="Invoice number", type=FieldType.TEXT)
    risk = services.create_custom_field(
        actor=None, key="risk", label="Fraud risk", type=FieldType.SELECT, options=["low", "high"], agent_only=True
    )
    CategoryField.objects.create(category=category, field=invoice, required=True, position=1)
    CategoryField.objects.create(category=category, field=risk, position=2)
    return category


def test_home_lists_own_requests_and_the_organizations_only_when_allowed(db: None) -> None:
    org = make_organization(name="Acme", domains=["acme.test"])
    me, my_contact = english_customer("me@acme.test", organization=org)
    _colleague, colleague_contact = english_customer("col@acme.test", organization=org)
    mine = make_ticket(requester=my_contact, subject="My printer")
    theirs = make_ticket(requester=colleague_contact, subject="Colleague's laptop")
    client = signed_in(me)
    html = html_of(client.get("/portal/"))
    assert "My printer" in html and "Colleague" not in html and "show=organization" not in html
    assert "Colleague" not in html_of(client.get("/portal/?show=organization"))
    assert client.get(f"/portal/requests/{theirs.number}/").status_code == 404
    accounts_services.update_organization(actor=None, organization=org, members_see_org_tickets=True)
    html = html_of(client.get("/portal/?show=organization"))
    assert "Colleague&#x27;s laptop" in html and "My printer" in html
    assert client.get(f"/portal/requests/{theirs.number}/").status_code == 200
    assert mine.number


def test_new_request_with_category_form_and_attachment(customer, customer_client, billing) -> None:
    fragment = html_of(customer_client.get(f"/portal/requests/new/fields/?category={billing.pk}"))
    assert 'name="cf_invoice"' in fragment and "cf_risk" not in fragment and "Invoices and refunds" in fragment
    data = {"category": billing.pk, "subject": "Charged twice", "body": "Two charges in March."}
    response = customer_client.post("/portal/requests/new/", data)
    assert response.status_code == 400
    html = html_of(response)
    assert 'id="id_cf_invoice_error"' in html and 'value="Charged twice"' in html
    upload = SimpleUploadedFile("receipt.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = customer_client.post("/portal/requests/new/", {**data, "cf_invoice": "F-1", "attachments": [upload]})
    ticket = Ticket.objects.get(subject="Charged twice")
    assert response["Location"] == f"/portal/requests/{ticket.number}/"
    assert ticket.requester == customer[1] and ticket.channel == "portal" and ticket.team == billing.default_team
    assert ticket.custom_fields == {"invoice": "F-1"} and ticket.attachments.get().filename == "receipt.pdf"


def test_customers_cannot_set_agent_only_fields(customer_client, billing) -> None:
    customer_client.post(
        "/portal/requests/new/",
        {"category": billing.pk, "subject": "S", "body": "B", "cf_invoice": "F-2", "cf_risk": "low"},
    )
    assert Ticket.objects.get(subject="S").custom_fields == {"invoice": "F-2"}


def test_request_page_hides_notes_history_and_agent_only_fields(agent, customer, customer_client, billing) -> None:
    ticket = make_ticket(requester=customer[1], category=billing, custom_fields={"invoice": "F-3"})
    services.add_message(actor=agent, ticket=ticket, body="Agents only: suspicious.", internal=True)
    services.add_message(actor=agent, ticket=ticket, body="We are on it.")
    services.update_ticket(actor=agent, ticket=ticket, custom_fields={"risk": "high"}, priority="urgent")
    html = html_of(customer_client.get(f"/portal/requests/{ticket.number}/"))
    assert "We are on it." in html and "F-3" in html
    for secret in ("Agents only", "Fraud risk", "high", "Urgent", "Priority"):
        assert secret not in html, secret


def test_reply_solve_and_reopen_within_the_window(agent, customer, customer_client, settings) -> None:
    ticket = make_ticket(requester=customer[1])
    services.add_message(actor=agent, ticket=ticket, body="Try again now.")
    customer_client.post(f"/portal/requests/{ticket.number}/reply/", {"body": "Still broken."})
    assert ticket.messages.latest("id").author_contact == customer[1]
    customer_client.post(f"/portal/requests/{ticket.number}/solve/")
    ticket.refresh_from_db()
    assert ticket.status == "solved"
    assert "Reopen" in html_of(customer_client.get(f"/portal/requests/{ticket.number}/"))
    customer_client.post(f"/portal/requests/{ticket.number}/reopen/")
    ticket.refresh_from_db()
    assert ticket.status == "open"
    # Past the window: no reopen button, and the service refuses it.
    services.update_ticket(actor=agent, ticket=ticket, status="solved")
    later = clock.now() + timedelta(days=settings.ATIENDE_REOPEN_WINDOW_DAYS + 1)
    with clock.frozen_at(later):
        assert "Reopen" not in html_of(customer_client.get(f"/portal/requests/{ticket.number}/"))
        response = customer_client.post(f"/portal/requests/{ticket.number}/reopen/", follow=True)
        assert "too long ago" in html_of(response)
    ticket.refresh_from_db()
    assert ticket.status == "solved"


def test_a_reply_to_a_closed_request_opens_a_follow_up(agent, customer, customer_client) -> None:
    ticket = make_ticket(requester=customer[1])
    services.update_ticket(actor=agent, ticket=ticket, status="closed")
    response = customer_client.post(f"/portal/requests/{ticket.number}/reply/", {"body": "It is back."})
    follow_up = Ticket.objects.get(follow_up_of=ticket)
    assert response["Location"] == f"/portal/requests/{follow_up.number}/"


def test_foreign_requests_are_404(customer_client, other_customer) -> None:
    foreign = make_ticket(requester=other_customer[1])
    for url in ("", "reply/", "solve/", "reopen/"):
        method = customer_client.get if not url else customer_client.post
        assert method(f"/portal/requests/{foreign.number}/{url}").status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "new"


def test_ccd_customers_see_the_request(customer, other_customer) -> None:
    ticket = make_ticket(requester=other_customer[1], ccs=[customer[1]])
    assert signed_in(customer[0]).get(f"/portal/requests/{ticket.number}/").status_code == 200


def test_portal_pages_issue_a_fixed_number_of_queries(agent, customer, customer_client) -> None:
    def build(n: int) -> Ticket:
        ticket = make_ticket(requester=customer[1])
        for i in range(n):
            services.add_message(
                actor=agent,
                ticket=ticket,
                body=f"r{i}",
                attachments=[(SimpleUploadedFile(f"a{i}.txt", b"x"), f"a{i}.txt", "text/plain")],
            )
        return ticket

    def queries(url: str) -> int:
        customer_client.get(url)
        with CaptureQueriesContext(connection) as captured:
            customer_client.get(url)
        return len(captured.captured_queries)

    few = queries(f"/portal/requests/{build(1).number}/")
    home_few = queries("/portal/")
    many = queries(f"/portal/requests/{build(10).number}/")
    for _ in range(8):
        build(0)
    assert few == many and home_few == queries("/portal/")


def test_new_ticket_is_in_the_customers_time_zone(customer, customer_client) -> None:
    user = customer[0]
    user.time_zone = "Asia/Tokyo"
    user.save()
    with clock.frozen_at(datetime(2026, 1, 5, 23, 0, tzinfo=UTC)):
        ticket = make_ticket(requester=customer[1])
    assert "2026-01-06T08:00:00+09:00" in html_of(customer_client.get(f"/portal/requests/{ticket.number}/"))
