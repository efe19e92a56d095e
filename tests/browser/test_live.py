"""Live updates over websockets: a second browser sees a new message appear without a
reload, and agents see who else is viewing or replying (collision warning)."""

from __future__ import annotations

from playwright.sync_api import expect

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import PASSWORD, make_team, make_user
from atiende.contacts.tests.factories import make_customer
from atiende.tickets import services
from atiende.tickets.tests.factories import make_ticket


def test_second_browser_sees_new_messages_and_presence_without_reload(new_page, screenshot, sign_in, off_loop) -> None:
    team = make_team(name="Soporte")
    ana = make_user(role=Role.AGENT, name="Ana", email="ana@desk.test", teams=[team], language="en")
    luis = make_user(role=Role.AGENT, name="Luis", email="luis@desk.test", teams=[team], language="en")
    customer, contact = make_customer(email="carla@cliente.test")
    ticket = make_ticket(requester=contact, team=team, subject="Live one")
    url = f"/agent/tickets/{ticket.number}/"

    first = new_page()
    sign_in(first, ana.email, PASSWORD)
    first.goto(url)
    first.evaluate("window.__sameDocument = true")

    second = new_page()
    sign_in(second, luis.email, PASSWORD)
    second.goto(url)

    # Presence: each sees the other.
    expect(first.locator("#presence")).to_contain_text("Luis is viewing")
    expect(second.locator("#presence")).to_contain_text("Ana is viewing")

    # Luis types: Ana is warned that he is replying.
    second.locator("#reply_body").press_sequentially("On it", delay=20)
    expect(first.locator("#presence [data-replying]")).to_contain_text("Luis is replying")

    # Luis sends; Ana's page shows the message without a reload.
    second.get_by_role("button", name="Send reply").click()
    expect(second.locator(".messages")).to_contain_text("Reply sent.")
    expect(first.locator("#timeline")).to_contain_text("On it")
    expect(first.locator("#live-notice")).to_contain_text("New message")

    # A customer's reply and an internal note from elsewhere (API, email…) arrive too.
    off_loop(lambda: services.add_message(actor=customer, ticket=ticket, body="Thanks, waiting."))
    off_loop(lambda: services.add_message(actor=luis, ticket=ticket, body="Internal: check warranty.", internal=True))
    expect(first.locator("#timeline")).to_contain_text("Thanks, waiting.")
    expect(first.locator("#timeline .msg--note")).to_contain_text("check warranty")
    assert first.evaluate("window.__sameDocument") is True
    screenshot(first, "live-update")

    # The customer's portal page updates live too, and never receives the note.
    portal = new_page()
    sign_in(portal, customer.email, PASSWORD)
    portal.goto(f"/portal/requests/{ticket.number}/")
    portal.evaluate("window.__sameDocument = true")
    expect(portal.locator("#timeline")).to_contain_text("Thanks, waiting.")
    portal.wait_for_timeout(300)  # the socket is open (catch-up done) before the next messages
    off_loop(lambda: services.add_message(actor=ana, ticket=ticket, body="Secret note for agents.", internal=True))
    off_loop(lambda: services.add_message(actor=ana, ticket=ticket, body="The technician comes tomorrow."))
    expect(portal.locator("#timeline")).to_contain_text("The technician comes tomorrow.")
    expect(portal.locator("#timeline")).not_to_contain_text("Secret note")
    assert portal.evaluate("window.__sameDocument") is True

    # Collision warning before sending: Ana's reply is held because of messages she has not seen.
    first.fill("#reply_body", "Me too")
    first.once("dialog", lambda dialog: dialog.accept())
    first.get_by_role("button", name="Send reply").click()
    expect(first.locator(".collision")).to_be_visible()
    screenshot(first, "collision-warning")
