"""Macros, canned responses and the placeholder sandbox."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_team, make_user
from atiende.automation import services
from atiende.automation.services.macros import search_canned
from atiende.automation.templating import render, ticket_context
from atiende.automation.tests.factories import make_admin, make_macro
from atiende.contacts.tests.factories import make_contact
from atiende.core.models import OutboxEvent
from atiende.tickets.models import Ticket
from atiende.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def test_sandbox_renders_placeholders_and_nothing_else(settings: object) -> None:
    ticket = make_ticket(subject="Broken", requester=make_contact(name="Ana María García"))
    agent = make_user(name="Luis Pérez")
    context = ticket_context(ticket, agent=agent)
    text = render(
        "Hola {{ requester.first_name }}, #{{ticket.number}} ({{ ticket.subject }}) — {{ agent.name }}"
        ' {{ requester.nickname | default:"amigo" }}',
        context,
    )
    assert text == f"Hola Ana, #{ticket.number} (Broken) — Luis Pérez amigo"
    hostile = [
        "{{ settings.SECRET_KEY }}",
        "{{ ticket.__class__ }}",
        "{{ ticket.__class__.__mro__ }}",
        "{{ ticket._meta }}",
        "{{ requester.name.upper }}",
        "{{ ticket }}",
        "{% debug %}",
        "{% load static %}{% include 'web/base.html' %}",
        "{{ ticket.number|safe }}{{ ''.__class__ }}",
        "{{ custom }}",
    ]
    for template in hostile:
        out = render(template, context)
        assert "SECRET" not in out and "class" not in out and "<" not in out and "{" not in out, template
        assert out in {"", str(ticket.number)}, (template, out)
    assert render("{{ custom.nope }}", context) == ""


def test_macro_preview_then_apply_in_one_click() -> None:
    agent = make_user()
    macro = make_macro(
        actor=make_admin(),
        actions=[{"type": "set_status", "status": "pending"}, {"type": "add_tags", "tags": ["waiting"]}],
        reply="Hola {{ requester.first_name }}, ¿puedes enviarnos una captura? — {{ agent.first_name }}",
    )
    ticket = make_ticket(requester=make_contact(name="Ana García"))
    events_before = OutboxEvent.objects.count()
    preview = services.preview_macro(actor=agent, macro=macro, ticket=ticket)
    assert preview["reply"] == f"Hola Ana, ¿puedes enviarnos una captura? — {agent.name.split()[0]}"
    assert [a["type"] for a in preview["actions"]] == ["set_status", "add_tags"]
    assert OutboxEvent.objects.count() == events_before and Ticket.objects.get(pk=ticket.pk).status == "new"
    result = services.apply_macro(actor=agent, macro=macro, ticket=ticket, reply="Edited text")
    t = Ticket.objects.get(pk=ticket.pk)
    assert t.status == "pending" and set(t.tags.values_list("name", flat=True)) == {"waiting"}
    reply = t.messages.filter(kind="reply").order_by("-id").first()
    assert reply is not None and reply.body_text == "Edited text" and reply.author_user == agent
    assert result["actions"][-1]["type"] == "reply"


def test_macro_errors_roll_back_everything() -> None:
    agent = make_user()
    macro = make_macro(actions=[{"type": "add_tags", "tags": ["x"]}, {"type": "set_team", "team": 999999}], reply="hi")
    ticket = make_ticket()
    with pytest.raises(ValidationError):
        services.apply_macro(actor=agent, macro=macro, ticket=ticket)
    assert not Ticket.objects.get(pk=ticket.pk).tags.exists()


def test_macros_refuse_webhooks_and_need_managers_to_share() -> None:
    with pytest.raises(ValidationError) as exc:
        make_macro(actions=[{"type": "call_webhook", "webhook": 1}])
    assert "actions[0].type" in exc.value.message_dict
    agent = make_user()
    with pytest.raises(PermissionDenied):
        make_macro(actor=agent)  # shared
    mine = make_macro(actor=agent, owner=agent)
    assert mine.owner == agent


def test_canned_responses_personal_shared_per_language_and_searchable() -> None:
    team = make_team()
    agent = make_user(teams=[team])
    other = make_user()
    admin = make_admin()
    services.save_canned(
        actor=admin, title="Password reset", body="Para cambiar tu contraseña…", language="es", shared=True
    )
    services.save_canned(
        actor=admin, title="Password reset", body="To reset your password…", language="en", shared=True
    )
    services.save_canned(actor=admin, title="Team greeting", body="Hello from the team", team=team)
    services.save_canned(actor=agent, title="My signature", body="Cheers, {{ agent.first_name }}")
    with pytest.raises(PermissionDenied):
        services.save_canned(actor=agent, title="x", body="y", shared=True)
    titles = lambda user, **kw: sorted(c.title for c in search_canned(user=user, **kw))  # noqa: E731
    assert titles(agent) == ["My signature", "Password reset", "Password reset", "Team greeting"]
    assert titles(other) == ["Password reset", "Password reset"]
    assert [c.body for c in search_canned(user=agent, query="password", language="en")] == ["To reset your password…"]
    assert titles(agent, query="CHEERS") == ["My signature"]
    with pytest.raises(PermissionDenied):
        services.save_canned(actor=make_user(role=Role.CUSTOMER), title="x", body="y")
