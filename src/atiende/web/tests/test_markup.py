"""Every page: CSP-compatible markup (no inline scripts, styles or event handlers), one
h1, labelled form controls, and the CSP header itself."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client

from atiende.tickets import services
from atiende.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db


class Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.ids: set[str] = set()
        self.label_for: set[str] = set()
        self.controls: list[tuple[str, dict[str, str | None]]] = []
        self.h1 = 0
        self.label_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "script" and not found.get("src"):
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"{name} handler on <{tag}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL on <{tag}>")
        if tag == "h1":
            self.h1 += 1
        if tag == "label":
            self.label_depth += 1
            if found.get("for"):
                self.label_for.add(str(found["for"]))
        if tag in ("input", "select", "textarea") and found.get("type") not in ("hidden", "submit", "button"):
            if not self.label_depth:
                self.controls.append((tag, found))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.label_depth = max(0, self.label_depth - 1)

    def unlabelled(self) -> list[str]:
        return [
            f"<{tag} name={attrs.get('name')}>"
            for tag, attrs in self.controls
            if not attrs.get("aria-label")
            and attrs.get("id") not in self.label_for
            and not attrs.get("hidden") == ""
            and "hidden" not in attrs
        ]


def audit(client: Client, url: str, status: int = 200) -> None:
    response = client.get(url)
    assert response.status_code == status, url
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    parser = Audit()
    parser.feed(response.content.decode())
    assert parser.problems == [], (url, parser.problems)
    assert parser.h1 == 1, (url, parser.h1)
    assert parser.unlabelled() == [], (url, parser.unlabelled())


def test_agent_pages(agent, team, agent_client, customer) -> None:
    ticket = make_ticket(requester=customer[1], team=team, tags=["x"])
    services.add_message(actor=agent, ticket=ticket, body="note", internal=True)
    for url in (
        "/agent/views/mine/",
        "/agent/views/open/?status=open",
        f"/agent/tickets/{ticket.number}/",
        "/agent/views/new/",
        "/search/?q=problem",
        "/search/",
        "/preferences/",
    ):
        audit(agent_client, url)


def test_portal_pages(customer, customer_client) -> None:
    ticket = make_ticket(requester=customer[1])
    for url in ("/portal/", "/portal/requests/new/", f"/portal/requests/{ticket.number}/", "/preferences/"):
        audit(customer_client, url)


def test_public_pages(db: None) -> None:
    client = Client()
    for url in ("/login/", "/signup/", "/login/link/", "/password/reset/", "/signup/sent/", "/login/link/sent/"):
        audit(client, url)
    audit(client, "/no-such-page/", status=404)
