"""An agent signs in, opens a view, replies, adds a note and changes the status."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import PASSWORD, make_team, make_user
from atiende.contacts.tests.factories import make_contact
from atiende.tickets.models import Ticket
from atiende.tickets.tests.factories import make_ticket


def test_agent_replies_adds_a_note_and_changes_status(new_page, screenshot, sign_in) -> None:
    team = make_team(name="Soporte")
    agent = make_user(role=Role.AGENT, name="Ana Agent", email="ana@desk.test", teams=[team], language="en")
    requester = make_contact(name="Carla Cliente", email="carla@customer.test")
    for n in range(3):
        make_ticket(requester=requester, team=team, subject=f"Older problem {n}")
    ticket = make_ticket(requester=requester, team=team, subject="Printer on fire", body="It smokes.")

    page = new_page()
    page.goto("/login/")
    screenshot(page, "sign-in")
    sign_in(page, agent.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/agent/views/mine/$"))

    page.locator(".sidebar a.view[data-view=open]").click()
    expect(page.locator("h1")).to_have_text("All open")
    expect(page.locator(".sidebar [data-count=open]")).to_have_text("4")
    expect(page.locator("table.tickets tbody tr[data-row]")).to_have_count(4)
    screenshot(page, "agent-list")

    # Keyboard: j moves to the first row (the newest ticket), Enter opens it.
    page.keyboard.press("j")
    expect(page.locator("tr.is-current")).to_have_attribute("data-number", str(ticket.number))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/agent/tickets/{ticket.number}/$"))
    expect(page.locator("#ticket-subject")).to_have_text("Printer on fire")

    # A public reply.
    page.fill("#reply_body", "We are sending a technician.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".messages")).to_contain_text("Reply sent.")
    expect(page.locator("#timeline .msg--agent").last).to_contain_text("We are sending a technician.")

    # An internal note (keyboard "n" switches the composer to a note).
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("n")
    expect(page.locator("#composer")).to_have_class(re.compile("is-note"))
    page.fill("#reply_body", "Customer is VIP, keep an eye on it.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".messages")).to_contain_text("Internal note added.")
    expect(page.locator("#timeline .msg--note")).to_contain_text("Customer is VIP")

    # Drag and drop a file onto the composer, then send it with a reply.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("r")
    page.fill("#reply_body", "Photo of the label attached.")
    page.evaluate(
        """() => {
        const transfer = new DataTransfer();
        transfer.items.add(new File(["label 123"], "label.txt", {type: "text/plain"}));
        const zone = document.querySelector("#composer [data-dropzone]");
        zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true, cancelable: true}));
        zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
        }"""
    )
    expect(page.locator("#composer [data-file-list]")).to_contain_text("label.txt")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("#timeline .attachments").last).to_contain_text("label.txt")

    # Status: pending, through the side panel.
    page.select_option("#id_status", "pending")
    page.get_by_role("button", name="Save fields").click()
    expect(page.locator(".messages")).to_contain_text("Ticket updated.")
    expect(page.locator(".ticket-title .badge").first).to_have_text("Pending")
    expect(page.locator("#timeline .change").last).to_contain_text("Pending")
    screenshot(page, "agent-ticket")

    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.status == "pending"
    assert list(ticket.messages.values_list("kind", flat=True)) == ["reply", "reply", "note", "reply"]
    assert ticket.attachments.get().filename == "label.txt"

    # Global search, and a saved view built from the filter bar.
    page.fill("#global-search", "printer")
    page.keyboard.press("Enter")
    expect(page.locator("#results-tickets + .results")).to_contain_text("Printer on fire")
    screenshot(page, "search")
    page.goto("/agent/views/open/?status=pending")
    page.get_by_role("link", name="Save as a new view").click()
    expect(page.locator("#id_f_status input[value=pending]")).to_be_checked()
    page.fill("#id_name", "Waiting on customers")
    screenshot(page, "saved-view-form")
    page.get_by_role("button", name="Save view").click()
    expect(page.locator(".sidebar a.view[aria-current=page]")).to_contain_text("Waiting on customers")
    expect(page.locator("table.tickets tbody tr[data-row]")).to_have_count(1)

    # Usable on a tablet: nothing wider than the screen.
    page.set_viewport_size({"width": 768, "height": 1024})
    for url in (f"/agent/tickets/{ticket.number}/", "/agent/views/open/"):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), url
    screenshot(page, "agent-list-tablet")

    # Shortcuts help.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("?")
    expect(page.locator("#shortcuts-help")).to_be_visible()
    screenshot(page, "shortcuts-help")
