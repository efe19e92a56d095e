"""Stored XSS: payloads in a subject, a body (text and HTML), a name, a file name and a
custom field render inert for agents and customers. A JS canary (``window.__xss``) would
be set by any payload that ran, and CSP violations are recorded by the page fixture."""

from __future__ import annotations

import io

from playwright.sync_api import expect

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import PASSWORD, make_team, make_user
from atiende.contacts.tests.factories import make_customer
from atiende.core import clock
from atiende.tickets import services
from atiende.tickets.choices import FieldType, MessageKind
from atiende.tickets.models import Message

SUBJECT = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
BODY_TEXT = '"><svg onload="window.__xss=3"></svg><script>window.__xss=4</script>'
BODY_HTML = (
    '<p>Hola</p><script>window.__xss=5</script><img src="x" onerror="window.__xss=6">'
    '<a href="javascript:window.__xss=7">click</a><iframe src="javascript:window.__xss=8"></iframe>'
    '<div style="background:url(javascript:window.__xss=9)" onmouseover="window.__xss=10">hover</div>'
)
RAW_HTML = '<b>raw row</b><script>window.__xss=11</script><img src=x onerror="window.__xss=12">'


def test_payloads_render_inert(new_page, screenshot, sign_in) -> None:
    team = make_team(name="Soporte")
    agent = make_user(
        role=Role.AGENT, name="<script>window.__xss=13</script>", email="ana@desk.test", teams=[team], language="en"
    )
    customer, contact = make_customer(email="carla@cliente.test")
    contact.name = '<img src=x onerror="window.__xss=14">'
    contact.save()
    field = services.create_custom_field(actor=None, key="note", label="Nota", type=FieldType.TEXT, applies_to_all=True)
    ticket = services.create_ticket(
        actor=None,
        subject=SUBJECT,
        requester=contact,
        body=BODY_TEXT,
        team=team,
        custom_fields={field.key: "<script>window.__xss=15</script>"},
        attachments=[
            (io.BytesIO(b"<script>alert(1)</script>"), '"><img src=x onerror="window.__xss=16">.html', "text/html")
        ],
    )
    services.add_message(actor=agent, ticket=ticket, html=BODY_HTML)
    # A row written around the services (an old version, a migration): escaped on the way out too.
    Message.objects.create(
        ticket=ticket,
        kind=MessageKind.REPLY,
        author_user=agent,
        body_text="raw",
        body_html=RAW_HTML,
        created_at=clock.now(),
    )

    page = new_page()
    sign_in(page, agent.email, PASSWORD)
    page.goto("/agent/views/all/")
    expect(page.locator("td.subject a")).to_have_text(SUBJECT)
    page.locator("td.subject a").click()
    expect(page.locator("#ticket-subject")).to_have_text(SUBJECT)
    expect(page.locator("#timeline")).to_contain_text("<script>window.__xss=4</script>")
    expect(page.locator("#timeline")).to_contain_text("raw row")
    page.locator("#timeline a", has_text="click").click()
    page.locator("#timeline", has_text="hover").hover()
    page.goto(f"/search/?q={ticket.number}")
    expect(page.locator(".results").first).to_contain_text(SUBJECT)
    screenshot(page, "xss-agent")
    assert page.evaluate("window.__xss") == 0
    assert page.locator("script:not([src])").count() == 0

    portal = new_page()
    sign_in(portal, customer.email, PASSWORD)
    portal.goto(f"/portal/requests/{ticket.number}/")
    expect(portal.locator("#ticket-subject")).to_have_text(SUBJECT)
    expect(portal.locator("#timeline")).to_contain_text("raw row")
    screenshot(portal, "xss-portal")
    assert portal.evaluate("window.__xss") == 0
