"""Customer notices (no double-sending with the email channel), the bell, the pages and the ticket panel."""

from __future__ import annotations

import pytest
from django.test import Client

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_organization, make_user
from atiende.automation import services
from atiende.automation.models import CustomerNoticeSent, Macro, Rule
from atiende.automation.services import notifications
from atiende.automation.tests.factories import drain, make_admin, make_macro, make_rule
from atiende.channels.models import OutboundEmail
from atiende.channels.tests.factories import make_inbox
from atiende.contacts.tests.factories import make_contact
from atiende.tickets import services as ticket_services
from atiende.tickets.models import Ticket
from atiende.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def notices(ticket: Ticket) -> list[str]:
    return list(CustomerNoticeSent.objects.filter(ticket=ticket).order_by("id").values_list("notice", flat=True))


def test_received_waiting_solved_in_the_customer_language() -> None:
    make_inbox()
    agent = make_user()
    ticket = make_ticket(channel="portal", requester=make_contact(name="Ann Lee", language="en"))
    drain()
    ticket_services.update_ticket(actor=agent, ticket=ticket, status="pending")
    drain()
    ticket_services.update_ticket(actor=agent, ticket=ticket, status="solved")
    drain()
    assert notices(ticket) == ["received", "waiting", "solved"]
    mails = list(OutboundEmail.objects.filter(ticket=ticket, kind="notification").order_by("id"))
    assert f"[#{ticket.number}]" in mails[0].subject and "We received" in mails[0].subject
    assert "Hello Ann" in mails[0].body_text
    assert f"/portal/requests/{ticket.number}/" in mails[2].body_text and "#rate" in mails[2].body_text


def test_email_tickets_are_acknowledged_by_the_inbox_not_twice() -> None:
    make_inbox()
    ticket = make_ticket(channel="email")
    drain()
    assert notices(ticket) == []


def test_agent_replies_are_emailed_by_channels_only() -> None:
    make_inbox()
    agent = make_user()
    ticket = make_ticket(channel="portal")
    drain()
    ticket_services.add_message(actor=agent, ticket=ticket, body="Here is the answer")
    drain()
    assert notices(ticket) == ["received"]
    assert OutboundEmail.objects.filter(ticket=ticket, kind="reply").count() == 1


def test_templates_per_organization_opt_outs_and_disabling() -> None:
    inbox = make_inbox()
    acme = make_organization(name="Acme")
    services.save_template(
        actor=None,
        notice="received",
        language="es",
        subject="Recibido {{ ticket.number }}",
        body="Hola {{ organization.name }}",
    )
    services.save_template(
        actor=None,
        notice="received",
        language="es",
        organization=acme,
        subject="Acme #{{ ticket.number }}",
        body="Acme",
    )
    services.save_template(actor=None, notice="waiting", language="es", inbox=inbox, is_enabled=False)
    plain = make_ticket(channel="portal", requester=make_contact(language="es"))
    acme_ticket = make_ticket(channel="portal", requester=make_contact(language="es", organization=acme))
    drain()
    subjects = dict(OutboundEmail.objects.filter(kind="notification").values_list("ticket_id", "subject"))
    assert subjects[plain.pk].startswith(f"Recibido {plain.number}")
    assert subjects[acme_ticket.pk].startswith(f"Acme #{acme_ticket.number}")
    ticket_services.update_ticket(actor=None, ticket=plain, status="pending")
    drain()
    assert notices(plain) == ["received"]  # disabled for this inbox
    notifications.set_opt_out(contact=acme_ticket.requester, notice="solved", opted_out=True)
    ticket_services.update_ticket(actor=None, ticket=acme_ticket, status="solved")
    drain()
    assert notices(acme_ticket) == ["received"]


def login(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_pages_for_managers_and_404_for_others() -> None:
    admin = make_admin()
    rule = make_rule(actor=admin)
    client = login(admin)
    for url in [
        "/automation/",
        f"/automation/rules/{rule.pk}/",
        "/automation/rules/new/?kind=time",
        "/automation/macros/",
        "/automation/webhooks/new/",
        "/automation/templates/new/?notice=solved",
        "/automation/notifications/",
    ]:
        assert client.get(url).status_code == 200, url
    agent = login(make_user(role=Role.AGENT))
    assert agent.get("/automation/").status_code == 404
    assert agent.get(f"/automation/rules/{rule.pk}/").status_code == 404
    assert agent.get("/automation/macros/").status_code == 200


def test_rule_form_shows_json_errors_next_to_the_field() -> None:
    client = login(make_admin())
    response = client.post(
        "/automation/rules/new/",
        {
            "name": "Bad",
            "kind": "trigger",
            "events": ["ticket.created"],
            "condition": '{"field": "ticket.nope", "op": "is", "value": 1}',
            "actions": '[{"type": "add_tags", "tags": ["a"]}]',
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "field: Unknown attribute" in response.content.decode()
    assert not Rule.objects.exists()
    response = client.post(
        "/automation/rules/new/",
        {
            "name": "Good",
            "kind": "trigger",
            "events": ["ticket.created"],
            "condition": "",
            "actions": '[{"type": "add_tags", "tags": ["a"]}]',
            "is_active": "on",
        },
    )
    assert response.status_code == 302 and Rule.objects.get().name == "Good"


def test_dry_run_page() -> None:
    admin = make_admin()
    rule = make_rule(actor=admin, actions=[{"type": "set_priority", "priority": "urgent"}])
    ticket = make_ticket()
    drain()
    response = login(admin).post(f"/automation/rules/{rule.pk}/", {"number": ticket.number})
    assert "It matches." in response.content.decode() and "data-dry-run-result" in response.content.decode()


def test_bell_ticket_panel_macro_apply_and_canned_search() -> None:
    agent = make_user(role=Role.AGENT, language="en")
    notifications.notify(recipient=agent, title="Hi")
    macro = make_macro(actions=[{"type": "add_tags", "tags": ["from-macro"]}])
    services.save_canned(actor=agent, title="Greeting", body="Hello {{ requester.first_name }}!")
    ticket = make_ticket(requester=make_contact(name="Zoe Q"))
    client = login(agent)
    page = client.get(f"/agent/tickets/{ticket.number}/").content.decode()
    assert "1 notification" in page and "data-automation-panel" in page and macro.name in page
    preview = client.get(f"/automation/tickets/{ticket.number}/macros/{macro.pk}/preview/").content.decode()
    assert "data-macro-preview" in preview
    applied = client.post(f"/automation/tickets/{ticket.number}/macros/{macro.pk}/apply/")
    assert applied.status_code == 302
    assert ticket.tags.filter(name="from-macro").exists()
    results = client.get(f"/automation/tickets/{ticket.number}/canned/?q=greet").content.decode()
    assert 'data-text="Hello Zoe!"' in results
    assert client.get("/automation/tickets/99999999/canned/?q=greet").status_code == 404
    assert Macro.objects.count() == 1


def test_pages_in_spanish_with_the_rule_builder() -> None:
    admin = make_user(role=Role.ADMIN, language="es")
    client = login(admin)
    home = client.get("/automation/").content.decode()
    assert "Disparadores" in home and "Reglas por tiempo" in home
    form = client.get("/automation/rules/new/").content.decode()
    assert "data-condition-builder" in form and 'id="condition-catalog"' in form and "automation/builder.js" in form
